import type { SyncEvent } from '../schemas/syncEvent';
import type { WpUserWrite } from '../wordpress/users';
import { setPasswordHash } from '../wordpress/bridge';
import type { WordPressClient } from '../wordpress/client';
import { WordPressApiError } from '../wordpress/errors';
import { pathHeaders, UsersApi } from '../wordpress/users';
import { changedFields, diffUser } from './diff';
import { resolveTargetUser, type TargetDirectory } from './identity';
import type { Plan } from './plan';
import type { SyncResult } from './result';
import type { ResultBuilder, TargetMatch } from './resultBuilder';
import type { TargetSite } from './target';

/** Everything one item's writes need. */
export interface ItemContext {
	target: TargetSite;
	client: WordPressClient;
	event: SyncEvent;
	directory: TargetDirectory;
	builder: ResultBuilder;
}

/** Carries out a plan on the target with one client view, mapping WordPress errors to failed results. */
export async function executePlan(ctx: ItemContext, plan: Plan): Promise<SyncResult> {
	const users = usersFor(ctx);
	try {
		switch (plan.kind) {
			case 'refused':
				return ctx.builder.refused(plan.refusal, plan.match);
			case 'unchanged':
				return await finish(ctx, 'none', plan.match, []);
			case 'update':
				await users.update(plan.match.user.id, plan.payload);
				return await finish(ctx, 'update', plan.match, changedFields(plan.payload));
			case 'delete':
				await users.delete(plan.match.user.id, await ctx.target.heirId());
				return ctx.builder.applied('delete', 'deleted', plan.match);
			case 'create': {
				const outcome = await users.create(plan.payload).then(
					(user) => ({ user }),
					(error: unknown) => ({ error }),
				);
				if ('user' in outcome) return await finish(ctx, 'create', { user: outcome.user }, changedFields(plan.payload));
				return await recoverCreate(ctx, outcome.error);
			}
		}
	} catch (error) {
		return ctx.builder.fromError(error, 'match' in plan ? plan.match : undefined);
	}
}

/**
 * A create that meets an existing email or login (another writer got there first, or a retried request had
 * already succeeded) looks the user up again and updates them instead: never a second user.
 */
export async function recoverCreate(ctx: ItemContext, error: unknown): Promise<SyncResult> {
	if (!(error instanceof WordPressApiError) || error.kind !== 'conflict') return ctx.builder.fromError(error);
	const match = await resolveTargetUser(ctx.directory, ctx.event.user);
	if (!match) return ctx.builder.failed('conflict', error.message, error);
	const changes: WpUserWrite = diffUser(match.user, ctx.event.user);
	if (!Object.keys(changes).length) return finish(ctx, 'none', match, []);
	await usersFor(ctx).update(match.user.id, changes);
	return finish(ctx, 'update', match, changedFields(changes));
}

/**
 * Completes a create or update. A password hash in the event goes through the target's bridge plugin (REST
 * accepts only plaintext); without the bridge the rest is synced and the result says the password was not.
 */
export async function finish(
	ctx: ItemContext,
	action: 'create' | 'update' | 'none',
	match: TargetMatch,
	changes: string[],
): Promise<SyncResult> {
	const hash = ctx.event.user.passwordHash;
	let note = '';
	if (hash && (await ctx.target.info()).bridge) {
		await setPasswordHash(ctx.client, match.user.id, hash, pathHeaders(ctx.builder.pathWithTarget()));
		changes = [...changes, 'password'];
		if (action === 'none') action = 'update';
	} else if (hash) {
		note = '; the password was not synced: the target has no bridge plugin';
	}
	const reason = action === 'create' ? 'created' : action === 'update' ? 'updated' : 'unchanged';
	const result = ctx.builder.applied(action, reason, match, changes);
	return note ? { ...result, message: result.message + note } : result;
}

function usersFor(ctx: ItemContext): UsersApi {
	return new UsersApi(ctx.client, ctx.builder.pathWithTarget());
}
