import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { claimAll } from '../../../core/dedupe/types';
import type { IncomingDelivery, TriggerSettings, Verdict } from '../../../core/triggers/delivery';
import { verifyBridge } from '../../../core/triggers/verifyBridge';
import { normalizeSiteUrl } from '../../../core/sites';
import { CREDENTIAL_TYPE, staticData } from '../transport/client';
import { dedupeStore, nodeScope } from '../transport/dedupe';
import { triggerSettings } from '../transport/settings';
import { handleWooWebhook } from './wooWebhook';

/** Answers the request itself and starts nothing: every answer that runs no workflow goes through here. */
function answer(ctx: IWebhookFunctions, status: number, body: Record<string, unknown>): IWebhookResponseData {
	const res = ctx.getResponseObject();
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify(body));
	return { noWebhookResponse: true };
}

/** The exact bytes received: n8n keeps them as `rawBody` beside the parsed body. */
async function incoming(ctx: IWebhookFunctions): Promise<IncomingDelivery> {
	const req = ctx.getRequestObject();
	if (!Buffer.isBuffer(req.rawBody) && typeof req.readRawBody === 'function') await req.readRawBody();
	const rawBody = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
	return { headers: req.headers, rawBody, remoteAddress: req.socket?.remoteAddress };
}

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
	if (typeof settings === 'string') return answer(this, 500, { error: `Trigger misconfigured: ${settings}` });
	// WooCommerce pings while the webhook is being registered, before the secret is stored: see wooWebhook.ts.
	if (settings.source === 'woocommerce') return handleWooWebhook(this, settings, await incoming(this));
	if (settings.secrets.length === 0) return answer(this, 401, { error: 'No signing secret: activate the workflow first' });
	const request = await incoming(this);
	const verdict: Verdict = verifyBridge(request, settings);
	if (verdict.kind === 'reject') return answer(this, verdict.status, { error: verdict.message });
	if (verdict.kind === 'ignore') return answer(this, 200, verdict.body);
	const scope = nodeScope(this);
	const fresh = await dedupeStore(this)
		.then(({ store, retentionMs }) => claimAll(store, scope, verdict.dedupeKeys, retentionMs))
		.then(
			(value) => ({ value }),
			(error: Error) => ({ error }),
		);
	// The sender retries on 5xx, so a dedupe store that is down loses nothing.
	if ('error' in fresh) return answer(this, 503, { error: `Dedupe store unavailable: ${fresh.error.message}` });
	if (!fresh.value) return answer(this, 200, { duplicate: true });
	return { workflowData: [[{ json: verdict.event as unknown as IDataObject }]] };
}
