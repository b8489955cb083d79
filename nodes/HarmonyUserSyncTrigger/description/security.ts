import type { INodeProperties } from 'n8n-workflow';
import { whitelistProperties } from '../../shared/whitelistProperties';

/** Who may call the webhook, and where replayed deliveries are remembered. */
export const securityProperties: INodeProperties[] = [
	...whitelistProperties({
		who: 'Sender',
		switchDescription:
			'Whether only the senders listed below may call this webhook (others get 403)',
		listDescription:
			'Site URLs (matched against the event’s source URL, else the credential’s site), IP addresses or CIDR ranges (matched against the sender’s IP)',
	}),
	{
		displayName: 'Dedupe Store',
		name: 'dedupeStore',
		type: 'options',
		noDataExpression: true,
		default: 'sqlite',
		description:
			'Where the IDs of accepted deliveries are kept, so a replayed delivery starts nothing',
		options: [
			{
				name: 'SQLite (Embedded)',
				value: 'sqlite',
				description: 'A file in n8n’s user folder. One n8n instance only.',
			},
			{
				name: 'Postgres',
				value: 'postgres',
				description: 'Shared by every n8n process: use it in queue mode',
			},
		],
	},
];
