import type { INodeProperties } from 'n8n-workflow';

/** Who may call the webhook, and where replayed deliveries are remembered. */
export const securityProperties: INodeProperties[] = [
	{
		displayName: 'Sender Whitelist',
		name: 'whitelistEnabled',
		type: 'boolean',
		default: false,
		description: 'Whether only the senders listed below may call this webhook (others get 403)',
	},
	{
		displayName: 'Trusted Senders',
		name: 'whitelist',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Trusted Sender',
		default: {},
		description:
			'Site URLs (matched against the event’s source URL, else the credential’s site), IP addresses or CIDR ranges (matched against the sender’s IP)',
		displayOptions: { show: { whitelistEnabled: [true] } },
		options: [
			{
				displayName: 'Entry',
				name: 'entries',
				values: [
					{
						displayName: 'URL, IP or CIDR',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'https://blog.example.com or 203.0.113.0/24 or 2001:db8::/32',
					},
					{ displayName: 'Note', name: 'note', type: 'string', default: '', description: 'What this sender is' },
				],
			},
		],
	},
	{
		displayName: 'Dedupe Store',
		name: 'dedupeStore',
		type: 'options',
		noDataExpression: true,
		default: 'sqlite',
		description: 'Where the IDs of accepted deliveries are kept, so a replayed delivery starts nothing',
		options: [
			{ name: 'SQLite (Embedded)', value: 'sqlite', description: 'A file in n8n’s user folder. One n8n instance only.' },
			{ name: 'Postgres', value: 'postgres', description: 'Shared by every n8n process: use it in queue mode' },
		],
	},
];
