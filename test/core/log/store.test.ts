/** The same behaviour against both stores: write → query → prune → replay → stats. */
import type { SyncLogStore } from '../../../core/log/types';
import {
	entry,
	failed,
	failedResult,
	postgresFactory,
	SITE_A,
	SITE_B,
	SITE_C,
	sqliteFactory,
	type StoreFactory,
} from '../../../lab/harness/syncLog';
import { entryFromResult } from '../../../core/log/entry';
import { defaultSqlitePath } from '../../../core/log/sqliteStore';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const T0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe.each<[string, () => StoreFactory]>([
	['sqlite', sqliteFactory],
	['postgres', postgresFactory],
])('%s store', (_name, makeFactory) => {
	const factory = makeFactory();
	const opened: SyncLogStore[] = [];
	const open = async (shared?: string) => {
		const store = await factory.open(shared);
		opened.push(store);
		return store;
	};
	afterAll(async () => {
		for (const store of opened) await store.close();
		await factory.cleanup();
	});

	test('query filters by every field, newest first, with offset and cursor paging', async () => {
		const store = await open();
		await store.write([entry('ada'), entry('bob', { target: SITE_C, action: 'update' })], at(0));
		await store.write([failed('cyd', { source: SITE_C })], at(HOUR));
		const [last] = await store.write(
			[entry('dee', { status: 'skipped', action: 'none', reason: 'unchanged' })],
			at(2 * HOUR),
		);

		const all = await store.query({}, { limit: 10 });
		expect(all.entries.map((e) => e.login)).toEqual(['dee', 'cyd', 'bob', 'ada']);
		expect(all.entries[0]).toMatchObject({
			id: last,
			time: at(2 * HOUR).toISOString(),
			status: 'skipped',
			target: SITE_B,
		});
		const logins = async (filter: object) =>
			(await store.query(filter, { limit: 10 })).entries.map((e) => e.login);
		expect(await logins({ status: ['failed', 'skipped'] })).toEqual(['dee', 'cyd']);
		expect(await logins({ action: ['update'] })).toEqual(['bob']);
		expect(await logins({ source: `${SITE_C}/` })).toEqual(['cyd']);
		expect(await logins({ target: SITE_C })).toEqual(['bob']);
		expect(await logins({ site: SITE_C })).toEqual(['cyd', 'bob']);
		expect(await logins({ user: 'ada' })).toEqual(['ada']);
		expect(await logins({ user: 'BOB@example.TEST' })).toEqual(['bob']);
		expect(await logins({ eventId: all.entries[1].eventId })).toEqual(['cyd']);
		expect(await logins({ since: at(HOUR), until: at(HOUR) })).toEqual(['cyd']);
		expect(await logins({ since: at(HOUR) })).toEqual(['dee', 'cyd']);

		const first = await store.query({}, { limit: 3 });
		expect(first.entries.map((e) => e.login)).toEqual(['dee', 'cyd', 'bob']);
		const next = await store.query({}, { limit: 3, cursor: first.nextCursor as string });
		expect(next.entries.map((e) => e.login)).toEqual(['ada']);
		expect(next.nextCursor).toBeNull();
		expect((await store.query({}, { limit: 2, offset: 2 })).entries.map((e) => e.login)).toEqual([
			'bob',
			'ada',
		]);
		await expect(store.query({}, { limit: 1, cursor: 'garbage' })).rejects.toThrow(
			/not one this log returned/,
		);
	});

	test('stores the result fields and the event, lower-cases emails', async () => {
		const store = await open();
		await store.write([failed('eve')], T0);
		const [stored] = (await store.query({}, { limit: 1 })).entries;
		expect(stored).toMatchObject({
			status: 'failed',
			action: 'none',
			requestedAction: 'create',
			reason: 'wordpress_error',
			source: SITE_A,
			target: SITE_B,
			login: 'eve',
			email: 'eve@example.test',
			sourceUserId: 7,
			targetUserId: 9,
			path: [SITE_A, SITE_B],
			requests: 2,
			durationMs: 31,
			errorMessage: 'Sorry, you are not allowed to do that.',
			replayOf: null,
			replayedAt: null,
		});
		expect(stored.event).toMatchObject({ id: stored.eventId, user: { login: 'eve' } });
	});

	test('prune keeps the retention; automatic prune runs at most once an hour across instances', async () => {
		const store = await open();
		await store.write([entry('old')], at(-40 * DAY));
		await store.write([entry('mid')], at(-20 * DAY));
		await store.write([entry('new')], T0);
		expect(await store.prune(30, T0)).toBe(1);
		expect((await store.query({}, { limit: 10 })).entries.map((e) => e.login)).toEqual([
			'new',
			'mid',
		]);

		const other = await open(store.tag); // another process on the same database
		expect(await store.pruneIfDue(10, HOUR, T0)).toBe(1);
		await store.write([entry('stale')], at(-11 * DAY));
		expect(await other.pruneIfDue(10, HOUR, at(30 * 60 * 1000))).toBeNull();
		expect(await other.pruneIfDue(10, HOUR, at(HOUR))).toBe(1);
		expect((await store.query({}, { limit: 10 })).entries.map((e) => e.login)).toEqual(['new']);
	});

	test('replay claims failed entries once, oldest first; a retry links to and resolves its original', async () => {
		const store = await open();
		await store.write([failed('f1'), entry('ok')], at(0));
		await store.write(
			[failed('f2', { target: SITE_C }), failed('noevent', { event: undefined })],
			at(HOUR),
		);

		const claimed = await store.claimFailed({}, { limit: 10 }, at(2 * HOUR));
		expect(claimed.map((e) => e.login)).toEqual(['f1', 'f2']);
		expect(claimed[0].replayedAt).toBe(at(2 * HOUR).toISOString());
		expect(await store.claimFailed({}, { limit: 10 })).toEqual([]);
		expect(
			(await store.claimFailed({ target: SITE_C }, { limit: 10, includeReplayed: true })).map(
				(e) => e.login,
			),
		).toEqual(['f2']);

		const [f1, f2] = claimed;
		const retry = (original: typeof f1, status: 'synced' | 'failed') =>
			entryFromResult({
				...failedResult(original.login as string),
				status,
				event: { ...original.event!, replayOf: original.id },
			});
		const [ok, again] = await store.write([retry(f1, 'synced'), retry(f2, 'failed')], at(3 * HOUR));

		const byLogin = async (login: string) =>
			(await store.query({ user: login }, { limit: 10 })).entries;
		const [f1Retry, f1Original] = await byLogin('f1');
		expect(f1Original).toMatchObject({ id: f1.id, status: 'resolved', replayedBy: ok });
		expect(f1Retry).toMatchObject({ id: ok, status: 'synced', replayOf: f1.id });
		const [f2Retry, f2Original] = await byLogin('f2');
		expect(f2Original).toMatchObject({ id: f2.id, status: 'failed', replayedBy: again });
		expect(f2Retry).toMatchObject({
			id: again,
			status: 'failed',
			replayOf: f2.id,
			replayedAt: null,
		});
		// The retry that failed again is the next one to replay; its event still points at the first original.
		const next = await store.claimFailed({}, { limit: 10 });
		expect(next.map((e) => e.id)).toEqual([again]);
	});

	test('stats count by status, target and source over a window', async () => {
		const store = await open();
		await store.write([entry('x1')], at(-3 * HOUR));
		await store.write(
			[
				entry('x2'),
				entry('x3', { target: SITE_C }),
				failed('x4'),
				failed('x5', { source: SITE_C }),
			],
			T0,
		);
		const stats = await store.stats(at(-HOUR));
		expect(stats).toEqual({
			since: at(-HOUR).toISOString(),
			total: 4,
			byStatus: { synced: 2, failed: 2 },
			byTarget: { [SITE_B]: { synced: 1, failed: 2 }, [SITE_C]: { synced: 1 } },
			bySource: { [SITE_A]: { synced: 2, failed: 1 }, [SITE_C]: { failed: 1 } },
		});
		expect((await store.stats(at(-4 * HOUR))).total).toBe(5);
	});
});

test('the embedded log defaults to a file in n8n’s user folder', () => {
	expect(defaultSqlitePath({ N8N_USER_FOLDER: '/data' })).toBe(
		'/data/.n8n/harmonyuser-sync/sync-log.sqlite',
	);
});
