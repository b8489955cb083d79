import type { SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import type { WpUserWrite } from '../wordpress/users';
import { hashFormat, PASSWORD_HASH_FIELD, THROWAWAY_PASSWORD_FIELD } from '../wordpress/bridge';
import type { WordPressClient } from '../wordpress/client';
import { WordPressApiError } from '../wordpress/errors';
import { UsersApi } from '../wordpress/users';
import { newestVersion } from '../versions/version';
import { VERSIONS_FIELD, versionsForWrite, withoutStaleFields } from '../versions/fields';
import { decideFor, type Mode } from './decide';
import { changedFields } from './diff';
import { resolveTargetUser, type IdentityMatch, type TargetDirectory } from './identity';
import { staleField, type Plan } from './plan';
import type { SyncResult } from './result';
import type { ResultBuilder, TargetMatch } from './resultBuilder';
import { notSyncedRoles, roleNamedInError, type NotSynced } from './roles';
import type { TargetSite } from './target';
import { wooRoleFallback, writeWooCustomer } from './wooCustomer';

/** Everything one item's writes need. */
export interface ItemContext {
	target: TargetSite;
	client: WordPressClient;
	event: SyncEvent;
	directory: TargetDirectory;
	builder: ResultBuilder;
	mode: Mode;
}

type WritePlan = Extract<Plan, { kind: 'create' | 'update' }>;

/**
 * The password hash, when the event carries one, travels as a field of the write itself (the target's bridge
 * plugin accepts it), so the event that write causes at the target carries the final password, never an
 * interim one. A user who only changed their password gets an update of just that field. A first contact
 * (link only) never carries one.
 */
export async function withPasswordHash(ctx: ItemContext, plan: Plan): Promise<Plan> {
	const hash = ctx.event.user.passwordHash;
	if (plan.kind === 'refused' || plan.kind === 'delete' || ('linkOnly' in plan && plan.linkOnly))
		return plan;
	if (!hash) return withThrowawayPassword(ctx, plan);
	if (!(await ctx.target.hasBridge())) return plan;
	// A hash the target cannot verify would lock the user out there (6.8's bcrypt on 6.1–6.7): not written.
	const unsupported = await unverifiableHash(ctx, hash);
	if (unsupported)
		return withThrowawayPassword(ctx, { ...plan, notSynced: [...plan.notSynced, unsupported] });
	const field = { [PASSWORD_HASH_FIELD]: hash };
	if (
		plan.kind !== 'create' &&
		withoutStaleFields(field, ctx.event, plan.match.user.harmonyuser_versions).stale.length
	) {
		return { ...plan, notSynced: [...plan.notSynced, staleField('password')] };
	}
	if (plan.kind === 'unchanged')
		return { kind: 'update', match: plan.match, payload: field, notSynced: plan.notSynced };
	return { ...plan, payload: { ...plan.payload, ...field } };
}

/**
 * A create that sets no password of the user's: its random password only satisfies the REST API, so a target
 * known to run the bridge is told so and skips the full-cost hash. Costs no request: whether the bridge is there
 * is what the identity lookup (or an earlier /info) already learnt; when that is unknown, no flag is sent. A bridge
 * too old to know the field ignores it, as WordPress ignores any body field no route registered.
 */
async function withThrowawayPassword(ctx: ItemContext, plan: Plan): Promise<Plan> {
	if (plan.kind !== 'create') return plan;
	const bridge = ctx.target.bridge.available ?? (await ctx.target.infoIfKnown())?.bridge;
	return bridge
		? { ...plan, payload: { ...plan.payload, [THROWAWAY_PASSWORD_FIELD]: true } }
		: plan;
}

/** Why the target cannot take this hash (its bridge lists the formats it verifies), or undefined when it can. */
async function unverifiableHash(ctx: ItemContext, hash: string): Promise<NotSynced | undefined> {
	// A sealed hash says its format beside it; every WordPress verifies phpass, so only other formats are asked about.
	const format = hashFormat(hash) ?? ctx.event.user.passwordHashFormat;
	if (!format || format === 'phpass') return undefined;
	const { hashFormats } = await ctx.target.info();
	if (!format || !hashFormats || hashFormats.includes(format)) return undefined;
	return {
		field: 'password',
		reason: 'hash_unsupported',
		values: [format],
		message: `the target cannot verify ${format} hashes (it verifies ${hashFormats.join(', ') || 'none'}): the user keeps the password they have there`,
	};
}

/** Carries out a plan on the target with one client view, mapping WordPress errors to failed results. */
export async function executePlan(ctx: ItemContext, original: Plan): Promise<SyncResult> {
	let plan = original;
	try {
		plan = await withPasswordHash(ctx, original);
		switch (plan.kind) {
			case 'refused':
				return ctx.builder.refused(plan.refusal, plan.match);
			case 'unchanged':
				return await finish(ctx, 'none', plan.match, [], plan);
			case 'delete':
				await usersFor(ctx).delete(
					plan.match.user.id,
					await ctx.target.heirId(),
					deleteVersion(ctx.event),
				);
				return ctx.builder.applied('delete', 'deleted', plan.match);
			case 'update':
			case 'create':
				return await write(ctx, plan);
		}
	} catch (error) {
		return ctx.builder.fromError(error, 'match' in plan ? plan.match : undefined);
	}
}

/**
 * One create or update. A role the target lacks is left out and the write repeated without it (the result
 * names it); a create that meets an existing email or login is looked up again (see recoverCreate).
 */
async function write(ctx: ItemContext, plan: WritePlan): Promise<SyncResult> {
	let current: WritePlan = plan;
	for (;;) {
		const outcome = await send(ctx, current).then(
			(user) => ({ user }),
			(error: unknown) => ({ error }),
		);
		if ('user' in outcome) {
			const match = current.kind === 'create' ? { user: outcome.user } : current.match;
			return finish(
				ctx,
				current.kind,
				match,
				changedFields(current.payload),
				current,
				outcome.user,
			);
		}
		const next = withoutRefusedField(ctx, current, outcome.error);
		if (next === 'no_valid_role')
			return ctx.builder.failed('no_valid_role', `none of the user's roles exists on the target`);
		if (next) {
			if (next.kind === 'unchanged') return finish(ctx, 'none', next.match, [], next);
			current = next;
			continue;
		}
		if (current.kind === 'create') return recoverCreate(ctx, outcome.error);
		throw outcome.error;
	}
}

function send(ctx: ItemContext, plan: WritePlan): Promise<WpUser> {
	const users = usersFor(ctx);
	const body = withVersions(ctx.event, plan.payload);
	return plan.kind === 'create' ? users.create(body) : users.update(plan.match.user.id, body);
}

/** The write with the version of each field it carries: the target's bridge compares and sets them atomically. */
export function withVersions(event: SyncEvent, payload: WpUserWrite): WpUserWrite {
	const versions = versionsForWrite(event, payload);
	return versions ? { ...payload, [VERSIONS_FIELD]: versions } : payload;
}

/** The version a delete carries (the bridge refuses it when the user changed after it). */
export function deleteVersion(event: SyncEvent): string | undefined {
	return event.version ?? newestVersion(Object.values(event.user.versions ?? {}));
}

/**
 * After WordPress refused one field the target cannot take — a role it lacks (`rest_user_invalid_role`) or a
 * language it has not installed (`rest_invalid_param` on locale) — the same write without it (a missing role is
 * remembered for the rest of the run). undefined: the error is something else; 'no_valid_role': a create is
 * left with no role at all.
 */
export function withoutRefusedField(
	ctx: ItemContext,
	plan: WritePlan,
	error: unknown,
): WritePlan | Extract<Plan, { kind: 'unchanged' }> | 'no_valid_role' | undefined {
	if (!(error instanceof WordPressApiError) || error.status !== 400) return undefined;
	const payload: WpUserWrite = { ...plan.payload };
	let notSynced: NotSynced;
	if (error.code === 'harmonyuser_hash_unsupported' && payload[PASSWORD_HASH_FIELD] !== undefined) {
		// The target's bridge opened the hash and cannot verify its format: the user keeps their password there.
		notSynced = {
			field: 'password',
			reason: 'hash_unsupported',
			message: 'the target cannot verify this password hash format',
		};
		delete payload[PASSWORD_HASH_FIELD];
	} else if (
		error.code === 'rest_invalid_param' &&
		payload.locale !== undefined &&
		/\blocale\b/.test(error.message)
	) {
		notSynced = {
			field: 'locale',
			reason: 'locale_missing_on_target',
			values: [payload.locale],
			message: `the target has no language ${payload.locale} installed`,
		};
		delete payload.locale;
	} else {
		const roles = plan.payload.roles ?? [];
		const missing =
			error.code === 'rest_user_invalid_role' ? roleNamedInError(error.message, roles) : undefined;
		if (!missing) return undefined;
		ctx.target.missingRoles.add(missing);
		notSynced = notSyncedRoles('role_missing_on_target', [missing], 'the target has no role');
		payload.roles = roles.filter((role) => role !== missing);
		// A WooCommerce customer into a site without WooCommerce: subscriber instead (wooCustomer.ts).
		const fallback = wooRoleFallback(
			ctx.event,
			missing,
			ctx.target.config,
			payload.roles,
			plan.kind === 'update' ? plan.match.user.roles : undefined,
		);
		if (fallback) [payload.roles, notSynced] = [fallback.roles, fallback.note];
		if (!payload.roles.length) {
			if (plan.kind === 'create') return 'no_valid_role';
			delete payload.roles;
		}
	}
	const all = [...plan.notSynced, notSynced];
	if (plan.kind === 'create' || Object.keys(payload).length)
		return { ...plan, payload, notSynced: all };
	return { kind: 'unchanged', match: plan.match, notSynced: all };
}

/**
 * A create that meets an existing email or login (another writer got there first, or a retried request had
 * already succeeded) looks the user up again and goes through the linking rule: the same person is updated,
 * another person is a conflict — never a merge, never a second user.
 */
export async function recoverCreate(ctx: ItemContext, error: unknown): Promise<SyncResult> {
	if (!(error instanceof WordPressApiError) || error.kind !== 'conflict')
		return ctx.builder.fromError(error);
	const candidate = await resolveTargetUser(ctx.directory, ctx.event.user);
	if (!candidate) return ctx.builder.failed('conflict', error.message, error);
	const event = { ...ctx.event, action: 'update' as const };
	const plan = await withPasswordHash(
		ctx,
		await decideFor(ctx.target, event, candidate, { mode: ctx.mode, createMissing: false }),
	);
	if (plan.kind === 'update') return write(ctx, plan);
	return executePlan(ctx, plan);
}

/**
 * The result of a create or update. REST accepts only plaintext passwords, so without the target's bridge the
 * rest of the user is synced and the result says the password was not.
 */
export async function finish(
	ctx: ItemContext,
	action: 'create' | 'update' | 'none',
	match: TargetMatch,
	writtenChanges: string[],
	plan: { notSynced: NotSynced[]; linkOnly?: boolean },
	answer?: WpUser,
): Promise<SyncResult> {
	// Fields the bridge refused at the write itself: another writer got a newer version in first.
	const refused = new Set(answer?.harmonyuser_stale ?? []);
	const changes = writtenChanges.filter((field) => !refused.has(field));
	if (refused.size && !changes.length) {
		return ctx.builder.refused(
			{
				status: 'skipped',
				reason: 'stale',
				message: `older than the target's copy: ${[...refused].join(', ')}`,
			},
			match as IdentityMatch,
		);
	}
	const reason = plan.linkOnly
		? 'linked'
		: action === 'create'
			? 'created'
			: action === 'update'
				? 'updated'
				: 'unchanged';
	const notSynced = [
		...plan.notSynced,
		...[...refused].map(staleField),
		...omittedAtSource(ctx.event),
	];
	if (ctx.event.user.passwordHash && !plan.linkOnly && !(await ctx.target.hasBridge())) {
		notSynced.push({
			field: 'password',
			reason: 'password_no_bridge',
			message: 'the target has no bridge plugin to take a password hash',
		});
	}
	// WooCommerce billing and shipping, once the user itself is on the target (wooCustomer.ts).
	const woo = plan.linkOnly
		? { changes: [], notSynced: [] }
		: await writeWooCustomer({ ...ctx, path: ctx.builder.pathWithTarget() }, match.user);
	if (woo.changes.length && action === 'none')
		return ctx.builder.applied('update', 'updated', match, woo.changes, [
			...notSynced,
			...woo.notSynced,
		]);
	return ctx.builder.applied(
		action,
		reason,
		match,
		[...changes, ...woo.changes],
		[...notSynced, ...woo.notSynced],
	);
}

/** What the source left out of the event (a value over its size cap, a password hash without a network key). */
export function omittedAtSource(event: SyncEvent): NotSynced[] {
	return (event.omitted ?? []).map((entry) => ({
		field: entry.field === 'passwordHash' ? 'password' : entry.field,
		reason: 'omitted_at_source' as const,
		values: [entry.reason],
		message: `the source left it out (${entry.reason})`,
	}));
}

function usersFor(ctx: ItemContext): UsersApi {
	return new UsersApi(ctx.client, ctx.builder.pathWithTarget());
}
