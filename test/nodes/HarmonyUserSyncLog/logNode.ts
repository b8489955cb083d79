/** Runs the Sync Log node in n8n's real engine, on a SQLite file or a Postgres test database. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';
import { runNode } from '../../../lab/harness/engine';
import type { TestDatabase } from '../../../lab/harness/postgres';
import { syncPackage } from '../../../lab/harness/sync';

export const LOG_NODE = 'n8n-nodes-harmonyuser-sync.harmonyUserSyncLog';

/** Node parameters and credentials selecting one store; every call of `newLog` is an empty log. */
export interface LogTarget {
	parameters: INodeParameters;
	credentials: Record<string, ICredentialDataDecryptedObject>;
}

export function sqliteLog(): LogTarget {
	const file = path.join(mkdtempSync(path.join(tmpdir(), 'hus-lognode-')), 'sync-log.sqlite');
	return { parameters: { store: 'sqlite', databasePath: file }, credentials: {} };
}

export function postgresLog(database: TestDatabase): LogTarget {
	const credential = {
		...database.settings,
		password: '',
		ssl: false,
		schema: 'public',
		tablePrefix: `n${randomUUID().slice(0, 8)}_`,
	};
	return {
		parameters: { store: 'postgres' },
		credentials: { harmonyUserSyncPostgres: credential },
	};
}

export async function runLog(
	log: LogTarget,
	parameters: INodeParameters,
	input: IDataObject[] | INodeExecutionData[] = [{}],
	continueOnFail = false,
) {
	return runNode(await syncPackage(), {
		type: LOG_NODE,
		parameters: { ...log.parameters, ...parameters },
		credentials: log.credentials,
		input,
		continueOnFail,
	});
}

export const jsonOf = (items: INodeExecutionData[]) => items.map((item) => item.json);
