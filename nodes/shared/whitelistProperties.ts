import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/**
 * The whitelist switch and its list of URL / IP / CIDR entries (added, edited, removed in the node), shared by
 * the User Sync node (trusted sources of changes) and the trigger (trusted senders of webhooks).
 */
export function whitelistProperties(text: {
	/** "Source" or "Sender". */
	who: string;
	switchDescription: string;
	listDescription: string;
	show?: IDisplayOptions['show'];
}): INodeProperties[] {
	return [
		{
			displayName: `${text.who} Whitelist`,
			name: 'whitelistEnabled',
			type: 'boolean',
			default: false,
			description: text.switchDescription,
			...(text.show && { displayOptions: { show: text.show } }),
		},
		{
			displayName: `Trusted ${text.who}s`,
			name: 'whitelist',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true, sortable: true },
			placeholder: `Add Trusted ${text.who}`,
			default: {},
			description: text.listDescription,
			displayOptions: { show: { ...text.show, whitelistEnabled: [true] } },
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
						{
							displayName: 'Note',
							name: 'note',
							type: 'string',
							default: '',
							description: 'What this entry is, for whoever maintains the list',
						},
					],
				},
			],
		},
	];
}
