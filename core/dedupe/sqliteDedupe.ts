import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { DedupeStore } from './types';

/** Where seen ids live unless the node names a file: beside n8n's own data, so they survive restarts. */
export function defaultDedupePath(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(
		env.N8N_USER_FOLDER || homedir(),
		'.n8n',
		'harmonyuser-sync',
		'seen-events.sqlite',
	);
}

function openDatabase(file: string): DatabaseSync {
	const sqlite = process.getBuiltinModule?.('node:sqlite') as
		| typeof import('node:sqlite')
		| undefined;
	if (!sqlite?.DatabaseSync) {
		throw new Error(
			`The SQLite dedupe store needs node:sqlite (Node.js 22.5 or newer; this is ${process.version}). Choose Postgres instead.`,
		);
	}
	mkdirSync(path.dirname(file), { recursive: true });
	return new sqlite.DatabaseSync(file);
}

/** Seen event ids in one SQLite file. Processes on the same disk share it; SQLite serializes their writes. */
export class SqliteDedupeStore implements DedupeStore {
	private readonly db: DatabaseSync;

	constructor(readonly file: string) {
		this.db = openDatabase(file);
		// WAL and a busy timeout: concurrent webhook calls wait for the write lock instead of failing.
		this.db.exec(
			'PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;',
		);
		this.db.exec(`CREATE TABLE IF NOT EXISTS seen_events (
			scope TEXT NOT NULL, event_id TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (scope, event_id))`);
		this.db.exec('CREATE INDEX IF NOT EXISTS seen_events_seen_at ON seen_events (seen_at)');
	}

	async claim(
		scope: string,
		id: string,
		retentionMs: number,
		nowMs = Date.now(),
	): Promise<boolean> {
		// One statement: insert, or take over a sighting older than the retention. changes is 0 when neither.
		const result = this.db
			.prepare(
				`INSERT INTO seen_events (scope, event_id, seen_at) VALUES (?, ?, ?)
				ON CONFLICT (scope, event_id) DO UPDATE SET seen_at = excluded.seen_at WHERE seen_events.seen_at < ?`,
			)
			.run(scope, id, nowMs, nowMs - retentionMs);
		return Number(result.changes) === 1;
	}

	async prune(olderThanMs: number): Promise<number> {
		return Number(
			this.db.prepare('DELETE FROM seen_events WHERE seen_at < ?').run(olderThanMs).changes,
		);
	}

	async close(): Promise<void> {
		if (this.db.isOpen) this.db.close();
	}
}
