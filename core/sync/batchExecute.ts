import { parseWpUser, WP_USER_FIELDS } from '../schemas/wpUser';
import { batchWrite, type BatchOutcome, type BatchRequest } from '../wordpress/batch';
import { WordPressApiError } from '../wordpress/errors';
import { pathHeaders } from '../wordpress/users';
import { changedFields } from './diff';
import type { SyncEvent } from '../schemas/syncEvent';
import { DELETE_VERSION_PARAM } from '../versions/fields';
import {
	deleteVersion,
	executePlan,
	finish,
	recoverCreate,
	withoutRefusedField,
	withPasswordHash,
	withVersions,
	type ItemContext,
} from './execute';
import type { Plan } from './plan';
import type { SyncResult } from './result';

export interface PlannedWrite {
	ctx: ItemContext;
	plan: Plan;
}

type WritePlan = Extract<Plan, { kind: 'create' | 'update' | 'delete' }>;

/**
 * Runs many items' writes through /batch/v1 (`size` per request, where the target's bridge allows it),
 * grouped by the propagation path their writes carry; everything else runs one request at a time. A batched
 * create that meets an existing user falls back to the single-request recovery.
 */
export async function executeInBatches(
	planned: PlannedWrite[],
	size: number,
): Promise<SyncResult[]> {
	// If the bridge cannot be asked, the item goes without the hash; its result then reports the error.
	const items = await Promise.all(
		planned.map(async (item) => ({
			...item,
			plan: await withPasswordHash(item.ctx, item.plan).catch(() => item.plan),
		})),
	);
	const groups = new Map<string, Array<PlannedWrite & { plan: WritePlan }>>();
	for (const item of items) {
		if (!isWrite(item.plan)) continue;
		const key = item.ctx.builder.pathWithTarget().join(',');
		groups.set(key, [...(groups.get(key) ?? []), item as PlannedWrite & { plan: WritePlan }]);
	}
	const batched = new Map<PlannedWrite, Promise<SyncResult>>();
	for (const [key, group] of groups) {
		const settled = sendGroup(group, size, key ? key.split(',') : []);
		group.forEach((item, i) =>
			batched.set(
				item,
				settled.then((all) => all[i]),
			),
		);
	}
	return Promise.all(items.map((item) => batched.get(item) ?? executePlan(item.ctx, item.plan)));
}

async function sendGroup(
	group: Array<PlannedWrite & { plan: WritePlan }>,
	size: number,
	path: string[],
): Promise<SyncResult[]> {
	const { target } = group[0].ctx;
	const heir = group.some((item) => item.plan.kind === 'delete') ? await target.heirId() : 0;
	const requests = group.map((item) => toRequest(item.ctx.event, item.plan, heir));
	const outcomes = await batchWrite(target.client, requests, {
		size,
		headers: pathHeaders(path),
	}).then(
		(all) => all,
		(error: unknown) =>
			requests.map((): BatchOutcome => ({ ok: false, error: error as WordPressApiError })),
	);
	return Promise.all(group.map((item, i) => settle(item.ctx, item.plan, outcomes[i])));
}

function toRequest(event: SyncEvent, plan: WritePlan, heir: number): BatchRequest {
	const fields = `context=edit&_fields=${WP_USER_FIELDS}`;
	if (plan.kind === 'create')
		return {
			method: 'POST',
			path: `/wp/v2/users?${fields}`,
			body: withVersions(event, plan.payload),
		};
	if (plan.kind === 'update')
		return {
			method: 'POST',
			path: `/wp/v2/users/${plan.match.user.id}?${fields}`,
			body: withVersions(event, plan.payload),
		};
	const version = deleteVersion(event);
	const versionArg = version ? `&${DELETE_VERSION_PARAM}=${encodeURIComponent(version)}` : '';
	return {
		method: 'DELETE',
		path: `/wp/v2/users/${plan.match.user.id}?force=true&reassign=${heir}${versionArg}`,
	};
}

async function settle(
	ctx: ItemContext,
	plan: WritePlan,
	outcome: BatchOutcome,
): Promise<SyncResult> {
	const match = plan.kind === 'create' ? undefined : plan.match;
	try {
		if (!outcome.ok) {
			// A role or language the target lacks: the single-request path leaves it out and writes the rest.
			const next =
				plan.kind === 'delete' ? undefined : withoutRefusedField(ctx, plan, outcome.error);
			if (next === 'no_valid_role')
				return ctx.builder.failed('no_valid_role', `none of the user's roles exists on the target`);
			if (next) return await executePlan(ctx, next);
			return plan.kind === 'create'
				? await recoverCreate(ctx, outcome.error)
				: ctx.builder.fromError(outcome.error, match);
		}
		if (plan.kind === 'delete') return ctx.builder.applied('delete', 'deleted', plan.match);
		const answer = parseWpUser(outcome.body);
		if (plan.kind === 'update')
			return await finish(
				ctx,
				'update',
				plan.match,
				changedFields(plan.payload),
				plan,
				answer.ok ? answer.value : undefined,
			);
		if (!answer.ok) return ctx.builder.failed('wordpress_error', answer.error);
		return await finish(
			ctx,
			'create',
			{ user: answer.value },
			changedFields(plan.payload),
			plan,
			answer.value,
		);
	} catch (error) {
		return ctx.builder.fromError(error, match);
	}
}

function isWrite(plan: Plan): plan is WritePlan {
	return plan.kind === 'create' || plan.kind === 'update' || plan.kind === 'delete';
}
