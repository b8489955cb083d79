import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { claimAll } from '../../../core/dedupe/types';
import type { IncomingDelivery, Verdict } from '../../../core/triggers/delivery';
import { dedupeStore, nodeScope } from '../transport/dedupe';

/** Answers the request itself and starts nothing: every answer that runs no workflow goes through here. */
export function answer(
	ctx: IWebhookFunctions,
	status: number,
	body: Record<string, unknown>,
): IWebhookResponseData {
	const res = ctx.getResponseObject();
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify(body));
	return { noWebhookResponse: true };
}

/** The exact bytes received: n8n keeps them as `rawBody` beside the parsed body. */
export async function incoming(ctx: IWebhookFunctions): Promise<IncomingDelivery> {
	const req = ctx.getRequestObject();
	if (!Buffer.isBuffer(req.rawBody) && typeof req.readRawBody === 'function')
		await req.readRawBody();
	const rawBody = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
	return { headers: req.headers, rawBody, remoteAddress: req.socket?.remoteAddress };
}

/**
 * The last step of an accepted bridge delivery: the atomic dedupe claim (a replay answers 200 `{ duplicate: true }`),
 * then the event starts the workflow.
 */
export async function claimAndStart(
	ctx: IWebhookFunctions,
	verdict: Extract<Verdict, { kind: 'accept' }>,
): Promise<IWebhookResponseData> {
	const scope = nodeScope(ctx);
	const fresh = await dedupeStore(ctx)
		.then(({ store, retentionMs }) => claimAll(store, scope, verdict.dedupeKeys, retentionMs))
		.then(
			(value) => ({ value }),
			(error: Error) => ({ error }),
		);
	// The sender retries on 5xx, so a dedupe store that is down loses nothing.
	if ('error' in fresh)
		return answer(ctx, 503, { error: `Dedupe store unavailable: ${fresh.error.message}` });
	if (!fresh.value) return answer(ctx, 200, { duplicate: true });
	return { workflowData: [[{ json: verdict.event as unknown as IDataObject }]] };
}
