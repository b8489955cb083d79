import { randomBytes } from 'node:crypto';
import type { IHookFunctions } from 'n8n-workflow';
import { WordPressApiError } from '../../../core/wordpress/errors';
import { clearStaticData, hookError, sameSet, siteClient, staticData } from './client';
import { options, selectedEvents } from './settings';

const ROUTE = '/wc/v3/webhooks';

/** The fields of WooCommerce's webhook resource this node reads. */
interface WooWebhook {
	id: number;
	topic: string;
	delivery_url: string;
	status: string;
}

async function webhooks(ctx: IHookFunctions): Promise<WooWebhook[]> {
	const client = await siteClient(ctx);
	const response = await client
		.request<WooWebhook[]>({ method: 'GET', path: ROUTE, params: { per_page: 100 } })
		.catch(hookError(ctx, 'list the WooCommerce webhooks (is WooCommerce active, and the user a shop manager?)'));
	return Array.isArray(response.data) ? response.data : [];
}

/** Registered when every selected topic has its stored, active webhook to this URL, and the secret is known. */
export async function wooCheckExists(this: IHookFunctions): Promise<boolean> {
	const data = staticData(this);
	const stored = data.wooWebhooks ?? {};
	if (!data.secret || !sameSet(Object.keys(stored), selectedEvents(this))) return false;
	const overridden = String(options(this).signingSecret ?? '');
	if (overridden && overridden !== data.secret) return false;
	const url = this.getNodeWebhookUrl('default');
	const existing = await webhooks(this);
	return Object.entries(stored).every(([topic, id]) =>
		existing.some((hook) => hook.id === id && hook.topic === topic && hook.delivery_url === url && hook.status === 'active'),
	);
}

export async function wooCreate(this: IHookFunctions): Promise<boolean> {
	const url = this.getNodeWebhookUrl('default') as string;
	const client = await siteClient(this);
	for (const stale of (await webhooks(this)).filter((hook) => hook.delivery_url === url)) await deleteWebhook(this, stale.id);
	const secret = String(options(this).signingSecret ?? '') || randomBytes(32).toString('hex');
	const created: Record<string, number> = {};
	for (const topic of selectedEvents(this)) {
		const response = await client
			.request<WooWebhook>({
				method: 'POST',
				path: ROUTE,
				data: { name: `n8n HarmonyUser Sync (${topic})`, topic, delivery_url: url, secret, status: 'active' },
			})
			.catch(hookError(this, `create the WooCommerce ${topic} webhook`));
		created[topic] = response.data.id;
	}
	Object.assign(staticData(this), { wooWebhooks: created, secret, siteUrl: client.site });
	return true;
}

export async function wooDelete(this: IHookFunctions): Promise<boolean> {
	for (const id of Object.values(staticData(this).wooWebhooks ?? {})) await deleteWebhook(this, id);
	clearStaticData(this);
	return true;
}

async function deleteWebhook(ctx: IHookFunctions, id: number): Promise<void> {
	const client = await siteClient(ctx);
	await client.request({ method: 'DELETE', path: `${ROUTE}/${id}`, params: { force: true } }).then(
		() => undefined,
		(error: Error) => (error instanceof WordPressApiError && error.status === 404 ? undefined : hookError(ctx, 'delete a WooCommerce webhook')(error)),
	);
}
