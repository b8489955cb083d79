import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import type { TriggerSettings, Verdict } from '../../../core/triggers/delivery';
import { verifyBridge } from '../../../core/triggers/verifyBridge';
import { normalizeSiteUrl } from '../../../core/sites';
import { CREDENTIAL_TYPE, staticData } from '../transport/client';
import { triggerSettings } from '../transport/settings';
import { answer, claimAndStart, incoming } from './respond';
import { handleWooWebhook } from './wooWebhook';

/** The site the webhook was registered on; the credential only for a registration older than that record. */
async function siteUrlOf(ctx: IWebhookFunctions): Promise<string> {
	return staticData(ctx).siteUrl ?? String((await ctx.getCredentials(CREDENTIAL_TYPE)).url ?? '');
}

async function settingsOf(ctx: IWebhookFunctions): Promise<TriggerSettings | string> {
	const siteUrl = await siteUrlOf(ctx);
	try {
		return triggerSettings(ctx, normalizeSiteUrl(siteUrl));
	} catch (error) {
		return (error as Error).message;
	}
}

/**
 * Every check runs before anything executes: whitelist (403), signature (401), timestamp (401), body (400),
 * then the atomic dedupe claim (a replay answers 200 `{ duplicate: true }`). Only a new, valid event runs.
 */
export async function handleWebhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const settings = await settingsOf(this);
	if (typeof settings === 'string')
		return answer(this, 500, { error: `Trigger misconfigured: ${settings}` });
	// WooCommerce pings while the webhook is being registered, before the secret is stored: see wooWebhook.ts.
	if (settings.source === 'woocommerce')
		return handleWooWebhook(this, settings, await incoming(this));
	if (settings.secrets.length === 0)
		return answer(this, 401, { error: 'No signing secret: activate the workflow first' });
	const request = await incoming(this);
	const verdict: Verdict = verifyBridge(request, settings);
	if (verdict.kind === 'reject') return answer(this, verdict.status, { error: verdict.message });
	if (verdict.kind === 'ignore') return answer(this, 200, verdict.body);
	return claimAndStart(this, verdict);
}
