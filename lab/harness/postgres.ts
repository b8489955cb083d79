/**
 * The machine's real PostgreSQL for tests: started when it is not running, one fresh database per test file
 * (dropped afterwards), trust auth as user postgres on 127.0.0.1:5432.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import type { PostgresSettings } from '../../core/postgres/settings';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

async function ping(): Promise<boolean> {
	const client = new Client({ ...ADMIN, connectionTimeoutMillis: 2000 });
	return client.connect().then(
		() => client.end().then(() => true),
		() => false,
	);
}

/** Starts the cluster with Debian's pg_ctlcluster when nothing answers, then waits until it does. */
export async function ensurePostgres(): Promise<void> {
	if (await ping()) return;
	const version = readdirSync('/etc/postgresql')[0];
	await new Promise<void>((resolve, reject) => {
		// Test-only: starting the machine's database server is the point of this helper.
		const start = spawn('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
			stdio: 'inherit',
		});
		start.on('error', reject);
		start.on('exit', (code) =>
			code === 0 ? resolve() : reject(new Error(`pg_ctlcluster exited with ${code}`)),
		);
	});
	for (let attempt = 0; attempt < 50; attempt += 1) {
		if (await ping()) return;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error('PostgreSQL did not start');
}

async function admin(sql: string): Promise<void> {
	const client = new Client(ADMIN);
	await client.connect();
	await client.query(sql).finally(() => client.end());
}

export interface TestDatabase {
	settings: PostgresSettings;
	/** Runs SQL in the test database (for raw checks). */
	query(sql: string): Promise<Record<string, unknown>[]>;
	drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
	await ensurePostgres();
	const database = `hus_test_${randomBytes(6).toString('hex')}`;
	await admin(`CREATE DATABASE ${database}`);
	const settings: PostgresSettings = { ...ADMIN, database };
	return {
		settings,
		async query(sql) {
			const client = new Client({ ...ADMIN, database });
			await client.connect();
			return (await client.query(sql).finally(() => client.end())).rows;
		},
		drop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
	};
}
