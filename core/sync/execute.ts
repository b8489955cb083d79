import type { SyncEvent } from '../schemas/syncEvent';
import type { WpUserWrite } from '../wordpress/users';
import { PASSWORD_HASH_FIELD } from '../wordpress/bridge';
import type { WordPressClient } from '../wordpress/client';
import { WordPressApiError } from '../wordpress/errors';
import { UsersApi } from '../wordpress/users';
import { changedFields, diffUser } from './diff';
import { resolveTargetUser, type IdentityMatch, type TargetDirectory } from './identity';
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

/**
 * The password hash, when the event carries one, travels as a field of the write itself (the target's bridge
 * plugin accepts it), so the event that write causes at the target carries the final password, never an
 * interim one. A user who only changed their password gets an update of just that field.
 */
export async function withPasswordHash(ctx: ItemContext, plan: Plan): Promise<Plan> {
	const hash = ctx.event.user.passwordHash;
	if (!hash || plan.kind === 'refused' || plan.kind === 'delete') return plan;
	if (!(await ctx.target.hasBridge())) return plan;
	const field = { [PASSWORD_HASH_FIELD]: hash };
	if (plan.kind === 'unchanged') return { kind: 'update', match: plan.match, payload: field };
	return { ...plan, payload: { ...plan.payload, ...field } };
}

/** Carries out a plan on the target with one client view, mapping WordPress errors to failed results. */
export async function executePlan(ctx: ItemContext, original: Plan): Promise<SyncResult> {
	const users = usersFor(ctx);
	let plan = original;
	try {
		plan = await withPasswordHash(ctx, original);
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
	const plan = await withPasswordHash(ctx, planFor(match, diffUser(match.user, ctx.event.user)));
	if (plan.kind !== 'update') return finish(ctx, 'none', match, []);
	await usersFor(ctx).update(match.user.id, plan.payload);
	return finish(ctx, 'update', match, changedFields(plan.payload));
}

/**
 * The result of a create or update. REST accepts only plaintext passwords, so without the target's bridge the
 * rest of the user is synced and the result says the password was not.
 */
export async function finish(
	ctx: ItemContext,
	action: 'create' | 'update' | 'none',
	match: TargetMatch,
	changes: string[],
): Promise<SyncResult> {
	const reason = action === 'create' ? 'created' : action === 'update' ? 'updated' : 'unchanged';
	const result = ctx.builder.applied(action, reason, match, changes);
	if (!ctx.event.user.passwordHash || (await ctx.target.hasBridge())) return result;
	return { ...result, message: `${result.message}; the password was not synced: the target has no bridge plugin` };
}

function planFor(match: IdentityMatch, payload: WpUserWrite): Plan {
	return Object.keys(payload).length ? { kind: 'update', match, payload } : { kind: 'unchanged', match };
}

function usersFor(ctx: ItemContext): UsersApi {
	return new UsersApi(ctx.client, ctx.builder.pathWithTarget());
}
