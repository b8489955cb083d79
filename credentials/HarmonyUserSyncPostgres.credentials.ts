import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The Postgres database of the shared sync log (n8n queue mode, several instances). Tested by the Sync Log
 * node's `harmonyUserSyncPostgresTest` method: a declarative HTTP test cannot talk to Postgres.
 */
export class HarmonyUserSyncPostgres implements ICredentialType {
	name = 'harmonyUserSyncPostgres';

	displayName = 'HarmonyUser Sync Log Postgres';

	icon: Icon = { light: 'file:harmonyUserSync.svg', dark: 'file:harmonyUserSync.dark.svg' };

	documentationUrl = 'https://github.com/harmonyuser/n8n-nodes-harmonyuser-sync#the-sync-log-node';

	properties: INodeProperties[] = [
		{ displayName: 'Host', name: 'host', type: 'string', default: 'localhost', required: true },
		{ displayName: 'Port', name: 'port', type: 'number', default: 5432 },
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'postgres',
			required: true,
		},
		{ displayName: 'User', name: 'user', type: 'string', default: 'postgres', required: true },
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'boolean',
			default: false,
			description: 'Whether to connect with TLS',
		},
		{
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSslIssues',
			type: 'boolean',
			default: false,
			description: 'Whether to accept a server certificate that cannot be verified',
			displayOptions: { show: { ssl: [true] } },
		},
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: 'public',
			description: 'Schema of the log tables (created on first use when missing)',
		},
		{
			displayName: 'Table Prefix',
			name: 'tablePrefix',
			type: 'string',
			default: 'harmonyuser_',
			description:
				'Prefix of the log tables: <prefix>sync_log and <prefix>sync_log_meta. Letters, digits and _ only.',
		},
	];
}
