import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { parseWhitelist } from '../../../core/security/whitelist';
import type { TriggerSettings, TriggerSource } from '../../../core/triggers/delivery';
import { staticData } from './client';

export function triggerSource(ctx: IHookFunctions | IWebhookFunctions): TriggerSource {
	return ctx.getNodeParameter('source', 'bridge') === 'woocommerce' ? 'woocommerce' : 'bridge';
}

/** Whether the trigger subscribes every site of a WordPress Site Network credential (bridge source only). */
export function isNetworkTrigger(ctx: IHookFunctions | IWebhookFunctions): boolean {
	return triggerSource(ctx) === 'bridge' && ctx.getNodeParameter('sites', 'site') === 'network';
}

/** Bridge event names or WooCommerce topics, as selected. */
export function selectedEvents(ctx: IHookFunctions | IWebhookFunctions): string[] {
	const name = triggerSource(ctx) === 'woocommerce' ? 'wooEvents' : 'events';
	return [...new Set(ctx.getNodeParameter(name, []) as string[])];
}

export function options(ctx: IHookFunctions | IWebhookFunctions): IDataObject {
	return ctx.getNodeParameter('options', {}) as IDataObject;
}

/** The secret to register: the override, else the one generated on activation. */
export function currentSecret(ctx: IHookFunctions | IWebhookFunctions): string {
	return String(options(ctx).signingSecret ?? '') || (staticData(ctx).secret ?? '');
}

/** Everything the verification needs, read from the node. Throws on a malformed whitelist entry. */
export function triggerSettings(ctx: IWebhookFunctions, siteUrl: string): TriggerSettings {
	const opts = options(ctx);
	const whitelistOn = ctx.getNodeParameter('whitelistEnabled', false) as boolean;
	const entries = ctx.getNodeParameter('whitelist.entries', []) as Array<{ value?: string }>;
	return {
		source: triggerSource(ctx),
		secrets: [currentSecret(ctx), String(opts.previousSecret ?? '')].filter(
			(secret) => secret !== '',
		),
		toleranceSeconds: Number(opts.toleranceSeconds ?? 300),
		whitelist: whitelistOn ? parseWhitelist(entries.map((entry) => entry.value ?? '')) : undefined,
		trustForwardedFor: opts.trustForwardedFor === true,
		siteUrl,
		events: selectedEvents(ctx),
	};
}
