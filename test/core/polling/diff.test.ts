/** The poll trigger's core: fingerprints, snapshot diff, events, packed state. */
import { changeToEvent, wantedChange } from '../../../core/polling/events';
import { applyDeletedIds, applySeenUsers, diffFullScan } from '../../../core/polling/diff';
import { packSnapshot, snapshotOf, unpackSnapshot } from '../../../core/polling/snapshot';
import { parseSyncEvent } from '../../../core/schemas/syncEvent';
import type { WpUser } from '../../../core/schemas/wpUser';

const SITE = 'https://a.example.test';

function wpUser(id: number, extra: Partial<WpUser> = {}): WpUser {
	return {
		id,
		username: `user${id}`,
		email: `user${id}@example.test`,
		name: `User ${id}`,
		first_name: 'Ada',
		last_name: 'Lovelace',
		nickname: `user${id}`,
		url: '',
		description: '',
		locale: 'en_US',
		roles: ['subscriber'],
		meta: { favorite_color: 'teal' },
		...extra,
	};
}

const base = () => [wpUser(1), wpUser(2), wpUser(3)];

test('nothing changed → no change', () => {
	const snapshot = snapshotOf(base());
	expect(diffFullScan(snapshot, base())).toEqual([]);
});

test('created, updated (email, role), deleted', () => {
	const snapshot = snapshotOf(base());
	const now = [
		wpUser(1, { email: 'moved@example.test' }),
		wpUser(2, { roles: ['editor'] }),
		wpUser(4),
	];
	const changes = diffFullScan(snapshot, now);
	expect(changes.map((c) => [c.kind, c.kind === 'deleted' ? c.id : c.user.id])).toEqual([
		['updated', 1],
		['updated', 2],
		['created', 4],
		['deleted', 3],
	]);
	expect([...snapshot.keys()].sort()).toEqual([1, 2, 4]);
	expect(diffFullScan(snapshot, now)).toEqual([]);
});

test('meta, profile and role order: meta and profile count, role order does not', () => {
	const snapshot = snapshotOf([wpUser(1, { roles: ['a', 'b'] })]);
	expect(applySeenUsers(snapshot, [wpUser(1, { roles: ['b', 'a'] })])).toEqual([]);
	expect(
		applySeenUsers(snapshot, [wpUser(1, { roles: ['b', 'a'], meta: { favorite_color: 'navy' } })]),
	).toHaveLength(1);
	expect(
		applySeenUsers(snapshot, [
			wpUser(1, { roles: ['b', 'a'], meta: { favorite_color: 'navy' }, last_name: 'X' }),
		]),
	).toHaveLength(1);
});

test('events are valid sync events with the right action, previousEmail and a described delete', () => {
	const snapshot = snapshotOf(base());
	const changes = [
		...applySeenUsers(snapshot, [wpUser(1, { email: 'moved@example.test' }), wpUser(9)]),
		...applyDeletedIds(snapshot, [3, 77]),
	];
	const events = changes.map((change) =>
		changeToEvent(SITE, change, new Date().toISOString(), new Map([[3, 'sync-3']])),
	);
	const parsed = events.map((event) => parseSyncEvent(event));
	for (const result of parsed) expect(result.ok).toBe(true);
	const [updated, created, deleted] = parsed.map((result) =>
		result.ok ? result.value : undefined,
	);
	expect(updated).toMatchObject({
		event: 'user.updated',
		action: 'update',
		path: [SITE],
		user: {
			email: 'moved@example.test',
			previousEmail: 'user1@example.test',
			login: 'user1',
			sourceId: 1,
			meta: { favorite_color: 'teal' },
		},
	});
	expect(created).toMatchObject({
		event: 'user.created',
		action: 'create',
		source: { url: SITE },
		user: { login: 'user9', roles: ['subscriber'] },
	});
	expect(deleted).toMatchObject({
		event: 'user.deleted',
		action: 'delete',
		user: { login: 'user3', email: 'user3@example.test', syncId: 'sync-3', sourceId: 3 },
	});
	expect(events).toHaveLength(3); // 77 was never known: no event
	expect(created?.user).not.toHaveProperty('site');
	expect(created?.user).not.toHaveProperty('registeredDate');
});

test('the kind and role filters', () => {
	const snapshot = snapshotOf(base());
	const [created] = applySeenUsers(snapshot, [wpUser(5, { roles: ['customer'] })]);
	const [deleted] = applyDeletedIds(snapshot, [1]);
	const all = new Set(['created', 'updated', 'deleted'] as const);
	expect(wantedChange(created, all, ['customer'])).toBe(true);
	expect(wantedChange(created, all, ['editor'])).toBe(false);
	expect(wantedChange(deleted, all, ['editor'])).toBe(true);
	expect(wantedChange(deleted, new Set(['created'] as const), [])).toBe(false);
});

test('the packed snapshot round-trips', () => {
	const snapshot = snapshotOf([wpUser(3), wpUser(1), wpUser(1000)]);
	expect(unpackSnapshot(packSnapshot(snapshot))).toEqual(snapshot);
	expect(unpackSnapshot(packSnapshot(new Map()))).toEqual(new Map());
});

test("the bridge's own meta is no change; its sync switches are", () => {
	const snapshot = snapshotOf([wpUser(1)]);
	const withBridgeMeta = wpUser(1, {
		meta: {
			favorite_color: 'teal',
			harmonyuser_sync_id: 'abc',
			harmonyuser_last_changed: '2026-01-01T00:00:00Z',
		},
	});
	expect(applySeenUsers(snapshot, [withBridgeMeta])).toEqual([]);
	const switchedOff = wpUser(1, {
		meta: { ...withBridgeMeta.meta, harmonyuser_prohibit_propagation: '1' },
	});
	expect(applySeenUsers(snapshot, [switchedOff])).toHaveLength(1);
});
