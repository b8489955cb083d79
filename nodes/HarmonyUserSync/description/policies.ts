import type { INodeProperties } from 'n8n-workflow';
import { whitelistProperties } from '../../shared/whitelistProperties';

const WRITE_OPERATIONS = ['applyEvent', 'upsertUsers', 'deleteUsers', 'reconcile'];
const onWrite = { show: { operation: WRITE_OPERATIONS } };

/** The target's policies for incoming changes (the read-only switch lives in the credential). */
export const policyProperties: INodeProperties[] = [
	...whitelistProperties({
		who: 'Source',
		switchDescription: 'Whether only changes from the sources listed below may modify this target',
		listDescription:
			'Site URLs, IP addresses or CIDR ranges (IPv4 or IPv6) allowed to change this target',
		show: { operation: WRITE_OPERATIONS },
	}),
	{
		displayName: 'Policies',
		name: 'policies',
		type: 'collection',
		placeholder: 'Add Policy',
		default: {},
		displayOptions: onWrite,
		options: [
			{
				displayName: 'Link Accounts by Login',
				name: 'linkByLogin',
				type: 'boolean',
				default: false,
				description:
					'Whether a target account found only by its login (its email differs) is the same person. Off (safe): such a namesake is a conflict and is never changed. Turn on only where one authority hands out every login of the network.',
			},
			{
				displayName: 'Prohibit Propagation For',
				name: 'prohibitedUsers',
				type: 'string',
				default: '',
				placeholder: 'admin, test@example.com',
				description:
					'Logins or emails whose changes are never sent anywhere. Sites with the bridge plugin also have a switch on each user profile.',
			},
			{
				displayName: 'Reassign Content To (User ID)',
				name: 'reassignTo',
				type: 'number',
				default: 0,
				description:
					"Target user who receives a deleted user's posts. 0 means the credential's own user.",
			},
			{
				displayName: 'Reject Incoming Modifications For',
				name: 'protectedUsers',
				type: 'string',
				default: '',
				placeholder: 'ceo, billing@example.com',
				description:
					'Logins or emails on this target that sync never updates or deletes. Sites with the bridge plugin also have a switch on each user profile.',
			},
			{
				displayName: 'Role Mapping',
				name: 'roleMapping',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Role Mapping',
				description:
					'Source role → target role, applied before every role rule (e.g. customer → subscriber for a site without WooCommerce). A role the target lacks and no mapping names is left out, and the result says so.',
				options: [
					{
						displayName: 'Mapping',
						name: 'mappings',
						values: [
							{
								displayName: 'Source Role',
								name: 'from',
								type: 'string',
								default: '',
								placeholder: 'customer',
							},
							{
								displayName: 'Target Role',
								name: 'to',
								type: 'string',
								default: '',
								placeholder: 'subscriber',
							},
						],
					},
				],
			},
			{
				displayName: 'Synced Roles',
				name: 'roles',
				type: 'string',
				default: '',
				placeholder: 'subscriber, customer',
				description:
					'Only users with at least one of these roles are synced (comma-separated). Empty syncs every role.',
			},
		],
	},
];
