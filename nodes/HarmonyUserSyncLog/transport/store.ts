import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';
import { PostgresLogStore } from '../../../core/log/postgresStore';
import type { PostgresSettings } from '../../../core/log/postgresSettings';
import { defaultSqlitePath, SqliteLogStore } from '../../../core/log/sqliteStore';
import type { SyncLogStore } from '../../../core/log/types';

export const POSTGRES_CREDENTIAL = 'harmonyUserSyncPostgres';

export function postgresSettings(credential: ICredentialDataDecryptedObject): PostgresSettings {
	return {
		host: String(credential.host ?? 'localhost'),
		port: Number(credential.port ?? 5432),
		database: String(credential.database ?? 'postgres'),
		user: String(credential.user ?? 'postgres'),
		password: credential.password ? String(credential.password) : undefined,
		ssl: credential.ssl === true,
		allowUnauthorizedCerts: credential.ignoreSslIssues === true,
		schema: credential.schema as string | undefined,
		tablePrefix: credential.tablePrefix as string | undefined,
	};
}

/** The store chosen by the node's "Store" parameter; the caller closes it. */
export async function openStore(ctx: IExecuteFunctions): Promise<SyncLogStore> {
	if (ctx.getNodeParameter('store', 0) === 'postgres') {
		return new PostgresLogStore(postgresSettings(await ctx.getCredentials(POSTGRES_CREDENTIAL)));
	}
	const file = String(ctx.getNodeParameter('databasePath', 0, '')).trim();
	return new SqliteLogStore(file || defaultSqlitePath());
}
