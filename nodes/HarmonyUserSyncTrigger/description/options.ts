import type { INodeProperties } from 'n8n-workflow';

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Catch Up Missed Changes (WooCommerce)',
			name: 'catchUp',
			type: 'boolean',
			default: true,
			description:
				'Whether, after a gap (activation, n8n restarting, a webhook WooCommerce disabled), the next delivery also lists the shop’s customers and emits the changes that never arrived. WooCommerce never retries a delivery.',
		},
		{
			displayName: 'Check Delivery URL (WooCommerce)',
			name: 'checkDeliveryUrl',
			type: 'boolean',
			default: true,
			description:
				'Whether activation refuses a webhook URL WooCommerce will not call: ports other than 80, 443 and 8080 (or the shop’s own), loopback or private hosts other than the shop’s. Turn off only when the shop allows more (its http_allowed_safe_ports / http_request_host_is_external filters).',
		},
		{
			displayName: 'Dedupe Database File',
			name: 'databasePath',
			type: 'string',
			default: '',
			placeholder: '/home/node/.n8n/harmonyuser-sync/seen-events.sqlite',
			description:
				'SQLite store only. Empty: harmonyuser-sync/seen-events.sqlite in n8n’s user folder.',
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
			description:
				'Also accepted while senders switch to a new secret (rotation). Clear it once they have. One site only: a site network’s trigger keeps a secret per site.',
		},
		{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The secret registered with the site on activation. Empty: a random one is generated per workflow and kept in its static data. One site only: a site network’s trigger generates a random secret per site.',
		},
		{
			displayName: 'Timestamp Tolerance (Seconds)',
			name: 'toleranceSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			description:
				'Bridge deliveries older or newer than this are refused (401). WooCommerce signs no timestamp: a repeated WooCommerce delivery is caught by the customer map (same customer, same content).',
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
