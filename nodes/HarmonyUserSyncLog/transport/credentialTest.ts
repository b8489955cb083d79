import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import { PostgresLogStore } from '../../../core/log/postgresStore';
import { postgresSettings } from './store';

/**
 * n8n calls this from the credential dialog (the node names it in `testedBy`). Reading the stats proves the
 * connection and that the log tables exist or can be created.
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
