import { withoutSecrets, type SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import type { WordPressClient } from '../wordpress/client';
import { WordPressApiError } from '../wordpress/errors';
import { UsersApi } from '../wordpress/users';
import { changedFields, diffUser } from './diff';
import { resolveTargetUser, type IdentityMatch, type TargetDirectory } from './identity';
import type { Plan } from './plan';
import type { Refusal } from './policies';
import { errorDetails, REASONS, type ReasonCode, type SyncResult } from './result';
import type { TargetSite } from './target';

type TargetMatch = { user: WpUser; matchedBy?: IdentityMatch['matchedBy'] };

/** Collects what one item cost and turns an outcome into its result item. */
export class ResultBuilder {
	private readonly started = Date.now();

	constructor(
		private readonly target: TargetSite,
		private readonly client: WordPressClient,
		private readonly event: SyncEvent | undefined,
	) {}

	result(fields: Partial<SyncResult> & Pick<SyncResult, 'status' | 'reason'>): SyncResult {
		const { event } = this;
		const user = event?.user;
		return {
			action: 'none',
			requestedAction: event?.action ?? null,
			message: REASONS[fields.reason],
			source: event?.source.url ?? null,
			target: this.target.config.target,
			user: user ? { login: user.login, email: user.email, sourceId: user.sourceId } : null,
			eventId: event?.id ?? null,
			path: event?.path ?? [],
			changes: [],
			requests: this.client.requests,
			durationMs: Date.now() - this.started,
			event: event && withoutSecrets(event),
			...fields,
		};
	}

	refused(refusal: Refusal, match?: IdentityMatch): SyncResult {
		return this.result({ ...refusal, user: this.userOf(match) });
	}

	failed(reason: ReasonCode, message: string, error?: WordPressApiError, match?: IdentityMatch): SyncResult {
		return this.result({
			status: 'failed',
			reason,
			message,
			error: error ? errorDetails(error) : undefined,
			user: this.userOf(match),
		});
	}

	/** WordPress errors become failed results; anything else is a bug and propagates. */
	fromError(error: unknown, match?: IdentityMatch): SyncResult {
		if (!(error instanceof WordPressApiError)) throw error;
		const reason: ReasonCode = error.kind === 'conflict' ? 'conflict' : 'wordpress_error';
		return this.failed(reason, error.message, error, match);
	}

	applied(action: SyncResult['action'], reason: ReasonCode, match: TargetMatch | undefined, changes: string[] = []): SyncResult {
		return this.result({
			status: 'synced',
			action,
			reason,
			changes,
			path: this.pathWithTarget(),
			user: this.userOf(match),
		});
	}

	/** The path once this target has the change: what writes carry on to the bridge. */
	pathWithTarget(): string[] {
		const path = this.event?.path ?? [];
		const target = this.target.config.target;
		return path.includes(target) ? path : [...path, target];
	}

	private userOf(match?: TargetMatch): SyncResult['user'] {
		const user = this.event?.user;
		if (!user) return null;
		return {
			login: user.login,
			email: user.email,
			sourceId: user.sourceId,
			targetId: match?.user.id,
			matchedBy: match?.matchedBy,
		};
	}
}

/** Carries out a plan on the target with one client view, mapping WordPress errors to failed results. */
export async function executePlan(
	target: TargetSite,
	client: WordPressClient,
	event: SyncEvent,
	plan: Plan,
	directory: TargetDirectory,
	builder: ResultBuilder,
): Promise<SyncResult> {
	const users = new UsersApi(client, builder.pathWithTarget());
	try {
		switch (plan.kind) {
			case 'refused':
				return builder.refused(plan.refusal, plan.match);
			case 'unchanged':
				return builder.applied('none', 'unchanged', plan.match);
			case 'update': {
				await users.update(plan.match.user.id, plan.payload);
				return builder.applied('update', 'updated', plan.match, changedFields(plan.payload));
			}
			case 'delete': {
				await users.delete(plan.match.user.id, await target.heirId());
				return builder.applied('delete', 'deleted', plan.match);
			}
			case 'create':
				return await create(users, event, plan.payload, directory, builder);
		}
	} catch (error) {
		return builder.fromError(error, 'match' in plan ? plan.match : undefined);
	}
}

/**
 * A create that meets an existing email or login (another writer got there first, or a retried request had
 * already succeeded) looks the user up again and updates them instead: never a second user.
 */
async function create(
	users: UsersApi,
	event: SyncEvent,
	payload: Parameters<UsersApi['create']>[0],
	directory: TargetDirectory,
	builder: ResultBuilder,
): Promise<SyncResult> {
	const outcome = await users.create(payload).then(
		(user) => ({ user }),
		(error: unknown) => ({ error }),
	);
	if ('user' in outcome) return builder.applied('create', 'created', { user: outcome.user }, changedFields(payload));
	const { error } = outcome;
	if (!(error instanceof WordPressApiError) || error.kind !== 'conflict') return builder.fromError(error);
	const match = await resolveTargetUser(directory, event.user);
	if (!match) return builder.failed('conflict', error.message, error);
	const changes = diffUser(match.user, event.user);
	if (!Object.keys(changes).length) return builder.applied('none', 'unchanged', match);
	await users.update(match.user.id, changes);
	return builder.applied('update', 'updated', match, changedFields(changes));
}
