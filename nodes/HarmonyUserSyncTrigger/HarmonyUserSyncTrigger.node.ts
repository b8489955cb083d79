import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { wordPressSiteNetworkTest } from '../shared/networkCredential';
import { harmonyUserSyncPostgresTest } from '../shared/postgresCredential';
import { handleNetworkWebhook } from './actions/networkWebhook';
import { handleWebhook } from './actions/webhook';
import { sourceProperties } from './description/events';
import { optionsProperty } from './description/options';
import { securityProperties } from './description/security';
import { bridgeCheckExists, bridgeCreate, bridgeDelete } from './transport/bridgeHooks';
import { networkCheckExists, networkCreate, networkDelete } from './transport/networkHooks';
import { isNetworkTrigger, triggerSource } from './transport/settings';
import { wooCheckExists, wooCreate, wooDelete } from './transport/wooHooks';

const isWoo = (ctx: IHookFunctions) => triggerSource(ctx) === 'woocommerce';

/** The lifecycle hooks for the node's settings: WooCommerce, the bridge on a site network, or the bridge on one site. */
function hooksFor(ctx: IHookFunctions) {
	if (isWoo(ctx)) return { checkExists: wooCheckExists, create: wooCreate, delete: wooDelete };
	if (isNetworkTrigger(ctx))
		return { checkExists: networkCheckExists, create: networkCreate, delete: networkDelete };
	return { checkExists: bridgeCheckExists, create: bridgeCreate, delete: bridgeDelete };
}

export class HarmonyUserSyncTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HarmonyUser Sync Trigger',
		name: 'harmonyUserSyncTrigger',
		icon: {
			light: 'file:harmonyUserSyncTrigger.svg',
			dark: 'file:harmonyUserSyncTrigger.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{$parameter["source"] === "woocommerce" ? "WooCommerce customers" : $parameter["sites"] === "network" ? "Bridge plugin events, site network" : "Bridge plugin events"}}',
		description:
			'Starts a workflow with a sync event when a user changes on a WordPress site (bridge plugin) or a WooCommerce shop',
		defaults: { name: 'HarmonyUser Sync Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Hidden only for a network: the WooCommerce source hides Sites, so its credential stays one shop's.
			{
				name: 'wordPressAppPasswordApi',
				required: true,
				displayOptions: { hide: { sites: ['network'] } },
			},
			{
				name: 'wordPressSiteNetworkApi',
				required: true,
				testedBy: 'wordPressSiteNetworkTest',
				displayOptions: { show: { source: ['bridge'], sites: ['network'] } },
			},
			{
				// A database connection, not an HTTP API: the -Api suffix would mislead.
				// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
				name: 'harmonyUserSyncPostgres',
				required: true,
				testedBy: 'harmonyUserSyncPostgresTest',
				displayOptions: { show: { dedupeStore: ['postgres'] } },
			},
		],
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
		],
		properties: [...sourceProperties, ...securityProperties, optionsProperty],
	};

	methods = { credentialTest: { harmonyUserSyncPostgresTest, wordPressSiteNetworkTest } };

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return hooksFor(this).checkExists.call(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return hooksFor(this).create.call(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return hooksFor(this).delete.call(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return isNetworkTrigger(this) ? handleNetworkWebhook.call(this) : handleWebhook.call(this);
	}
}
