import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Any number of WordPress sites in one credential, for workflows that sync a whole network (one trigger, one User
 * Sync node, one log, whatever the number of sites). Sharing it shares every site in it: use single-site
 * credentials (WordPress Application Password API) where people may reach only some sites.
 *
 * Each application password names its site ("Shop: abcd efgh …"): n8n puts hidden values back by position when
 * the list is saved, so after a row is deleted or the rows are reordered a password could otherwise land on
 * another site's row. A password bound to another name is refused before any request (core/network/network.ts).
 * The credential test (the nodes' `testedBy`) checks every enabled site and names the ones that fail.
 */
export class WordPressSiteNetworkApi implements ICredentialType {
	name = 'wordPressSiteNetworkApi';

	displayName = 'WordPress Site Network API';

	icon: Icon = { light: 'file:harmonyUserSync.svg', dark: 'file:harmonyUserSync.dark.svg' };

	documentationUrl =
		'https://github.com/harmonyuser/n8n-nodes-harmonyuser-sync#site-networks-any-number-of-sites-in-one-workflow';

	properties: INodeProperties[] = [
		{
			displayName: 'Sites',
			name: 'sites',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true, sortable: true },
			default: {},
			placeholder: 'Add Site',
			options: [
				{
					displayName: 'Site',
					name: 'site',
					values: [
						{
							displayName: 'Name',
							name: 'name',
							type: 'string',
							default: '',
							placeholder: 'Shop',
							description:
								'A stable name for the site: forms, replays and the Sync Log use it. Letters, digits, spaces, dots, dashes and underscores.',
						},
						{
							displayName: 'Site URL',
							name: 'url',
							type: 'string',
							default: '',
							placeholder: 'https://shop.example.com',
							description: 'Base URL of the WordPress site (where /wp-json lives)',
						},
						{
							displayName: 'Username',
							name: 'username',
							type: 'string',
							default: '',
							description:
								'An administrator of the site (the sync needs list, create, edit and delete users)',
						},
						{
							displayName: 'Application Password (Name: Password)',
							name: 'applicationPassword',
							type: 'string',
							typeOptions: { password: true },
							default: '',
							placeholder: 'Shop: abcd efgh ijkl mnop qrst uvwx',
							description:
								'The site’s name, a colon, then its application password. The name binds the password to this row: after rows are deleted or reordered, a password n8n put back on the wrong row is refused, never sent.',
						},
						{
							displayName: 'Read-Only for Sync',
							name: 'readOnly',
							type: 'boolean',
							default: false,
							description:
								'Whether this site rejects every incoming create, update and delete (kill switch). Reading users still works.',
						},
						{
							displayName: 'Enabled',
							name: 'enabled',
							type: 'boolean',
							default: true,
							description:
								'Whether the network includes this site. Off: nothing is read from or written to it, and the trigger unsubscribes it.',
						},
					],
				},
			],
		},
	];
}
