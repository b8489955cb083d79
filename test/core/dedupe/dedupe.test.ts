/** The dedupe stores: atomic claims, retention, restarts, and two "processes" racing on the same id. */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgresDedupeStore } from '../../../core/dedupe/postgresDedupe';
import { SqliteDedupeStore } from '../../../core/dedupe/sqliteDedupe';
import { claimAll, DAY_MS, type DedupeStore } from '../../../core/dedupe/types';
import { createTestDatabase, type TestDatabase } from '../../../lab/harness/postgres';

const WEEK = 7 * DAY_MS;
let db: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'hus-dedupe-'));
let n = 0;
const sqliteFile = () => path.join(dir, `seen-${++n}.sqlite`);

beforeAll(async () => {
	db = await createTestDatabase();
});
afterAll(async () => {
	await db.drop();
});

type Factory = () => { open: () => DedupeStore };
const kinds: Array<[string, Factory]> = [
	[
		'SQLite',
		() => {
			const file = sqliteFile();
			return { open: () => new SqliteDedupeStore(file) };
		},
	],
	[
		'Postgres',
		() => {
			const prefix = `t${++n}_`;
			return { open: () => new PostgresDedupeStore({ ...db.settings, tablePrefix: prefix }) };
		},
	],
];

describe.each(kinds)('%s dedupe store', (_name, factory) => {
	const opened: DedupeStore[] = [];
	const track = (store: DedupeStore) => (opened.push(store), store);
	afterAll(async () => {
		for (const store of opened) await store.close();
	});

	it('claims an id once per scope', async () => {
		const store = track(factory().open());
		expect(await store.claim('wf1:n1', 'e1', WEEK)).toBe(true);
		expect(await store.claim('wf1:n1', 'e1', WEEK)).toBe(false);
		expect(await store.claim('wf2:n1', 'e1', WEEK)).toBe(true);
		expect(await store.claim('wf1:n1', 'e2', WEEK)).toBe(true);
	});

	it('survives a restart (a new store instance on the same database)', async () => {
		const { open } = factory();
		const first = track(open());
		expect(await first.claim('s', 'persisted', WEEK)).toBe(true);
		await first.close();
		expect(await track(open()).claim('s', 'persisted', WEEK)).toBe(false);
	});

	it('forgets ids after the retention (claims again), and prunes them', async () => {
		const store = track(factory().open());
		const t0 = Date.now() - 10 * DAY_MS;
		expect(await store.claim('s', 'old', WEEK, t0)).toBe(true);
		expect(await store.claim('s', 'old', WEEK, t0 + DAY_MS)).toBe(false);
		expect(await store.claim('s', 'old', WEEK)).toBe(true);
		await store.claim('s', 'ancient', WEEK, t0);
		expect(await store.prune(Date.now() - WEEK)).toBe(1);
	});

	it('claimAll is new only when no key was seen', async () => {
		const store = track(factory().open());
		expect(await claimAll(store, 's', ['delivery:1', 'body:a'], WEEK)).toBe(true);
		expect(await claimAll(store, 's', ['delivery:2', 'body:a'], WEEK)).toBe(false);
		expect(await claimAll(store, 's', ['delivery:1', 'body:b'], WEEK)).toBe(false);
	});

	it('two store instances racing on the same ids: exactly one wins each', async () => {
		const { open } = factory();
		const a = track(open());
		const b = track(open());
		const ids = Array.from({ length: 50 }, (_, i) => `race-${i}`);
		const results = await Promise.all(
			ids.flatMap((id) => [a.claim('race', id, WEEK), b.claim('race', id, WEEK)]),
		);
		for (let i = 0; i < ids.length; i++)
			expect([results[2 * i], results[2 * i + 1]].filter(Boolean)).toHaveLength(1);
	});
});

/** Real separate OS processes on one SQLite file and one Postgres table: each id is claimed by exactly one. */
describe('separate processes racing', () => {
	const runWorkers = (kind: string, target: string, count: number) =>
		Promise.all(
			Array.from(
				{ length: count },
				() =>
					new Promise<string[]>((resolve, reject) => {
						// Test-only: separate OS processes are the point of this race test.
						const child = fork(path.join(__dirname, 'claimWorker.ts'), [kind, target], {
							execArgv: ['--import', 'tsx'],
							stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
						});
						let out = '';
						child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
						child.on('error', reject);
						child.on('exit', (code) =>
							code === 0
								? resolve(out.split('\n').filter(Boolean))
								: reject(new Error(`worker exited ${code}`)),
						);
					}),
			),
		);

	it.each([['sqlite'], ['postgres']])(
		'%s: 3 processes × 100 ids → every id won exactly once',
		async (kind) => {
			const target =
				kind === 'sqlite'
					? sqliteFile()
					: JSON.stringify({ ...db.settings, tablePrefix: `proc${++n}_` });
			if (kind === 'postgres') {
				// The table exists before the race, so the race is on the claims alone.
				const warm = new PostgresDedupeStore(JSON.parse(target));
				await warm.claim('warm', 'up', WEEK);
				await warm.close();
			}
			const won = (await runWorkers(kind, target, 3)).flat();
			expect(won).toHaveLength(100);
			expect(new Set(won).size).toBe(100);
		},
		30000,
	);
});
