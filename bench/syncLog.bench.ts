/**
 * Sync log benchmark (not a test): a 10,000-entry batch write and filtered queries over 100,000 entries, on both
 * stores, beside a naive baseline measured in the same run (one INSERT per entry, no transaction).
 * Run: bash scripts/with-node24.sh npx tsx bench/syncLog.bench.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Client } from 'pg';
import { PostgresLogStore } from '../core/log/postgresStore';
import { INSERT_COLUMNS, insertValues } from '../core/log/sql';
import { SqliteLogStore } from '../core/log/sqliteStore';
import type { NewLogEntry, SyncLogStore } from '../core/log/types';
import { entry, failed, SITE_B, SITE_C } from '../lab/harness/syncLog';
import { createTestDatabase } from '../lab/harness/postgres';
import { machine, out } from './lib/stats';

const BATCH = 10_000;
const TOTAL = 100_000;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function entries(count: number, offset: number): NewLogEntry[] {
	return Array.from({ length: count }, (_, i) => {
		const n = offset + i;
		const target = n % 3 === 0 ? SITE_C : SITE_B;
		return n % 10 === 0 ? failed(`u${n}`, { target }) : entry(`u${n}`, { target });
	});
}

/** The naive way: one INSERT per entry, each its own implicit transaction. */
type NaiveInsert = (values: Array<string | number | null>) => Promise<unknown>;

async function measure(name: string, store: SyncLogStore, naive: NaiveInsert) {
	const batch = entries(BATCH, 0);
	let start = process.hrtime.bigint();
	await store.write(batch);
	const batchMs = ms(start);
	start = process.hrtime.bigint();
	for (const [i, row] of batch.entries()) await naive(insertValues(`naive-${i}`, Date.now(), row));
	const naiveMs = ms(start);
	out(
		`${name}: write ${BATCH} in one batch ${batchMs.toFixed(0)} ms | naive one-by-one ${naiveMs.toFixed(0)} ms | ${(naiveMs / batchMs).toFixed(1)}x faster`,
	);

	for (let written = BATCH; written < TOTAL; written += BATCH)
		await store.write(entries(BATCH, written));
	const queries: Array<[string, Parameters<SyncLogStore['query']>[0]]> = [
		[
			'failed on C, last hour',
			{ status: ['failed'], target: SITE_C, since: new Date(Date.now() - 3_600_000) },
		],
		['one user (login or email)', { user: 'u54321' }],
		['no filter (newest page)', {}],
	];
	for (const [label, filter] of queries) {
		const times: number[] = [];
		let found = 0;
		for (let run = 0; run < 5; run++) {
			start = process.hrtime.bigint();
			found = (await store.query(filter, { limit: 50 })).entries.length;
			times.push(ms(start));
		}
		times.sort((a, b) => a - b);
		out(
			`${name}: query over ${TOTAL} entries, ${label}: median ${times[2].toFixed(2)} ms (${found} entries)`,
		);
	}
}

async function main() {
	out(`machine: ${machine()}`);
	const file = path.join(mkdtempSync(path.join(tmpdir(), 'hus-bench-')), 'sync-log.sqlite');
	const sqlite = new SqliteLogStore(file);
	const raw = new DatabaseSync(file);
	raw.exec('PRAGMA busy_timeout = 10000');
	const sqliteInsert = raw.prepare(
		`INSERT INTO sync_log (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`,
	);
	await measure('sqlite  ', sqlite, async (values) => sqliteInsert.run(...values));
	raw.close();
	await sqlite.close();

	const database = await createTestDatabase();
	const postgres = new PostgresLogStore({ ...database.settings, tablePrefix: 'bench_' });
	const client = new Client(database.settings);
	await client.connect();
	const sql = `INSERT INTO bench_sync_log (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;
	await postgres.stats(new Date()); // creates the tables before the naive client writes into them
	await measure('postgres', postgres, (values) => client.query(sql, values));
	await client.end();
	await postgres.close();
	await database.drop();
}

void main();
