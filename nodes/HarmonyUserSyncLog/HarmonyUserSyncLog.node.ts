import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import * as prune from './actions/prune.operation';
import * as query from './actions/query.operation';
import * as replayFailed from './actions/replayFailed.operation';
import { router } from './actions/router';
import * as stats from './actions/stats.operation';
import * as write from './actions/write.operation';
import { filtersProperty } from './description/filters';
import { storeProperties } from './description/store';
import { harmonyUserSyncPostgresTest } from '../shared/postgresCredential';

export class HarmonyUserSyncLog implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HarmonyUser Sync Log',
		name: 'harmonyUserSyncLog',
		icon: { light: 'file:harmonyUserSyncLog.svg', dark: 'file:harmonyUserSyncLog.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Record every user sync, search the log, and replay failed syncs',
		defaults: { name: 'HarmonyUser Sync Log' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				// A database connection, not an HTTP API (n8n's own is `postgres`): the -Api suffix would mislead.
				// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
				name: 'harmonyUserSyncPostgres',
				required: true,
				testedBy: 'harmonyUserSyncPostgresTest',
				displayOptions: { show: { store: ['postgres'] } },
			},
		],
		properties: [
			...storeProperties,
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'write',
				options: [
					{
						name: 'Prune',
						value: 'prune',
						description: 'Delete entries older than the retention',
						action: 'Prune the sync log',
					},
					{
						name: 'Query',
						value: 'query',
						description: 'Search the log, newest first',
						action: 'Query the sync log',
					},
					{
						name: 'Replay Failed',
						value: 'replayFailed',
						description: 'Emit the events of failed syncs again, for a User Sync node to retry',
						action: 'Replay failed syncs',
					},
					{
						name: 'Stats',
						value: 'stats',
						description: 'Count syncs by status and site',
						action: 'Get sync statistics',
					},
					{
						name: 'Write',
						value: 'write',
						description: 'Store the sync results flowing through and pass them on',
						action: 'Write sync results to the log',
					},
				],
			},
			...write.description,
			...prune.description,
			filtersProperty,
			...query.description,
			...replayFailed.description,
			...stats.description,
		],
	};

	methods = { credentialTest: { harmonyUserSyncPostgresTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
