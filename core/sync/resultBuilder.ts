import { withoutSecrets, type SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import type { WordPressClient } from '../wordpress/client';
import { WordPressApiError } from '../wordpress/errors';
import type { IdentityMatch } from './identity';
import type { Refusal } from './policies';
import type { NotSynced } from './roles';
import { errorDetails, REASONS, type ReasonCode, type SyncResult } from './result';
import type { TargetSite } from './target';

export type TargetMatch = { user: WpUser; matchedBy?: IdentityMatch['matchedBy'] };

/** The bridge's 403 codes and the result each one is. */
const SITE_REFUSALS: Record<string, Pick<SyncResult, 'status' | 'reason'>> = {
	harmonyuser_site_read_only: { status: 'rejected', reason: 'target_read_only' },
	harmonyuser_user_rejects_incoming: { status: 'rejected', reason: 'target_user_protected' },
	harmonyuser_ip_not_allowed: { status: 'failed', reason: 'ip_not_allowed' },
};

/** Collects what one item cost and turns an outcome into its result item. */
export class ResultBuilder {
	private readonly started = Date.now();

	constructor(
		private readonly target: TargetSite,
		private readonly client: WordPressClient,
		private readonly event: SyncEvent | undefined,
		/** The sites this item's fan-out writes (a network run), this one included: told to each target with the path. */
		private readonly fanOutSites: string[] = [],
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
			notSynced: [],
			requests: this.client.requests,
			durationMs: Date.now() - this.started,
			event: event && withoutSecrets(event),
			...fields,
		};
	}

	refused(refusal: Refusal, match?: IdentityMatch): SyncResult {
		return this.result({ ...refusal, user: this.userOf(match) });
	}

	failed(
		reason: ReasonCode,
		message: string,
		error?: WordPressApiError,
		match?: IdentityMatch,
	): SyncResult {
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
		// The target's bridge refused the write as older than its copy (compare-and-set lost): not a failure.
		if (error.code === 'harmonyuser_stale')
			return this.refused({ status: 'skipped', reason: 'stale', message: error.message }, match);
		// The target's bridge enforces its own switches: the same refusals the node's policies give, said by the site.
		const enforced = SITE_REFUSALS[error.code ?? ''];
		if (enforced)
			return this.result({
				...enforced,
				message: error.message,
				detail: 'site_enforced',
				error: errorDetails(error),
				user: this.userOf(match),
			});
		const reason: ReasonCode = error.kind === 'conflict' ? 'conflict' : 'wordpress_error';
		return this.failed(reason, error.message, error, match);
	}

	applied(
		action: SyncResult['action'],
		reason: ReasonCode,
		match: TargetMatch | undefined,
		changes: string[] = [],
		notSynced: NotSynced[] = [],
	): SyncResult {
		const left = notSynced.length
			? `; not synced: ${notSynced.map((entry) => `${entry.field} (${entry.message})`).join('; ')}`
			: '';
		return this.result({
			status: 'synced',
			action,
			reason,
			message: `${REASONS[reason]}${left}`,
			changes,
			notSynced,
			path: this.pathWithTarget(),
			user: this.userOf(match),
		});
	}

	/**
	 * The path once this target has the change: what writes carry on to the bridge. In a fan-out, every site it
	 * writes is in it, so the events those writes cause on any of them are known to be covered.
	 */
	pathWithTarget(): string[] {
		const path = [...(this.event?.path ?? [])];
		for (const site of [...this.fanOutSites, this.target.config.target])
			if (!path.includes(site)) path.push(site);
		return path;
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
