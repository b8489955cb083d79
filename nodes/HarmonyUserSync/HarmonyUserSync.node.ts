import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import * as applyEvent from './actions/applyEvent.operation';
import * as getUsers from './actions/getUsers.operation';
import * as reconcile from './actions/reconcile.operation';
import { router } from './actions/router';
import { sourceSiteProperty } from './actions/upsertUsers.operation';
import { optionProperties } from './description/options';
import { policyProperties } from './description/policies';
import { targetProperties } from './description/target';
import { wordPressSiteNetworkTest } from '../shared/networkCredential';

export class HarmonyUserSync implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HarmonyUser Sync',
		name: 'harmonyUserSync',
		icon: { light: 'file:harmonyUserSync.svg', dark: 'file:harmonyUserSync.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description:
			"Apply user changes to a WordPress site with HarmonyUser Sync's policies, or read its users",
		defaults: { name: 'HarmonyUser Sync' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'wordPressAppPasswordApi',
				required: true,
				displayOptions: { show: { target: ['site'] } },
			},
			{
				name: 'wordPressSiteNetworkApi',
				required: true,
				testedBy: 'wordPressSiteNetworkTest',
				displayOptions: { show: { target: ['network'] } },
			},
		],
		properties: [
			...targetProperties.slice(0, 1),
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'applyEvent',
				options: [
					{
						name: 'Apply Event',
						value: 'applyEvent',
						description: 'Apply user change events from a HarmonyUser trigger to this site',
						action: 'Apply user change events',
					},
					{
						name: 'Delete Users',
						value: 'deleteUsers',
						description: 'Delete the input users on this site',
						action: 'Delete users',
					},
					{
						name: 'Get Users',
						value: 'getUsers',
						description: "Read this site's users, ready to sync elsewhere",
						action: 'Get users',
					},
					{
						name: 'Reconcile',
						value: 'reconcile',
						description: 'Make this site match all input users with the fewest requests',
						action: 'Reconcile users',
					},
					{
						name: 'Upsert Users',
						value: 'upsertUsers',
						description: 'Create or update the input users on this site (manual sync)',
						action: 'Upsert users',
					},
				],
			},
			...targetProperties.slice(1),
			...applyEvent.description,
			sourceSiteProperty,
			...reconcile.description,
			...getUsers.description,
			...policyProperties,
			...optionProperties,
		],
	};

	methods = { credentialTest: { wordPressSiteNetworkTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
