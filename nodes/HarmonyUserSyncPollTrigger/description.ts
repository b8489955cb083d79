import type { INodeProperties } from 'n8n-workflow';
import { siteScopeOptions } from '../shared/networkCredential';

export const pollProperties: INodeProperties[] = [
	{
		displayName:
			"Each poll compares the site's users with the previous poll. With the HarmonyUser Sync Bridge plugin on the site, only the changes are read (one request when nothing changed); without it, all users are read in pages of 100.",
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Sites',
		name: 'sites',
		type: 'options',
		noDataExpression: true,
		default: 'site',
		options: siteScopeOptions(
			'Every enabled site of a WordPress Site Network credential, each polled with its own baseline',
		),
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		default: ['created', 'updated', 'deleted'],
		description: 'Which changes start the workflow',
		options: [
			{ name: 'User Created', value: 'created' },
			{ name: 'User Deleted', value: 'deleted' },
			{ name: 'User Updated', value: 'updated' },
		],
	},
	{
		displayName: 'Only Users With Roles',
		name: 'roles',
		type: 'string',
		default: '',
		placeholder: 'subscriber, customer',
		description:
			"Comma-separated roles: created and updated users without one of them are skipped (deletes always pass: a deleted user's roles are not kept). Empty: every user.",
	},
	{
		displayName: 'Emit Existing Users on First Run',
		name: 'emitExisting',
		type: 'boolean',
		default: false,
		description:
			'Whether the first poll emits every existing user as created. Off: the first poll only remembers the users and emits nothing.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Force Full Scan',
				name: 'forceFullScan',
				type: 'boolean',
				default: false,
				description:
					'Whether to read all users on every poll even when the bridge plugin could list only the changes',
			},
		],
	},
];
