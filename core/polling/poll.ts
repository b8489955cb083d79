import type { SyncEventInput } from '../schemas/syncEvent';
import type { WordPressClient } from '../wordpress/client';
import { applyDeletedIds, applySeenUsers, diffFullScan, type UserChange } from './diff';
import { changeToEvent, wantedChange, type PollEventKind } from './events';
import { bridgeTime, changedSince, newestUser, scanAllUsers } from './siteReads';
import { packSnapshot, snapshotOf, unpackSnapshot, type Snapshot } from './snapshot';
import { STATE_VERSION, type PollState } from './state';

export interface PollOptions {
	kinds: ReadonlySet<PollEventKind>;
	roles: string[];
	/** First run: announce every existing user as created instead of only taking the baseline. */
	emitExisting: boolean;
	/** Scan every user even when the bridge plugin could list only the changes. */
	forceScan: boolean;
	/** The editor's test run: report pending changes or a sample user, and keep the stored state as it is. */
	manual: boolean;
}

export interface PollOutcome {
	events: SyncEventInput[];
	/** The state to store; undefined when it must stay as it is. */
	state?: PollState;
	how: 'bridge' | 'scan' | 'sample';
}

/** How long a site without the bridge is believed to still lack it: re-checking costs one request. */
const BRIDGE_RECHECK_MS = 60 * 60 * 1000;

interface Found {
	changes: UserChange[];
	/** Absent when the stored one is known to be unchanged (not unpacked at all). */
	snapshot?: Snapshot;
	since?: string;
	syncIds?: Map<number, string>;
	how: 'bridge' | 'scan';
}

/** One poll of one site: what changed since the last poll, as sync events, and the state to keep for the next. */
export async function pollSite(
	client: WordPressClient,
	previous: PollState | undefined,
	options: PollOptions,
): Promise<PollOutcome> {
	const time = new Date().toISOString();
	if (options.manual && !previous) return sample(client, time);
	const bridge = options.forceScan ? undefined : await knowBridge(client, previous, time);
	const found = await findChanges(client, previous, bridge, options);
	const events = found.changes
		.filter((change) => wantedChange(change, options.kinds, options.roles))
		.map((change) => changeToEvent(client.site, change, time, found.syncIds));
	if (options.manual) return events.length ? { events, how: found.how } : sample(client, time);
	const moved = found.snapshot && (!previous || found.changes.length > 0);
	const state: PollState = {
		version: STATE_VERSION,
		site: client.site,
		users: moved && found.snapshot ? packSnapshot(found.snapshot) : (previous?.users ?? ''),
		userCount: found.snapshot?.size ?? previous?.userCount ?? 0,
		...(bridge && { bridge: bridge.state }),
		...(found.since && { since: found.since }),
	};
	return { events, state, how: found.how };
}

interface BridgeKnowledge {
	state: { present: boolean; checkedAt: string };
	/** The server time when the bridge was just asked (a scan's cursor). */
	time?: string;
}

async function knowBridge(
	client: WordPressClient,
	previous: PollState | undefined,
	now: string,
): Promise<BridgeKnowledge> {
	const known = previous?.bridge;
	const fresh =
		known && (known.present || Date.parse(now) - Date.parse(known.checkedAt) < BRIDGE_RECHECK_MS);
	if (known && fresh) return { state: known };
	const time = await bridgeTime(client);
	return { state: { present: time !== null, checkedAt: now }, time: time ?? undefined };
}

async function findChanges(
	client: WordPressClient,
	previous: PollState | undefined,
	bridge: BridgeKnowledge | undefined,
	options: PollOptions,
): Promise<Found> {
	if (previous?.since && bridge?.state.present) {
		const changed = await changedSince(client, previous.since);
		if (changed && changed.users.length === 0 && changed.deleted.length === 0) {
			// Nothing happened: the cursor stays, so static data stays untouched (n8n rewrites it on every change).
			return { changes: [], since: previous.since, how: 'bridge' };
		}
		if (changed) {
			const snapshot = unpackSnapshot(previous.users);
			const changes = [
				...applySeenUsers(snapshot, changed.users),
				...applyDeletedIds(
					snapshot,
					changed.deleted.map((tombstone) => Number(tombstone.id)),
				),
			];
			const syncIds = new Map(
				changed.deleted.map((t) => [Number(t.id), t.syncId ?? ''] as [number, string]),
			);
			return { changes, snapshot, syncIds, since: changed.now, how: 'bridge' };
		}
		// The bridge is gone: scan this time, and remember it.
		bridge.state = { present: false, checkedAt: new Date().toISOString() };
	}
	// With the bridge, the cursor is taken BEFORE the scan so that changes made during it come again next time.
	const since = bridge?.state.present
		? (bridge.time ?? (await bridgeTime(client)) ?? undefined)
		: undefined;
	const users = await scanAllUsers(client);
	if (!previous) {
		const snapshot = snapshotOf(users);
		const changes: UserChange[] = options.emitExisting
			? users.map((user) => ({ kind: 'created', user }))
			: [];
		return { changes, snapshot, since, how: 'scan' };
	}
	const snapshot = unpackSnapshot(previous.users);
	return { changes: diffFullScan(snapshot, users), snapshot, since, how: 'scan' };
}

/** The newest user as a created event: something to build the rest of the workflow on in the editor. */
async function sample(client: WordPressClient, time: string): Promise<PollOutcome> {
	const user = await newestUser(client);
	const events = user ? [changeToEvent(client.site, { kind: 'created', user }, time)] : [];
	return { events, how: 'sample' };
}
