/** Every Sync Log operation inside n8n's real engine, on both stores (results here are built, not synced). */
import type { IDataObject, INodeType } from 'n8n-workflow';
import { failedResult, SITE_B, SITE_C, syncResult } from '../../../lab/harness/syncLog';
import { createTestDatabase, type TestDatabase } from '../../../lab/harness/postgres';
import { syncPackage } from '../../../lab/harness/sync';
import { jsonOf, LOG_NODE, postgresLog, runLog, sqliteLog, type LogTarget } from './logNode';

let database: TestDatabase;
beforeAll(async () => {
	database = await createTestDatabase();
});
afterAll(() => database.drop());

describe.each<[string, () => LogTarget]>([
	['sqlite', sqliteLog],
	['postgres', () => postgresLog(database)],
])('%s store', (_name, newLog) => {
	test('Write passes items on unchanged, paired; Query finds them newest first', async () => {
		const log = newLog();
		const results = [
			syncResult('w1'),
			failedResult('w2', { target: SITE_C }),
		] as unknown as IDataObject[];
		const written = await runLog(log, { operation: 'write' }, results);
		expect(written.error).toBeUndefined();
		expect(jsonOf(written.items)).toEqual(results);
		expect(written.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);

		const all = await runLog(log, { operation: 'query' });
		expect(jsonOf(all.items).map((entry) => entry.login)).toEqual(['w2', 'w1']);
		expect(all.items[0].pairedItem).toEqual({ item: 0 });
		const failed = await runLog(log, {
			operation: 'query',
			filters: { status: ['failed'], target: SITE_C },
		});
		expect(jsonOf(failed.items)).toEqual([
			expect.objectContaining({ login: 'w2', status: 'failed', reason: 'wordpress_error' }),
		]);
		const page = await runLog(log, { operation: 'query', limit: 1, output: 'page' });
		expect(page.items[0].json).toMatchObject({
			count: 1,
			entries: [{ login: 'w2' }],
			nextCursor: expect.any(String),
		});
		const next = await runLog(log, {
			operation: 'query',
			limit: 1,
			output: 'page',
			cursor: page.items[0].json.nextCursor as string,
		});
		expect(next.items[0].json).toMatchObject({
			count: 1,
			entries: [{ login: 'w1' }],
			nextCursor: null,
		});
	});

	test('an item that is not a sync result: error with its index, error item, or stored as unknown', async () => {
		const log = newLog();
		const input = [syncResult('ok1') as unknown as IDataObject, { hello: 'world', password: 'x' }];
		const failing = await runLog(log, { operation: 'write' }, input);
		expect(failing.error?.message).toBe('Item 1 is not a HarmonyUser sync result');
		expect((failing.error as unknown as { context: IDataObject }).context.itemIndex).toBe(1);

		const continued = await runLog(log, { operation: 'write' }, input, true);
		expect(jsonOf(continued.items)).toEqual([
			input[0],
			{ error: 'Item 1 is not a HarmonyUser sync result' },
		]);
		expect(continued.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);

		await runLog(log, { operation: 'write', writeOptions: { storeUnknownItems: true } }, input);
		const unknown = await runLog(log, { operation: 'query', filters: { status: ['unknown'] } });
		expect(jsonOf(unknown.items)).toEqual([
			expect.objectContaining({ status: 'unknown', meta: { item: { hello: 'world' } } }),
		]);
		// The failing run stored nothing; the continued one and the last one stored ok1 once each.
		expect(
			(await runLog(log, { operation: 'query', filters: { user: 'ok1' } })).items,
		).toHaveLength(2);
	});

	test('Replay Failed names the network site each failed pair was for, so one replay workflow serves a network', async () => {
		const log = newLog();
		const forShop = { ...failedResult('n1', { target: SITE_B }), targetName: 'Shop' };
		await runLog(log, { operation: 'write' }, [
			forShop,
			failedResult('n2', { target: SITE_B }),
		] as unknown as IDataObject[]);
		const replayed = jsonOf((await runLog(log, { operation: 'replayFailed' })).items);
		expect(
			replayed.map((item) => [
				item.user && (item.user as IDataObject).login,
				item.target,
				item.targetName,
			]),
		).toEqual([
			['n1', SITE_B, 'Shop'],
			['n2', SITE_B, undefined],
		]);
	});

	test('Replay Failed emits stored events with replayOf once; Stats and Prune report', async () => {
		const log = newLog();
		const failed = failedResult('r1', { target: SITE_B });
		await runLog(log, { operation: 'write' }, [
			failed,
			syncResult('r2'),
		] as unknown as IDataObject[]);
		const [entry] = jsonOf(
			(await runLog(log, { operation: 'query', filters: { status: ['failed'] } })).items,
		);

		const replay = await runLog(log, { operation: 'replayFailed' });
		expect(jsonOf(replay.items)).toEqual([{ ...failed.event, replayOf: entry.id, target: SITE_B }]);
		expect(replay.items[0].pairedItem).toEqual({ item: 0 });
		expect((await runLog(log, { operation: 'replayFailed' })).items).toEqual([]);
		expect(
			(await runLog(log, { operation: 'replayFailed', includeReplayed: true })).items,
		).toHaveLength(1);

		const stats = await runLog(log, { operation: 'stats', windowHours: 1 });
		expect(stats.items[0].json).toMatchObject({
			windowHours: 1,
			total: 2,
			byStatus: { failed: 1, synced: 1 },
			byTarget: { [SITE_B]: { failed: 1, synced: 1 } },
		});
		const pruned = await runLog(log, { operation: 'prune', retentionDays: 1 });
		expect(pruned.items[0].json).toMatchObject({ deleted: 0, retentionDays: 1 });
	});
});

test('the Postgres credential test connects (or explains why not) through the node method n8n calls', async () => {
	const node = (await syncPackage()).nodeTypes.getByName(LOG_NODE) as INodeType;
	const testFn = node.methods?.credentialTest?.harmonyUserSyncPostgresTest;
	expect(node.description.credentials).toEqual([
		expect.objectContaining({
			name: 'harmonyUserSyncPostgres',
			testedBy: 'harmonyUserSyncPostgresTest',
		}),
	]);
	const data = postgresLog(database).credentials.harmonyUserSyncPostgres;
	const ok = await testFn!.call({} as never, {
		id: '1',
		name: 'pg',
		type: 'harmonyUserSyncPostgres',
		data,
	});
	expect(ok).toEqual({ status: 'OK', message: 'Connection successful!' });
	const bad = await testFn!.call({} as never, {
		id: '1',
		name: 'pg',
		type: 'harmonyUserSyncPostgres',
		data: { ...data, port: 1 },
	});
	expect(bad.status).toBe('Error');
});
