import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { PostgresLogStore } from '../../core/log/postgresStore';
import type { PostgresSettings } from '../../core/postgres/settings';

/** The "HarmonyUser Sync Postgres" credential, shared by the Sync Log's store and the trigger's dedupe store. */
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

/**
 * n8n calls this from the credential dialog (a node names it in `testedBy`). Reading the log's stats proves the
 * connection and that the tables exist or can be created.
 */
export async function harmonyUserSyncPostgresTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const check = async () => {
		const store = new PostgresLogStore(postgresSettings(credential.data ?? {}));
		await store.stats(new Date()).finally(() => store.close());
	};
	return check().then(
		(): INodeCredentialTestResult => ({ status: 'OK', message: 'Connection successful!' }),
		(error: Error): INodeCredentialTestResult => ({ status: 'Error', message: error.message }),
	);
}
