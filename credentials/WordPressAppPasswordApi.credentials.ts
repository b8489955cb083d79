import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * One WordPress site: its URL and an application password of an administrator. The site's sync settings that
 * must hold for every workflow writing to it (the read-only kill switch) live here too.
 */
export class WordPressAppPasswordApi implements ICredentialType {
	name = 'wordPressAppPasswordApi';

	displayName = 'WordPress Application Password API';

	icon: Icon = { light: 'file:harmonyUserSync.svg', dark: 'file:harmonyUserSync.dark.svg' };

	documentationUrl =
		'https://github.com/harmonyuser/n8n-nodes-harmonyuser-sync#credentials-wordpress-application-password-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Site URL',
			name: 'url',
			type: 'string',
			default: '',
			placeholder: 'https://shop.example.com',
			description: 'Base URL of the WordPress site (where /wp-json lives)',
			required: true,
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			description:
				'An administrator of the site (the sync needs list, create, edit and delete users)',
			required: true,
		},
		{
			displayName: 'Application Password',
			name: 'applicationPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Created in wp-admin under Users → Profile → Application Passwords, or with the harmonyuser-connect command shipped in this package',
			required: true,
		},
		{
			displayName: 'Read-Only for Sync',
			name: 'readOnly',
			type: 'boolean',
			default: false,
			description:
				'Whether this site rejects every incoming create, update and delete from any sync workflow (kill switch). Reading users still works.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: {
				username: '={{$credentials.username}}',
				password: '={{$credentials.applicationPassword}}',
			},
		},
	};

	// Public endpoints answer 200 even with a wrong password; /users/me?context=edit does not.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.url.replace(/\\/+$/, "")}}/wp-json',
			url: '/wp/v2/users/me',
			qs: { context: 'edit', _fields: 'id,capabilities' },
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'capabilities.edit_users',
					value: undefined,
					message: 'This user cannot manage users: use an administrator’s application password',
				},
			},
		],
	};
}
