import type { INodeProperties } from 'n8n-workflow';
import { siteScopeOptions } from '../../shared/networkCredential';

export const sourceProperties: INodeProperties[] = [
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		default: 'bridge',
		options: [
			{
				name: 'HarmonyUser Bridge Plugin',
				value: 'bridge',
				description:
					'Signed, timestamped events from the HarmonyUser Sync Bridge plugin on the credential’s site',
			},
			{
				name: 'WooCommerce Customer Webhooks',
				value: 'woocommerce',
				description:
					'WooCommerce’s own customer webhooks on the credential’s shop (no bridge plugin needed)',
			},
		],
	},
	{
		displayName: 'Sites',
		name: 'sites',
		type: 'options',
		noDataExpression: true,
		default: 'site',
		description:
			'One site (a WordPress Application Password credential), or every enabled site of a WordPress Site Network credential: one subscription per site, each with its own secret. WooCommerce webhooks stay one shop per trigger.',
		displayOptions: { show: { source: ['bridge'] } },
		options: siteScopeOptions(
			'Every enabled site of a WordPress Site Network credential. Echoes of a fan-out (changes every site already has) start nothing.',
		),
	},
	{
		displayName: 'Events to Listen For',
		name: 'events',
		type: 'multiOptions',
		default: ['user.created', 'user.updated', 'user.deleted', 'user.password_changed'],
		required: true,
		displayOptions: { show: { source: ['bridge'] } },
		options: [
			{ name: 'User Created', value: 'user.created' },
			{ name: 'User Deleted', value: 'user.deleted' },
			{ name: 'User Password Changed', value: 'user.password_changed' },
			{ name: 'User Updated', value: 'user.updated' },
		],
	},
	{
		displayName: 'Events to Listen For',
		name: 'wooEvents',
		type: 'multiOptions',
		default: ['customer.created', 'customer.updated', 'customer.deleted'],
		required: true,
		description:
			'One WooCommerce webhook is registered per topic. WooCommerce sends a deleted customer’s ID only (and only for the customer role): the trigger names the user from the customers it has seen.',
		displayOptions: { show: { source: ['woocommerce'] } },
		options: [
			{ name: 'Customer Created', value: 'customer.created' },
			{ name: 'Customer Deleted', value: 'customer.deleted' },
			{ name: 'Customer Updated', value: 'customer.updated' },
		],
	},
];
