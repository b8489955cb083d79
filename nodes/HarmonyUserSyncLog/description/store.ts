import type { INodeProperties } from 'n8n-workflow';

export const storeProperties: INodeProperties[] = [
	{
		displayName: 'Store',
		name: 'store',
		type: 'options',
		noDataExpression: true,
		default: 'sqlite',
		options: [
			{
				name: 'SQLite (Embedded)',
				value: 'sqlite',
				description:
					'A file beside n8n’s data. One n8n instance only: queue-mode workers do not share a disk.',
			},
			{
				name: 'Postgres',
				value: 'postgres',
				description: 'A shared database: for queue mode and several n8n instances',
			},
		],
	},
	{
		displayName: 'Database File',
		name: 'databasePath',
		type: 'string',
		default: '',
		placeholder: '/home/node/.n8n/harmonyuser-sync/sync-log.sqlite',
		description:
			'Path of the SQLite file. Empty: harmonyuser-sync/sync-log.sqlite in n8n’s user folder.',
		displayOptions: { show: { store: ['sqlite'] } },
	},
];
