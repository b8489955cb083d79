import { randomBytes } from 'node:crypto';
import type { IHookFunctions } from 'n8n-workflow';
import { WordPressApiError } from '../../../core/wordpress/errors';
import { clearStaticData, hookError, sameSet, siteClient, staticData } from './client';
import { options, selectedEvents } from './settings';

const ROUTE = '/harmonyuser/v1/webhooks';

interface BridgeSubscription {
	id: string;
	url: string;
	events: string[];
}

async function subscriptions(ctx: IHookFunctions): Promise<BridgeSubscription[]> {
	const client = await siteClient(ctx);
	const response = await client
		.request<BridgeSubscription[]>({ method: 'GET', path: ROUTE })
		.catch(
			hookError(
				ctx,
				'list the bridge plugin’s webhooks (is the HarmonyUser Sync Bridge plugin active?)',
			),
		);
	return Array.isArray(response.data) ? response.data : [];
}

/** Registered when the stored subscription still exists with this URL and these events, and the secret is known. */
export async function bridgeCheckExists(this: IHookFunctions): Promise<boolean> {
	const data = staticData(this);
	if (!data.webhookId || !data.secret) return false;
	const overridden = String(options(this).signingSecret ?? '');
	if (overridden && overridden !== data.secret) return false;
	const url = this.getNodeWebhookUrl('default');
	const hook = (await subscriptions(this)).find((candidate) => candidate.id === data.webhookId);
	return hook !== undefined && hook.url === url && sameSet(hook.events, selectedEvents(this));
}

export async function bridgeCreate(this: IHookFunctions): Promise<boolean> {
	const url = this.getNodeWebhookUrl('default') as string;
	const client = await siteClient(this);
	// Subscriptions to this URL whose secret is unknown (an earlier activation's) would only deliver 401s.
	for (const stale of (await subscriptions(this)).filter((hook) => hook.url === url)) {
		await deleteSubscription(this, stale.id);
	}
	const secret = String(options(this).signingSecret ?? '') || randomBytes(32).toString('hex');
	const response = await client
		.request<BridgeSubscription>({
			method: 'POST',
			path: ROUTE,
			data: { url, secret, events: selectedEvents(this) },
		})
		.catch(hookError(this, 'register the webhook with the bridge plugin'));
	Object.assign(staticData(this), { webhookId: response.data.id, secret, siteUrl: client.site });
	return true;
}

export async function bridgeDelete(this: IHookFunctions): Promise<boolean> {
	const { webhookId } = staticData(this);
	if (webhookId) await deleteSubscription(this, webhookId);
	clearStaticData(this);
	return true;
}

/** Deletes one subscription; one already gone (404) is what was wanted. */
async function deleteSubscription(ctx: IHookFunctions, id: string): Promise<void> {
	const client = await siteClient(ctx);
	await client.request({ method: 'DELETE', path: `${ROUTE}/${encodeURIComponent(id)}` }).then(
		() => undefined,
		(error: Error) =>
			error instanceof WordPressApiError && error.status === 404
				? undefined
				: hookError(ctx, 'delete the bridge webhook')(error),
	);
}
