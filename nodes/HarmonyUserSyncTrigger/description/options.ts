import type { INodeProperties } from 'n8n-workflow';

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Dedupe Database File',
			name: 'databasePath',
			type: 'string',
			default: '',
			placeholder: '/home/node/.n8n/harmonyuser-sync/seen-events.sqlite',
			description: 'SQLite store only. Empty: harmonyuser-sync/seen-events.sqlite in n8n’s user folder.',
		},
		{
			displayName: 'Dedupe Retention (Days)',
			name: 'retentionDays',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 7,
			description: 'How long the IDs of accepted deliveries are remembered',
		},
		{
			displayName: 'Previous Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Also accepted while senders switch to a new secret (rotation). Clear it once they have.',
		},
		{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The secret registered with the site on activation. Empty: a random one is generated per workflow and kept in its static data.',
		},
		{
			displayName: 'Timestamp Tolerance (Seconds)',
			name: 'toleranceSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			description:
				'Bridge deliveries older or newer than this are refused (401). WooCommerce signs no timestamp: its replays are caught by the dedupe store only.',
		},
		{
			displayName: 'Trust X-Forwarded-For',
			name: 'trustForwardedFor',
			type: 'boolean',
			default: false,
			description:
				'Whether n8n runs behind a reverse proxy: the sender IP is then the right-most X-Forwarded-For entry (the one your proxy added); otherwise the socket’s address',
		},
	],
};
