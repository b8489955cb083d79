import type { Pool } from 'pg';
import { createPool, postgresNames, type PostgresSettings } from '../postgres/settings';
import type { DedupeStore } from './types';

/** The seen-ids table beside the sync log's tables (same schema and prefix rules). */
export function dedupeTableName(settings: PostgresSettings): { schema: string; table: string } {
	const { schema } = postgresNames(settings); // validates schema and prefix
	const prefix = settings.tablePrefix?.trim() ?? 'harmonyuser_';
	return { schema, table: `"${schema}"."${prefix}seen_events"` };
}

/** Seen event ids in Postgres: shared by every n8n process (queue mode, several webhook processes). */
export class PostgresDedupeStore implements DedupeStore {
	private readonly pool: Pool;
	private readonly names: { schema: string; table: string };
	private ready?: Promise<void>;
	/** The last error of an idle connection (the pool reconnects on the next query). */
	idleError?: Error;

	constructor(settings: PostgresSettings) {
		this.names = dedupeTableName(settings);
		this.pool = createPool(settings, (error) => (this.idleError = error));
	}

	/** Creates the table once; the advisory lock serializes processes creating it at the same moment. */
	private ensureTable(): Promise<void> {
		this.ready ??= this.pool.connect().then(async (client) => {
			const { schema, table } = this.names;
			const statements = [
				'BEGIN',
				`SELECT pg_advisory_xact_lock(hashtext('harmonyuser-seen-events:${table.replace(/'/g, '')}'))`,
				`CREATE SCHEMA IF NOT EXISTS "${schema}"`,
				`CREATE TABLE IF NOT EXISTS ${table} (scope TEXT NOT NULL, event_id TEXT NOT NULL, seen_at BIGINT NOT NULL, PRIMARY KEY (scope, event_id))`,
				'COMMIT',
			];
			const run = statements.reduce<Promise<unknown>>(
				(previous, sql) => previous.then(() => client.query(sql)),
				Promise.resolve(),
			);
			return run.then(
				() => client.release(),
				(error: Error) =>
					client
						.query('ROLLBACK')
						.catch(() => undefined)
						.then(() => {
							client.release();
							this.ready = undefined; // the next call tries again
							return Promise.reject(error);
						}),
			);
		});
		return this.ready;
	}

	async claim(
		scope: string,
		id: string,
		retentionMs: number,
		nowMs = Date.now(),
	): Promise<boolean> {
		await this.ensureTable();
		// Atomic in Postgres: a racing insert waits on the row lock, then sees the conflict and returns no row.
		const result = await this.pool.query(
			`INSERT INTO ${this.names.table} AS s (scope, event_id, seen_at) VALUES ($1, $2, $3)
				ON CONFLICT (scope, event_id) DO UPDATE SET seen_at = EXCLUDED.seen_at WHERE s.seen_at < $4 RETURNING 1`,
			[scope, id, nowMs, nowMs - retentionMs],
		);
		return result.rowCount === 1;
	}

	async prune(olderThanMs: number): Promise<number> {
		await this.ensureTable();
		return (
			(await this.pool.query(`DELETE FROM ${this.names.table} WHERE seen_at < $1`, [olderThanMs]))
				.rowCount ?? 0
		);
	}

	async close(): Promise<void> {
		if (!this.pool.ended) await this.pool.end();
	}
}
