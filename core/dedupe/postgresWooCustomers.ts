import type { Pool } from 'pg';
import {
	claimDecision,
	type ClaimOutcome,
	type DeleteOutcome,
	type WooCustomerMap,
	type WooCustomerRecord,
} from './wooCustomerMap';
import { CLAIM_CONDITION, COLUMNS, recordOf } from './sqliteWooCustomers';

/** Table names beside the seen-events table: `<prefix>woo_customers`, `<prefix>woo_state`. */
export interface WooTableNames {
	schema: string;
	prefix: string;
}

/** The WooCommerce customer map in Postgres: shared by every n8n process (queue mode); every claim is one statement. */
export class PostgresWooCustomers implements WooCustomerMap {
	private readonly customersTable: string;
	private readonly stateTable: string;
	private ready?: Promise<void>;

	constructor(
		private readonly pool: Pool,
		private readonly names: WooTableNames,
	) {
		this.customersTable = `"${names.schema}"."${names.prefix}woo_customers"`;
		this.stateTable = `"${names.schema}"."${names.prefix}woo_state"`;
	}

	/** Creates the tables once; the advisory lock serializes processes creating them at the same moment. */
	private ensureTables(): Promise<void> {
		this.ready ??= this.pool.connect().then(async (client) => {
			const statements = [
				'BEGIN',
				`SELECT pg_advisory_xact_lock(hashtext('harmonyuser-woo:${this.customersTable.replace(/'/g, '')}'))`,
				`CREATE SCHEMA IF NOT EXISTS "${this.names.schema}"`,
				`CREATE TABLE IF NOT EXISTS ${this.customersTable} (scope TEXT NOT NULL, customer_id BIGINT NOT NULL, login TEXT NOT NULL,
					email TEXT NOT NULL, sync_id TEXT, role TEXT, fingerprint TEXT NOT NULL, modified TEXT, topic TEXT NOT NULL,
					seen_at BIGINT NOT NULL, PRIMARY KEY (scope, customer_id))`,
				`CREATE TABLE IF NOT EXISTS ${this.stateTable} (scope TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
					updated_at BIGINT NOT NULL, PRIMARY KEY (scope, name))`,
				'COMMIT',
			];
			try {
				for (const sql of statements) await client.query(sql);
				client.release();
			} catch (error) {
				await client.query('ROLLBACK').catch(() => undefined);
				client.release();
				this.ready = undefined; // the next call tries again
				return Promise.reject(error);
			}
		});
		return this.ready;
	}

	private values(scope: string, r: WooCustomerRecord, nowMs: number) {
		return [
			scope,
			r.customerId,
			r.login,
			r.email,
			r.syncId ?? null,
			r.role ?? null,
			r.fingerprint,
			r.modified ?? null,
			r.topic,
			nowMs,
		];
	}

	async claimCustomer(
		scope: string,
		record: WooCustomerRecord,
		nowMs = Date.now(),
	): Promise<ClaimOutcome> {
		await this.ensureTables();
		const t = this.customersTable;
		// A racing claim waits on the row lock, then re-checks the condition against the row the winner wrote.
		const result = await this.pool.query(
			`INSERT INTO ${t} AS c (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT (scope, customer_id) DO UPDATE SET login = EXCLUDED.login, email = EXCLUDED.email, sync_id = EXCLUDED.sync_id,
					role = EXCLUDED.role, fingerprint = EXCLUDED.fingerprint, modified = COALESCE(EXCLUDED.modified, c.modified),
					topic = EXCLUDED.topic, seen_at = EXCLUDED.seen_at
				WHERE ${CLAIM_CONDITION('c', 'EXCLUDED')} RETURNING 1`,
			this.values(scope, record, nowMs),
		);
		if (result.rowCount === 1) return 'fresh';
		const row = await this.pool.query(`SELECT * FROM ${t} WHERE scope = $1 AND customer_id = $2`, [
			scope,
			record.customerId,
		]);
		const outcome = claimDecision(row.rows[0] && recordOf(row.rows[0]), record);
		return outcome === 'fresh' ? 'duplicate' : outcome;
	}

	async claimDelete(scope: string, customerId: number, nowMs = Date.now()): Promise<DeleteOutcome> {
		await this.ensureTables();
		const t = this.customersTable;
		const known = await this.pool.query(
			`UPDATE ${t} SET topic = 'deleted', fingerprint = '', seen_at = $1 WHERE scope = $2 AND customer_id = $3 AND topic <> 'deleted' RETURNING *`,
			[nowMs, scope, customerId],
		);
		if (known.rows[0])
			return { outcome: 'fresh', known: { ...recordOf(known.rows[0]), topic: 'deleted' } };
		const inserted = await this.pool.query(
			`INSERT INTO ${t} (${COLUMNS}) VALUES ($1, $2, '', '', NULL, NULL, '', NULL, 'deleted', $3) ON CONFLICT DO NOTHING`,
			[scope, customerId, nowMs],
		);
		return { outcome: inserted.rowCount === 1 ? 'fresh' : 'duplicate' };
	}

	async customers(scope: string): Promise<WooCustomerRecord[]> {
		await this.ensureTables();
		return (
			await this.pool.query(`SELECT * FROM ${this.customersTable} WHERE scope = $1`, [scope])
		).rows.map(recordOf);
	}

	async remember(scope: string, records: WooCustomerRecord[], nowMs = Date.now()): Promise<void> {
		await this.ensureTables();
		for (let i = 0; i < records.length; i += 500) {
			const chunk = records.slice(i, i + 500);
			const params = chunk.flatMap((record) => this.values(scope, record, nowMs));
			const rows = chunk.map(
				(_, r) => `(${Array.from({ length: 10 }, (__, c) => `$${r * 10 + c + 1}`).join(', ')})`,
			);
			await this.pool.query(
				`INSERT INTO ${this.customersTable} (${COLUMNS}) VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`,
				params,
			);
		}
	}

	async getState(scope: string, name: string): Promise<string | undefined> {
		await this.ensureTables();
		const result = await this.pool.query(
			`SELECT value FROM ${this.stateTable} WHERE scope = $1 AND name = $2`,
			[scope, name],
		);
		return result.rows[0]?.value;
	}

	async setState(scope: string, name: string, value: string, nowMs = Date.now()): Promise<void> {
		await this.ensureTables();
		await this.pool.query(
			`INSERT INTO ${this.stateTable} (scope, name, value, updated_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (scope, name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
			[scope, name, value, nowMs],
		);
	}

	async takeState(
		scope: string,
		name: string,
		from: string,
		leaseMs: number,
		nowMs = Date.now(),
	): Promise<boolean> {
		await this.ensureTables();
		const result = await this.pool.query(
			`UPDATE ${this.stateTable} SET value = 'running', updated_at = $1
				WHERE scope = $2 AND name = $3 AND (value = $4 OR (value = 'running' AND updated_at < $5))`,
			[nowMs, scope, name, from, nowMs - leaseMs],
		);
		return result.rowCount === 1;
	}

	async clearState(scope: string, name: string, value: string): Promise<void> {
		await this.ensureTables();
		await this.pool.query(
			`DELETE FROM ${this.stateTable} WHERE scope = $1 AND name = $2 AND value = $3`,
			[scope, name, value],
		);
	}

	async pruneWoo(olderThanMs: number): Promise<number> {
		await this.ensureTables();
		return (
			(
				await this.pool.query(
					`DELETE FROM ${this.customersTable} WHERE topic = 'deleted' AND seen_at < $1`,
					[olderThanMs],
				)
			).rowCount ?? 0
		);
	}
}
