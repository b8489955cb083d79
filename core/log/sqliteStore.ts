import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
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

/** node:sqlite ships with Node >= 22.5; getBuiltinModule answers undefined (no throw) where it is missing. */
function loadSqlite(): typeof import('node:sqlite') {
	const sqlite = process.getBuiltinModule?.('node:sqlite') as
		| typeof import('node:sqlite')
		| undefined;
	if (!sqlite?.DatabaseSync) {
		throw new Error(
			`The embedded sync log needs node:sqlite (Node.js 22.5 or newer; this is ${process.version}). ` +
				"Upgrade n8n's Node.js or choose the Postgres store.",
		);
	}
	return sqlite;
}

/**
 * Where the embedded log lives unless the node names a file: beside n8n's own data
 * (`<N8N_USER_FOLDER or home>/.n8n`), so it survives restarts and upgrades like n8n's database does.
 */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(env.N8N_USER_FOLDER || homedir(), '.n8n', 'harmonyuser-sync', 'sync-log.sqlite');
}

const BINDER = (params: SqlValue[]) => (value: SqlValue) => (params.push(value), '?');

/** The embedded log: one SQLite file (WAL, busy timeout), batch writes in one transaction. */
export class SqliteLogStore implements SyncLogStore {
	private readonly db: DatabaseSync;

	constructor(readonly file: string) {
		mkdirSync(path.dirname(file), { recursive: true });
		this.db = new (loadSqlite().DatabaseSync)(file);
		// WAL lets readers run beside a writer; the timeout makes concurrent n8n executions wait instead of failing.
		this.db.exec(
			'PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;',
		);
		this.transaction(() => {
			for (const sql of schemaStatements('sync_log', 'sync_log_meta', 'sync_log_', {
				serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
				int: 'INTEGER',
			}))
				this.db.exec(sql);
		});
	}

	/** BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock on an upgrade. */
	private transaction<T>(work: () => T): T {
		this.db.exec('BEGIN IMMEDIATE');
		const done = (() => {
			try {
				return { value: work() };
			} catch (error) {
				return { error };
			}
		})();
		this.db.exec('error' in done ? 'ROLLBACK' : 'COMMIT');
		if ('error' in done) throw done.error;
		return done.value;
	}

	private all(sql: string, params: SqlValue[]): Row[] {
		return this.db.prepare(sql).all(...(params as SQLInputValue[])) as Row[];
	}

	async write(entries: NewLogEntry[], now = new Date()): Promise<string[]> {
		const placeholders = INSERT_COLUMNS.map(() => '?').join(', ');
		const insert = this.db.prepare(
			`INSERT INTO sync_log (${INSERT_COLUMNS.join(', ')}) VALUES (${placeholders})`,
		);
		return this.transaction(() =>
			entries.map((entry) => {
				const id = randomUUID();
				insert.run(...(insertValues(id, now.getTime(), entry) as SQLInputValue[]));
				if (entry.replayOf) {
					const params: SqlValue[] = [];
					const sql = linkReplayStatement('sync_log', BINDER(params), id, entry, now.getTime());
					this.db.prepare(sql).run(...(params as SQLInputValue[]));
				}
				return id;
			}),
		);
	}

	async query(filter: LogFilter, page: Page): Promise<QueryResult> {
		const params: SqlValue[] = [];
		const bind = BINDER(params);
		let where = whereClause(filter, bind);
		if (page.cursor) where += ` AND ${cursorCondition(page.cursor, bind)}`;
		const offset = page.cursor ? 0 : (page.offset ?? 0);
		const rows = this.all(
			`SELECT * FROM sync_log WHERE ${where} ORDER BY logged_at DESC, seq DESC LIMIT ${bind(page.limit + 1)} OFFSET ${bind(offset)}`,
			params,
		);
		const entries = rows.slice(0, page.limit);
		const nextCursor = rows.length > page.limit ? encodeCursor(entries[entries.length - 1]) : null;
		return { entries: entries.map(rowToEntry), nextCursor };
	}

	async prune(retentionDays: number, now = new Date()): Promise<number> {
		const result = this.db
			.prepare('DELETE FROM sync_log WHERE logged_at < ?')
			.run(now.getTime() - retentionDays * DAY_MS);
		return Number(result.changes);
	}

	async pruneIfDue(
		retentionDays: number,
		intervalMs: number,
		now = new Date(),
	): Promise<number | null> {
		// Claiming the slot is one atomic upsert: only the process whose row update succeeds prunes.
		const claimed = this.all(
			`INSERT INTO sync_log_meta AS m (key, value) VALUES ('last_pruned', ?) ON CONFLICT (key)
				DO UPDATE SET value = excluded.value WHERE m.value <= ? RETURNING value`,
			[now.getTime(), now.getTime() - intervalMs],
		);
		return claimed.length ? this.prune(retentionDays, now) : null;
	}

	async claimFailed(filter: LogFilter, options: ReplayOptions, now = new Date()) {
		const params: SqlValue[] = [];
		const bind = BINDER(params);
		const fresh = options.includeReplayed ? '' : ' AND replayed_at IS NULL';
		const where = `${whereClause({ ...filter, status: ['failed'] }, bind)} AND event IS NOT NULL${fresh}`;
		return this.transaction(() => {
			const rows = this.all(
				`SELECT * FROM sync_log WHERE ${where} ORDER BY logged_at, seq LIMIT ${bind(options.limit)}`,
				params,
			);
			const mark = this.db.prepare('UPDATE sync_log SET replayed_at = ? WHERE seq = ?');
			for (const row of rows) mark.run(now.getTime(), row.seq as number);
			return rows.map((row) => rowToEntry({ ...row, replayed_at: now.getTime() }));
		});
	}

	async stats(since: Date) {
		const groups = this.all(
			'SELECT status, target, source, COUNT(*) AS n FROM sync_log WHERE logged_at >= ? GROUP BY status, target, source',
			[since.getTime()],
		);
		return foldStats(since, groups);
	}

	async close(): Promise<void> {
		if (this.db.isOpen) this.db.close();
	}
}
