import type { INodeProperties } from 'n8n-workflow';

export const optionProperties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Concurrent Requests',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 16 },
				default: 4,
				description: 'Requests in flight at once against the site',
			},
			{
				displayName: 'Retries',
				name: 'retries',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 10 },
				default: 3,
				description:
					'Further attempts on network errors, 429 and 5xx (with backoff, honouring Retry-After)',
			},
			{
				displayName: 'Sites in Parallel',
				name: 'siteConcurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 32 },
				default: 4,
				description:
					'With a site network: how many sites are worked on at once (each with its own Concurrent Requests)',
			},
			{
				displayName: 'Stop on Failed Sync',
				name: 'stopOnFailure',
				type: 'boolean',
				default: false,
				description:
					'Whether a failed sync stops the workflow with an error (or, with "On Error: Continue", becomes an error item). Off: it is a result item with status "failed".',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
			},
		],
	},
];
