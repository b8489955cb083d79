import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { RecordedSite } from '../../../core/triggers/networkSubscriptions';
import type { WordPressClient } from '../../../core/wordpress/client';
import { connectSite, SITE_CREDENTIAL } from '../../shared/siteClient';

export const CREDENTIAL_TYPE = SITE_CREDENTIAL;

/** The credential's site, as a REST client for the webhook lifecycle hooks. */
export async function siteClient(
	ctx: IHookFunctions | IWebhookFunctions,
): Promise<WordPressClient> {
	return (await connectSite(ctx, { timeoutMs: 20_000, retry: { retries: 2 } })).client;
}

/** Wraps a failed site request in n8n's error type, with what was being done. */
export function hookError(ctx: IHookFunctions, doing: string) {
	return (error: Error): never => {
		throw new NodeOperationError(ctx.getNode(), `Could not ${doing}: ${error.message}`);
	};
}

/** What the node keeps in its workflow static data (n8n stores it in its database, visible to every process). */
export interface TriggerStaticData {
	/** Bridge subscription id. */
	webhookId?: string;
	/** WooCommerce webhook id per topic. */
	wooWebhooks?: Record<string, number>;
	/** The secret registered with the site. */
	secret?: string;
	/**
	 * The credential's site when the webhook was registered (normalized). Webhook calls read it here: n8n resolves a
	 * credential's expressions in a fresh isolate on every getCredentials outside an execution, tens of ms of CPU
	 * per delivery. It is the site the webhook was registered on, so it stays right until the next activation.
	 */
	siteUrl?: string;
	/** Site Network: one bridge subscription per enabled site (transport/networkHooks.ts). */
	networkSites?: RecordedSite[];
}

export function staticData(ctx: IHookFunctions | IWebhookFunctions): TriggerStaticData {
	return ctx.getWorkflowStaticData('node') as TriggerStaticData;
}

export function clearStaticData(ctx: IHookFunctions): void {
	const data = ctx.getWorkflowStaticData('node');
	delete data.webhookId;
	delete data.wooWebhooks;
	delete data.secret;
	delete data.siteUrl;
	delete data.networkSites;
}

export function sameSet(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((value) => b.includes(value));
}
