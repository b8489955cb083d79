import type { INodeProperties } from 'n8n-workflow';
import { siteScopeOptions } from '../../shared/networkCredential';

const WRITES = ['applyEvent', 'upsertUsers', 'deleteUsers', 'reconcile'];

/** Where the node writes (or reads): the credential's one site, or the sites of a WordPress Site Network credential. */
export const targetProperties: INodeProperties[] = [
	{
		displayName: 'Target',
		name: 'target',
		type: 'options',
		noDataExpression: true,
		default: 'site',
		options: siteScopeOptions(
			'Any number of sites of a WordPress Site Network credential: one result per item and site',
		),
	},
	{
		displayName: 'Send To',
		name: 'sendTo',
		type: 'options',
		noDataExpression: true,
		default: 'network',
		options: [
			{
				name: 'Every Site Not Yet Reached',
				value: 'network',
				description:
					"Every enabled site except the change's source and the sites in its propagation path",
			},
			{
				name: 'Sites Named in a Field',
				value: 'named',
				description: 'The sites a form, a replayed log row or an expression names',
			},
		],
		displayOptions: { show: { target: ['network'], operation: WRITES } },
	},
	{
		displayName: 'Site Names',
		name: 'siteNames',
		type: 'string',
		default: '',
		placeholder: '={{ $json.sites }}',
		description:
			'Names (or URLs) of network sites: a list, or comma-separated. E.g. a form’s multi-select, or the targetName field of items from Replay Failed.',
		displayOptions: { show: { target: ['network'], sendTo: ['named'], operation: WRITES } },
	},
	{
		displayName: 'Site Name',
		name: 'siteName',
		type: 'string',
		default: '',
		required: true,
		description: 'The network site to read (its name in the credential)',
		displayOptions: { show: { target: ['network'], operation: ['getUsers'] } },
	},
];
