/** Sync results and log stores for the sync log tests and its benchmark (bench/syncLog.bench.ts). */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { entryFromResult } from '../../core/log/entry';
import { PostgresLogStore } from '../../core/log/postgresStore';
import { SqliteLogStore } from '../../core/log/sqliteStore';
import type { NewLogEntry, SyncLogStore } from '../../core/log/types';
import type { SyncResult } from '../../core/sync/result';
import { createTestDatabase, type TestDatabase } from './postgres';

export const SITE_A = 'https://a.example.test';
export const SITE_B = 'https://b.example.test';
export const SITE_C = 'https://c.example.test';

/** A User Sync result of A → B for `login`, with its event (as the node outputs it). */
export function syncResult(login: string, overrides: Partial<SyncResult> = {}): SyncResult {
	const id = randomUUID();
	return {
		status: 'synced',
		action: 'create',
		requestedAction: 'create',
		reason: 'created',
		message: 'created',
		source: SITE_A,
		target: SITE_B,
		user: { login, email: `${login}@Example.test`, sourceId: 7, targetId: 9 },
		eventId: id,
		path: [SITE_A, SITE_B],
		changes: [],
		notSynced: [],
		requests: 2,
		durationMs: 31,
		event: {
			id,
			action: 'create',
			time: new Date().toISOString(),
			source: { url: SITE_A },
			path: [SITE_A],
			user: {
				login,
				email: `${login}@example.test`,
				roles: ['subscriber'],
				meta: {},
				flags: { prohibitPropagation: false, rejectIncoming: false },
			},
		},
		...overrides,
	};
}

export const failedResult = (login: string, overrides: Partial<SyncResult> = {}) =>
	syncResult(login, {
		status: 'failed',
		action: 'none',
		reason: 'wordpress_error',
		message: 'WordPress refused the request',
		error: { kind: 'auth', status: 401, message: 'Sorry, you are not allowed to do that.' },
		...overrides,
	});

export const entry = (login: string, overrides: Partial<SyncResult> = {}): NewLogEntry =>
	entryFromResult(syncResult(login, overrides));

export interface StoreFactory {
	name: string;
	/** A fresh, empty store; `shared` opens another instance on the same tables (another process). */
	open(shared?: string): Promise<SyncLogStore & { tag: string }>;
	cleanup(): Promise<void>;
	/** The Postgres test database (raw checks), when the factory is Postgres. */
	database?: TestDatabase;
}

export function sqliteFactory(): StoreFactory {
	const dir = mkdtempSync(path.join(tmpdir(), 'hus-log-'));
	return {
		name: 'sqlite',
		async open(shared) {
			const tag = shared ?? randomUUID();
			return Object.assign(new SqliteLogStore(path.join(dir, `${tag}.sqlite`)), { tag });
		},
		cleanup: async () => undefined,
	};
}

export function postgresFactory(): StoreFactory {
	const factory: StoreFactory = {
		name: 'postgres',
		async open(shared) {
			factory.database ??= await createTestDatabase();
			const tag = shared ?? `t${randomUUID().slice(0, 8)}_`;
			return Object.assign(
				new PostgresLogStore({ ...factory.database.settings, tablePrefix: tag }),
				{ tag },
			);
		},
		cleanup: async () => factory.database?.drop(),
	};
	return factory;
}

export const failed = (login: string, overrides: Partial<SyncResult> = {}): NewLogEntry =>
	entryFromResult(failedResult(login, overrides));
