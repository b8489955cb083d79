import { parseSyncEvent, type SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import { UsersApi } from '../wordpress/users';
import { changedFields } from './diff';
import { executeInBatches } from './batchExecute';
import { executePlan } from './execute';
import { ResultBuilder } from './resultBuilder';
import { IndexedDirectory, resolveTargetUser } from './identity';
import { planChange, type Plan } from './plan';
import { firstRefusal, POLICIES_AFTER_LOOKUP, POLICIES_BEFORE_LOOKUP } from './policies';
import { RestDirectory } from './restDirectory';
import type { SyncResult } from './result';
import type { TargetSite } from './target';

export interface ReconcileOptions {
	/** Delete target users that no source user matches (off by default). */
	deleteMissing?: boolean;
	/** Plan only: results with status "planned", nothing written. */
	dryRun?: boolean;
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
export async function reconcile(target: TargetSite, inputs: unknown[], options: ReconcileOptions = {}): Promise<ReconcileOutcome> {
	const targetUsers = await new UsersApi(target.client).list();
	const directory = new IndexedDirectory(targetUsers);
	const present = new Set<number>();
	const slots: Array<SyncResult | PlannedItem> = [];

	for (const input of inputs) {
		const client = target.client.fork();
		const parsed = parseSyncEvent(input);
		if (!parsed.ok) {
			slots.push(new ResultBuilder(target, client, undefined).failed('invalid_event', parsed.error));
			continue;
		}
		const event = parsed.value;
		const builder = new ResultBuilder(target, client, event);
		const match = await resolveTargetUser(directory, event.user);
		if (match) present.add(match.user.id);
		const refusal =
			firstRefusal(POLICIES_BEFORE_LOOKUP, { event, config: target.config }) ??
			firstRefusal(POLICIES_AFTER_LOOKUP, { event, config: target.config, targetUser: match?.user });
		const plan: Plan = refusal
			? { kind: 'refused', refusal, match }
			: planChange({ ...event, action: event.action === 'delete' ? 'delete' : 'update' }, match, {
					createMissing: true,
					undeletable: event.action === 'delete' && match ? await target.undeletable() : [],
				});
		slots.push({ event, plan, builder, client });
	}

	const deletions = options.deleteMissing ? await planDeletions(target, targetUsers, present, slots) : [];
	const planned = slots.filter((slot): slot is PlannedItem => 'plan' in slot);
	const outcomes = options.dryRun
		? await Promise.all([...planned, ...deletions].map(dryRun))
		: await execute(target, [...planned, ...deletions]);
	const byItem = new Map<PlannedItem, SyncResult>([...planned, ...deletions].map((item, i) => [item, outcomes[i]]));
	const results = slots.map((slot) => ('plan' in slot ? (byItem.get(slot) as SyncResult) : slot));
	const deleted = deletions.map((item) => byItem.get(item) as SyncResult);
	const perItem = [...results, ...deleted].reduce((sum, result) => sum + result.requests, 0);
	return { results, deletions: deleted, sharedRequests: target.client.requests - perItem };
}

async function planDeletions(
	target: TargetSite,
	targetUsers: WpUser[],
	present: Set<number>,
	slots: Array<SyncResult | PlannedItem>,
): Promise<PlannedItem[]> {
	if (target.config.readOnly) return [];
	const undeletable = new Set(await target.undeletable());
	const source = slots.find((slot): slot is PlannedItem => 'plan' in slot)?.event.source ?? {};
	const roles = target.config.roles;
	return targetUsers
		.filter((user) => !present.has(user.id) && !undeletable.has(user.id))
		// Administrators are only removed when the role filter names them explicitly.
		.filter((user) => (roles.length ? user.roles.some((role) => roles.includes(role)) : !user.roles.includes('administrator')))
		.map((user) => {
			const event: SyncEvent = {
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
			const client = target.client.fork();
			const match = { user, matchedBy: 'email' as const };
			const refusal = firstRefusal(POLICIES_AFTER_LOOKUP, { event, config: target.config, targetUser: user });
			const plan: Plan = refusal ? { kind: 'refused', refusal, match } : { kind: 'delete', match };
			return { event, plan, builder: new ResultBuilder(target, client, event), client };
		});
}

/** The writes, through /batch/v1 when the target's bridge allows it, else one request each. */
async function execute(target: TargetSite, items: PlannedItem[]): Promise<SyncResult[]> {
	const writes = items.filter((item) => item.plan.kind === 'create' || item.plan.kind === 'update' || item.plan.kind === 'delete');
	const { maxBatch } = writes.length > 1 ? await target.info() : { maxBatch: 0 };
	const planned = items.map((item) => ({
		plan: item.plan,
		ctx: { target, client: item.client, event: item.event, builder: item.builder, directory: new RestDirectory(item.client, target.bridge) },
	}));
	return maxBatch > 1 ? executeInBatches(planned, maxBatch) : Promise.all(planned.map((item) => executePlan(item.ctx, item.plan)));
}

async function dryRun({ event, plan, builder }: PlannedItem): Promise<SyncResult> {
	if (plan.kind === 'refused') return builder.refused(plan.refusal, plan.match);
	if (plan.kind === 'unchanged') return builder.applied('none', 'unchanged', plan.match);
	const reason = plan.kind === 'create' ? 'created' : plan.kind === 'update' ? 'updated' : 'deleted';
	const changes = plan.kind === 'delete' ? [] : changedFields(plan.payload);
	const result = builder.applied(plan.kind, reason, plan.kind === 'create' ? undefined : plan.match, changes);
	// Nothing was applied, so the path does not grow.
	return { ...result, status: 'planned', message: `dry run: ${result.message}`, path: event.path };
}
