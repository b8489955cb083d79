import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import {
	claimDecision,
	type ClaimOutcome,
	type DeleteOutcome,
	type WooCustomerMap,
	type WooCustomerRecord,
} from './wooCustomerMap';

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

interface Row {
	customer_id: number;
	login: string;
	email: string;
	sync_id: string | null;
	role: string | null;
	fingerprint: string;
	modified: string | null;
	topic: WooCustomerRecord['topic'];
}

export function recordOf(row: Row): WooCustomerRecord {
	return {
		customerId: Number(row.customer_id),
		login: row.login,
		email: row.email,
		syncId: row.sync_id ?? undefined,
		role: row.role ?? undefined,
		fingerprint: row.fingerprint,
		modified: row.modified ?? undefined,
		topic: row.topic,
	};
}

/** Accept the new change unless it repeats or predates the last accepted one: see WooCustomerMap.claimCustomer. */
export const CLAIM_CONDITION = (t: string, x: string) => `${t}.topic <> 'deleted'
	AND NOT (${t}.modified IS NOT NULL AND ${x}.modified IS NOT NULL AND ${x}.modified < ${t}.modified)
	AND NOT (${t}.fingerprint = ${x}.fingerprint AND NOT (${x}.topic = 'created' AND ${t}.topic = 'updated'))`;

export const COLUMNS =
	'scope, customer_id, login, email, sync_id, role, fingerprint, modified, topic, seen_at';

/** The WooCommerce customer map in the trigger's SQLite dedupe file (one n8n: processes on one disk share it). */
export class SqliteWooCustomers implements WooCustomerMap {
	private readonly db: DatabaseSync;

	constructor(readonly file: string) {
		this.db = openDatabase(file);
		this.db.exec(
			'PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;',
		);
		this.db.exec(`CREATE TABLE IF NOT EXISTS woo_customers (
			scope TEXT NOT NULL, customer_id INTEGER NOT NULL, login TEXT NOT NULL, email TEXT NOT NULL, sync_id TEXT, role TEXT,
			fingerprint TEXT NOT NULL, modified TEXT, topic TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (scope, customer_id))`);
		this.db.exec(`CREATE TABLE IF NOT EXISTS woo_state (
			scope TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (scope, name))`);
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
		] as const;
	}

	async claimCustomer(
		scope: string,
		record: WooCustomerRecord,
		nowMs = Date.now(),
	): Promise<ClaimOutcome> {
		// One statement: insert, or overwrite the last accepted change when this one is new. changes is 0 otherwise.
		const result = this.db
			.prepare(
				`INSERT INTO woo_customers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (scope, customer_id) DO UPDATE SET login = excluded.login, email = excluded.email, sync_id = excluded.sync_id,
					role = excluded.role, fingerprint = excluded.fingerprint, modified = COALESCE(excluded.modified, woo_customers.modified),
					topic = excluded.topic, seen_at = excluded.seen_at
				WHERE ${CLAIM_CONDITION('woo_customers', 'excluded')}`,
			)
			.run(...this.values(scope, record, nowMs));
		if (Number(result.changes) === 1) return 'fresh';
		const row = this.db
			.prepare('SELECT * FROM woo_customers WHERE scope = ? AND customer_id = ?')
			.get(scope, record.customerId) as Row | undefined;
		const outcome = claimDecision(row && recordOf(row), record);
		return outcome === 'fresh' ? 'duplicate' : outcome;
	}

	async claimDelete(scope: string, customerId: number, nowMs = Date.now()): Promise<DeleteOutcome> {
		const known = this.db
			.prepare(
				`UPDATE woo_customers SET topic = 'deleted', fingerprint = '', seen_at = ?
				WHERE scope = ? AND customer_id = ? AND topic <> 'deleted' RETURNING *`,
			)
			.get(nowMs, scope, customerId) as Row | undefined;
		if (known) return { outcome: 'fresh', known: { ...recordOf(known), topic: 'deleted' } };
		const inserted = this.db
			.prepare(
				`INSERT INTO woo_customers (${COLUMNS}) VALUES (?, ?, '', '', NULL, NULL, '', NULL, 'deleted', ?) ON CONFLICT DO NOTHING`,
			)
			.run(scope, customerId, nowMs);
		return { outcome: Number(inserted.changes) === 1 ? 'fresh' : 'duplicate' };
	}

	async customers(scope: string): Promise<WooCustomerRecord[]> {
		return (
			this.db.prepare('SELECT * FROM woo_customers WHERE scope = ?').all(scope) as unknown as Row[]
		).map(recordOf);
	}

	async remember(scope: string, records: WooCustomerRecord[], nowMs = Date.now()): Promise<void> {
		const insert = this.db.prepare(
			`INSERT INTO woo_customers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		);
		this.db.exec('BEGIN IMMEDIATE');
		try {
			for (const record of records) insert.run(...this.values(scope, record, nowMs));
			this.db.exec('COMMIT');
		} catch (error) {
			this.db.exec('ROLLBACK');
			return Promise.reject(error);
		}
	}

	async getState(scope: string, name: string): Promise<string | undefined> {
		const row = this.db
			.prepare('SELECT value FROM woo_state WHERE scope = ? AND name = ?')
			.get(scope, name) as { value: string } | undefined;
		return row?.value;
	}

	async setState(scope: string, name: string, value: string, nowMs = Date.now()): Promise<void> {
		this.db
			.prepare(
				`INSERT INTO woo_state (scope, name, value, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (scope, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			)
			.run(scope, name, value, nowMs);
	}

	async takeState(
		scope: string,
		name: string,
		from: string,
		leaseMs: number,
		nowMs = Date.now(),
	): Promise<boolean> {
		const result = this.db
			.prepare(
				`UPDATE woo_state SET value = 'running', updated_at = ?
				WHERE scope = ? AND name = ? AND (value = ? OR (value = 'running' AND updated_at < ?))`,
			)
			.run(nowMs, scope, name, from, nowMs - leaseMs);
		return Number(result.changes) === 1;
	}

	async clearState(scope: string, name: string, value: string): Promise<void> {
		this.db
			.prepare('DELETE FROM woo_state WHERE scope = ? AND name = ? AND value = ?')
			.run(scope, name, value);
	}

	async pruneWoo(olderThanMs: number): Promise<number> {
		return Number(
			this.db
				.prepare(`DELETE FROM woo_customers WHERE topic = 'deleted' AND seen_at < ?`)
				.run(olderThanMs).changes,
		);
	}

	async close(): Promise<void> {
		if (this.db.isOpen) this.db.close();
	}
}
