/** Several n8n workers writing to the same Postgres log at once lose nothing. */
import { PostgresLogStore } from '../../../core/log/postgresStore';
import { createTestDatabase, type TestDatabase } from '../../../lab/harness/postgres';
import { entry } from '../../../lab/harness/syncLog';

let database: TestDatabase;
beforeAll(async () => {
	database = await createTestDatabase();
});
afterAll(() => database.drop());

test('4 writers (own pools, schema created concurrently) × 500 entries: all 2000 stored once', async () => {
	const writers = Array.from(
		{ length: 4 },
		() => new PostgresLogStore({ ...database.settings, tablePrefix: 'conc_' }),
	);
	const ids = await Promise.all(
		writers.map((store, w) =>
			store.write(Array.from({ length: 500 }, (_, i) => entry(`w${w}u${i}`))),
		),
	);
	await Promise.all(writers.map((store) => store.close()));
	expect(new Set(ids.flat()).size).toBe(2000);
	const [{ n, logins }] = await database.query(
		'SELECT COUNT(*)::int AS n, COUNT(DISTINCT login)::int AS logins FROM conc_sync_log',
	);
	expect({ n, logins }).toEqual({ n: 2000, logins: 2000 });
});

test('two replays at once never claim the same failed entry', async () => {
	const stores = [0, 1].map(
		() => new PostgresLogStore({ ...database.settings, tablePrefix: 'claim_' }),
	);
	const { failed } = await import('../../../lab/harness/syncLog');
	await stores[0].write(Array.from({ length: 200 }, (_, i) => failed(`f${i}`)));
	const [a, b] = await Promise.all(stores.map((store) => store.claimFailed({}, { limit: 150 })));
	await Promise.all(stores.map((store) => store.close()));
	const claimed = [...a, ...b].map((e) => e.id);
	expect(claimed).toHaveLength(200);
	expect(new Set(claimed).size).toBe(200);
});
