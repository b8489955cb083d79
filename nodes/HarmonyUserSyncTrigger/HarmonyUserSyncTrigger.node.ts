import type { IHookFunctions, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { harmonyUserSyncPostgresTest } from '../shared/postgresCredential';
import { handleWebhook } from './actions/webhook';
import { sourceProperties } from './description/events';
import { optionsProperty } from './description/options';
import { securityProperties } from './description/security';
import { bridgeCheckExists, bridgeCreate, bridgeDelete } from './transport/bridgeHooks';
import { triggerSource } from './transport/settings';
import { wooCheckExists, wooCreate, wooDelete } from './transport/wooHooks';

const isWoo = (ctx: IHookFunctions) => triggerSource(ctx) === 'woocommerce';

export class HarmonyUserSyncTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HarmonyUser Sync Trigger',
		name: 'harmonyUserSyncTrigger',
		icon: { light: 'file:harmonyUserSyncTrigger.svg', dark: 'file:harmonyUserSyncTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["source"] === "woocommerce" ? "WooCommerce customers" : "Bridge plugin events"}}',
		description: 'Starts a workflow with a sync event when a user changes on a WordPress site (bridge plugin) or a WooCommerce shop',
		defaults: { name: 'HarmonyUser Sync Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'wordPressAppPasswordApi', required: true },
			{
				// A database connection, not an HTTP API: the -Api suffix would mislead.
				// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
				name: 'harmonyUserSyncPostgres',
				required: true,
				testedBy: 'harmonyUserSyncPostgresTest',
				displayOptions: { show: { dedupeStore: ['postgres'] } },
			},
		],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [...sourceProperties, ...securityProperties, optionsProperty],
	};

	methods = { credentialTest: { harmonyUserSyncPostgresTest } };

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return isWoo(this) ? wooCheckExists.call(this) : bridgeCheckExists.call(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return isWoo(this) ? wooCreate.call(this) : bridgeCreate.call(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return isWoo(this) ? wooDelete.call(this) : bridgeDelete.call(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return handleWebhook.call(this);
	}
}
