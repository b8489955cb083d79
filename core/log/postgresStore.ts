import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
	cursorCondition,
	DAY_MS,
	encodeCursor,
	foldStats,
	INSERT_COLUMNS,
	insertValues,
	linkReplayStatement,
	rowToEntry,
	schemaStatements,
	whereClause,
	type Row,
	type SqlValue,
} from './sql';
import type {
	LogFilter,
	NewLogEntry,
	Page,
	QueryResult,
	ReplayOptions,
	SyncLogStore,
} from './types';
import { createPool, postgresNames, type PostgresSettings } from '../postgres/settings';

const BIGINT_COLUMNS = new Set([
	'logged_at',
	'source_user_id',
	'target_user_id',
	'requests',
	'duration_ms',
]);
const binder = (params: SqlValue[]) => (value: SqlValue) => `$${params.push(value)}`;

/** The shared log for queue mode and several n8n instances: every process writes to the same tables. */
export class PostgresLogStore implements SyncLogStore {
	private readonly pool: Pool;
	private readonly names: ReturnType<typeof postgresNames>;
	private ready?: Promise<void>;
	/** The last error of an idle connection (kept for inspection; the next query reconnects). */
	idleError?: Error;

	constructor(settings: PostgresSettings) {
		this.names = postgresNames(settings);
		this.pool = createPool(settings, (error) => (this.idleError = error));
	}

	/** Creates the schema once per store; the advisory lock serialises workers creating it at the same moment. */
	private ensureSchema(): Promise<void> {
		this.ready ??= this.inTransaction(async (client) => {
			const { schema, log, meta, indexPrefix } = this.names;
			await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
				`harmonyuser-sync-log:${log}`,
			]);
			const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
			if (!exists.rowCount) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
			for (const sql of schemaStatements(log, meta, indexPrefix, {
				serial: 'BIGSERIAL PRIMARY KEY',
				int: 'BIGINT',
			}))
				await client.query(sql);
		}).catch((error: Error) => {
			this.ready = undefined; // the next call tries again
			throw error;
		});
		return this.ready;
	}

	private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
		const client = await this.pool.connect();
		const rollback = (error: unknown) => client.query('ROLLBACK').then(() => Promise.reject(error));
		return client
			.query('BEGIN')
			.then(() => work(client))
			.then((value) => client.query('COMMIT').then(() => value), rollback)
			.finally(() => client.release());
	}

	private async rows(sql: string, params: SqlValue[]): Promise<Row[]> {
		await this.ensureSchema();
		return (await this.pool.query(sql, params)).rows as Row[];
	}

	async write(entries: NewLogEntry[], now = new Date()): Promise<string[]> {
		await this.ensureSchema();
		if (!entries.length) return [];
		const ids = entries.map(() => randomUUID());
		const rows = entries.map((entry, i) => insertValues(ids[i], now.getTime(), entry));
		// One statement for the whole batch: each column goes in as one array, unnest turns them back into rows.
		const columns = INSERT_COLUMNS.map((_, c) => rows.map((row) => row[c]));
		const arrays = INSERT_COLUMNS.map(
			(name, c) => `$${c + 1}::${BIGINT_COLUMNS.has(name) ? 'bigint' : 'text'}[]`,
		);
		const { log } = this.names;
		await this.inTransaction(async (client) => {
			await client.query(
				`INSERT INTO ${log} (${INSERT_COLUMNS.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`,
				columns,
			);
			for (const [i, entry] of entries.entries()) {
				if (!entry.replayOf) continue;
				const params: SqlValue[] = [];
				await client.query(
					linkReplayStatement(log, binder(params), ids[i], entry, now.getTime()),
					params,
				);
			}
		});
		return ids;
	}

	async query(filter: LogFilter, page: Page): Promise<QueryResult> {
		const params: SqlValue[] = [];
		const bind = binder(params);
		let where = whereClause(filter, bind);
		if (page.cursor) where += ` AND ${cursorCondition(page.cursor, bind)}`;
		const offset = page.cursor ? 0 : (page.offset ?? 0);
		const sql = `SELECT * FROM ${this.names.log} WHERE ${where} ORDER BY logged_at DESC, seq DESC LIMIT ${bind(page.limit + 1)} OFFSET ${bind(offset)}`;
		const rows = await this.rows(sql, params);
		const entries = rows.slice(0, page.limit);
		const nextCursor = rows.length > page.limit ? encodeCursor(entries[entries.length - 1]) : null;
		return { entries: entries.map(rowToEntry), nextCursor };
	}

	async prune(retentionDays: number, now = new Date()): Promise<number> {
		await this.ensureSchema();
		const result = await this.pool.query(`DELETE FROM ${this.names.log} WHERE logged_at < $1`, [
			now.getTime() - retentionDays * DAY_MS,
		]);
		return result.rowCount ?? 0;
	}

	async pruneIfDue(
		retentionDays: number,
		intervalMs: number,
		now = new Date(),
	): Promise<number | null> {
		// One atomic upsert claims the slot: of all workers, only the one whose update matched prunes.
		const claimed = await this.rows(
			`INSERT INTO ${this.names.meta} AS m (key, value) VALUES ('last_pruned', $1) ON CONFLICT (key)
				DO UPDATE SET value = excluded.value WHERE m.value <= $2 RETURNING value`,
			[now.getTime(), now.getTime() - intervalMs],
		);
		return claimed.length ? this.prune(retentionDays, now) : null;
	}

	async claimFailed(filter: LogFilter, options: ReplayOptions, now = new Date()) {
		const params: SqlValue[] = [now.getTime()];
		const bind = binder(params);
		const fresh = options.includeReplayed ? '' : ' AND replayed_at IS NULL';
		const where = `${whereClause({ ...filter, status: ['failed'] }, bind)} AND event IS NOT NULL${fresh}`;
		// SKIP LOCKED: two replays running at once split the entries instead of emitting them twice.
		const rows = await this.rows(
			`UPDATE ${this.names.log} SET replayed_at = $1 WHERE seq IN (SELECT seq FROM ${this.names.log} WHERE ${where}
				ORDER BY logged_at, seq LIMIT ${bind(options.limit)} FOR UPDATE SKIP LOCKED) RETURNING *`,
			params,
		);
		rows.sort((a, b) => Number(a.logged_at) - Number(b.logged_at) || Number(a.seq) - Number(b.seq));
		return rows.map(rowToEntry);
	}

	async stats(since: Date) {
		const sql = `SELECT status, target, source, COUNT(*) AS n FROM ${this.names.log} WHERE logged_at >= $1 GROUP BY status, target, source`;
		return foldStats(since, await this.rows(sql, [since.getTime()]));
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}
