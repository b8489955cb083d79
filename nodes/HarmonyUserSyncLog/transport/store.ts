import type { IExecuteFunctions } from 'n8n-workflow';
import { PostgresLogStore } from '../../../core/log/postgresStore';
import { defaultSqlitePath, SqliteLogStore } from '../../../core/log/sqliteStore';
import type { SyncLogStore } from '../../../core/log/types';
import { POSTGRES_CREDENTIAL, postgresSettings } from '../../shared/postgresCredential';

/** The store chosen by the node's "Store" parameter; the caller closes it. */
export async function openStore(ctx: IExecuteFunctions): Promise<SyncLogStore> {
	if (ctx.getNodeParameter('store', 0) === 'postgres') {
		return new PostgresLogStore(postgresSettings(await ctx.getCredentials(POSTGRES_CREDENTIAL)));
	}
	const file = String(ctx.getNodeParameter('databasePath', 0, '')).trim();
	return new SqliteLogStore(file || defaultSqlitePath());
}
