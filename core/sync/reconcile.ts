import { parseSyncEvent, type SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import { UsersApi } from '../wordpress/users';
import { changedFields } from './diff';
import { executeInBatches } from './batchExecute';
import { decide } from './decide';
import { executePlan } from './execute';
import { ResultBuilder } from './resultBuilder';
import { IndexedDirectory, linkStateOf, resolveTargetUser } from './identity';
import type { Plan } from './plan';
import { firstRefusal, POLICIES_AFTER_LOOKUP } from './policies';
import { rolesOutsideSync } from './policies/protectedAccount';
import type { Refusal } from './policies/types';
import { RestDirectory } from './restDirectory';
import type { SyncResult } from './result';
import type { TargetSite } from './target';

export interface ReconcileOptions {
	/** Delete target users that no source user matches (off by default). */
	deleteMissing?: boolean;
	/** Plan only: results with status "planned", nothing written. */
	dryRun?: boolean;
	/** The sites this run writes the same users to (a network run), in one order for all: their URLs go into the path. */
	fanOutSites?: string[];
}

export interface ReconcileOutcome {
	/** One result per input, in input order. */
	results: SyncResult[];
	/** One result per target user planned for deletion. */
	deletions: SyncResult[];
	/** Requests shared by the whole run: the scan of the target (and the credential user, for deletes). */
	sharedRequests: number;
}

interface PlannedItem {
	event: SyncEvent;
	plan: Plan;
	builder: ResultBuilder;
	client: ReturnType<TargetSite['client']['fork']>;
}

/**
 * Brings the target in line with the source users given: one paged scan of the target, a plan computed
 * locally (create, update, nothing, optionally delete), then only the writes the plan needs.
 */
export async function reconcile(
	target: TargetSite,
	inputs: unknown[],
	options: ReconcileOptions = {},
): Promise<ReconcileOutcome> {
	const targetUsers = await new UsersApi(target.client).list();
	const directory = new IndexedDirectory(targetUsers);
	const present = new Set<number>();
	const slots: Array<SyncResult | PlannedItem> = [];

	for (const input of inputs) {
		const client = target.client.fork();
		const parsed = parseSyncEvent(input);
		if (!parsed.ok) {
			slots.push(
				new ResultBuilder(target, client, undefined).failed('invalid_event', parsed.error),
			);
			continue;
		}
		const event: SyncEvent = {
			...parsed.value,
			action: parsed.value.action === 'delete' ? 'delete' : 'update',
		};
		// Every source user's candidate counts as present, whatever the rules decide for it: a user a policy
		// skips, or a conflicting namesake, is not "missing at the source".
		const candidate = await resolveTargetUser(directory, event.user);
		if (candidate) present.add(candidate.user.id);
		const plan = await decide(target, event, async () => ({ candidate }), {
			mode: 'manual',
			createMissing: true,
		});
		slots.push({
			event,
			plan,
			builder: new ResultBuilder(target, client, event, options.fanOutSites),
			client,
		});
	}

	const deletions = options.deleteMissing
		? await planDeletions(target, targetUsers, present, slots, options.fanOutSites)
		: [];
	const planned = slots.filter((slot): slot is PlannedItem => 'plan' in slot);
	const outcomes = options.dryRun
		? await Promise.all([...planned, ...deletions].map(dryRun))
		: await execute(target, [...planned, ...deletions]);
	const byItem = new Map<PlannedItem, SyncResult>(
		[...planned, ...deletions].map((item, i) => [item, outcomes[i]]),
	);
	const results = slots.map((slot) => ('plan' in slot ? (byItem.get(slot) as SyncResult) : slot));
	const deleted = deletions.map((item) => byItem.get(item) as SyncResult);
	const perItem = [...results, ...deleted].reduce((sum, result) => sum + result.requests, 0);
	return { results, deletions: deleted, sharedRequests: target.client.requests - perItem };
}

/**
 * Target users no source user matches, that sync owns (linked by a sync, or created by one) and may change.
 * Nothing is deleted when the source listing looks broken, or when the deletes would exceed Max Deletes.
 */
async function planDeletions(
	target: TargetSite,
	targetUsers: WpUser[],
	present: Set<number>,
	slots: Array<SyncResult | PlannedItem>,
	fanOutSites: string[] = [],
): Promise<PlannedItem[]> {
	if (target.config.readOnly) return [];
	const undeletable = new Set(await target.undeletable());
	const source = slots.find((slot): slot is PlannedItem => 'plan' in slot)?.event.source ?? {};
	const items = targetUsers
		.filter(
			(user) =>
				!present.has(user.id) &&
				!undeletable.has(user.id) &&
				!rolesOutsideSync(user, target.config).length,
		)
		.map((user) => {
			const event = deletionEvent(user, source);
			const client = target.client.fork();
			const match = { user, matchedBy: 'syncId' as const };
			const refusal = ownedBySync(user)
				? firstRefusal(POLICIES_AFTER_LOOKUP, { event, config: target.config, targetUser: user })
				: notLinked(user);
			const plan: Plan = refusal ? { kind: 'refused', refusal, match } : { kind: 'delete', match };
			return {
				event,
				plan,
				builder: new ResultBuilder(target, client, event, fanOutSites),
				client,
			};
		});
	const guard = deleteGuard(
		slots,
		items.filter((item) => item.plan.kind === 'delete').length,
		targetUsers.length,
		target.config.maxDeletePercent,
	);
	if (!guard) return items;
	return items.map((item) =>
		item.plan.kind === 'delete'
			? { ...item, plan: { kind: 'refused', refusal: guard, match: item.plan.match } }
			: item,
	);
}

/** Missing at the source but never linked by a sync (the site's own account, or no bridge to tell): kept, and said so. */
function notLinked(user: WpUser): Refusal {
	const message = `${user.username} (#${user.id}) is missing at the source but no sync linked or created it: not deleted`;
	return { status: 'skipped', reason: 'not_linked', message };
}

/** A target user sync may delete as missing: its sync id is linked (it came from, or was confirmed by, a sync). */
export function ownedBySync(user: WpUser): boolean {
	return linkStateOf(user) === 'linked';
}

/**
 * Why this run must delete nothing: an input item that is not a valid user (a failed Get Users with "On Error:
 * Continue", an empty item from "Always Output Data") means the listing is not the whole source; and more
 * deletes than Max Deletes (a share of the target's users) looks like a broken source, not a cleanup.
 */
export function deleteGuard(
	slots: Array<SyncResult | PlannedItem>,
	deletes: number,
	targetCount: number,
	maxPercent: number,
): Refusal | undefined {
	const broken = slots.filter((slot) => !('plan' in slot)).length;
	if (broken || !slots.length) {
		const message = `${broken} of ${slots.length} source items are invalid or failed: the listing may be incomplete, so no user is deleted`;
		return { status: 'rejected', reason: 'source_incomplete', message };
	}
	const limit = Math.floor((targetCount * maxPercent) / 100);
	if (deletes > limit) {
		const message = `${deletes} deletes of ${targetCount} target users exceed Max Deletes (${maxPercent}% = ${limit}): no user is deleted; raise the limit if this is intended`;
		return { status: 'rejected', reason: 'delete_threshold', message };
	}
	return undefined;
}

function deletionEvent(user: WpUser, source: SyncEvent['source']): SyncEvent {
	return {
		id: `reconcile-delete-${user.id}`,
		action: 'delete',
		time: new Date().toISOString(),
		source,
		path: source.url ? [source.url] : [],
		user: {
			login: user.username,
			email: user.email,
			roles: user.roles,
			meta: {},
			flags: { prohibitPropagation: false, rejectIncoming: false },
		},
	};
}

/** The writes, through /batch/v1 when the target's bridge allows it, else one request each. */
async function execute(target: TargetSite, items: PlannedItem[]): Promise<SyncResult[]> {
	const writes = items.filter(
		(item) =>
			item.plan.kind === 'create' || item.plan.kind === 'update' || item.plan.kind === 'delete',
	);
	const { maxBatch } = writes.length > 1 ? await target.info() : { maxBatch: 0 };
	const planned = items.map((item) => ({
		plan: item.plan,
		ctx: {
			target,
			client: item.client,
			event: item.event,
			builder: item.builder,
			directory: new RestDirectory(item.client, target.bridge),
			mode: 'manual' as const,
		},
	}));
	return maxBatch > 1
		? executeInBatches(planned, maxBatch)
		: Promise.all(planned.map((item) => executePlan(item.ctx, item.plan)));
}

async function dryRun({ event, plan, builder }: PlannedItem): Promise<SyncResult> {
	if (plan.kind === 'refused') return builder.refused(plan.refusal, plan.match);
	if (plan.kind === 'unchanged')
		return builder.applied(
			'none',
			plan.linkOnly ? 'linked' : 'unchanged',
			plan.match,
			[],
			plan.notSynced,
		);
	const reason =
		plan.kind === 'create'
			? 'created'
			: plan.kind === 'update'
				? plan.linkOnly
					? 'linked'
					: 'updated'
				: 'deleted';
	const changes = plan.kind === 'delete' ? [] : changedFields(plan.payload);
	const notSynced = plan.kind === 'delete' ? [] : plan.notSynced;
	const result = builder.applied(
		plan.kind,
		reason,
		plan.kind === 'create' ? undefined : plan.match,
		changes,
		notSynced,
	);
	// Nothing was applied, so the path does not grow.
	return { ...result, status: 'planned', message: `dry run: ${result.message}`, path: event.path };
}
