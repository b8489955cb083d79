import { randomBytes } from 'node:crypto';
import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { WooCustomerMap } from '../../../core/dedupe/wooCustomerMap';
import { CATCH_UP_STATE } from '../../../core/woocommerce/catchUp';
import { checkDeliveryUrl } from '../../../core/woocommerce/deliverability';
import type { WordPressClient } from '../../../core/wordpress/client';
import { WordPressApiError } from '../../../core/wordpress/errors';
import { clearStaticData, hookError, sameSet, siteClient, staticData } from './client';
import { nodeScope, wooCustomerMap } from './dedupe';
import { options, selectedEvents } from './settings';

const ROUTE = '/wc/v3/webhooks';
/** How often a delivery may check that WooCommerce has not disabled one of the node's webhooks. */
const HEALTH_CHECK_EVERY_MS = 60_000;
const HEALTH_STATE = 'health_checked_at';

/** The fields of WooCommerce's webhook resource this node reads. */
interface WooWebhook {
	id: number;
	topic: string;
	delivery_url: string;
	status: string;
}

type Context = IHookFunctions | IWebhookFunctions;

export function catchUpEnabled(ctx: Context): boolean {
	return options(ctx).catchUp !== false;
}

async function listWebhooks(client: WordPressClient): Promise<WooWebhook[]> {
	const response = await client.request<WooWebhook[]>({
		method: 'GET',
		path: ROUTE,
		params: { per_page: 100, status: 'all' },
	});
	return Array.isArray(response.data) ? response.data : [];
}

async function webhooks(ctx: IHookFunctions): Promise<WooWebhook[]> {
	return listWebhooks(await siteClient(ctx)).catch(
		hookError(
			ctx,
			'list the WooCommerce webhooks (is WooCommerce active, and the user a shop manager?)',
		),
	);
}

/** Marks a catch-up due: the next delivery (or WooCommerce's ping) lists what changed while nothing was received. */
async function markCatchUp(ctx: Context, map?: WooCustomerMap): Promise<void> {
	if (!catchUpEnabled(ctx)) return;
	try {
		await (map ?? (await wooCustomerMap(ctx))).setState(nodeScope(ctx), CATCH_UP_STATE, 'due');
	} catch (error) {
		ctx.logger.warn(
			`HarmonyUser Sync Trigger: could not mark a WooCommerce catch-up due: ${(error as Error).message}`,
		);
	}
}

/**
 * Registered when every selected topic has its stored webhook to this URL, ACTIVE, and the secret is known. A
 * webhook WooCommerce disabled (more than 5 failed deliveries) or someone paused counts as missing: n8n then calls
 * create, which registers it anew. Either way deliveries may have been missed while n8n was away (this runs at
 * activation and at every start of n8n), so a catch-up is due.
 */
export async function wooCheckExists(this: IHookFunctions): Promise<boolean> {
	const data = staticData(this);
	const stored = data.wooWebhooks ?? {};
	if (!data.secret || !sameSet(Object.keys(stored), selectedEvents(this))) return false;
	const overridden = String(options(this).signingSecret ?? '');
	if (overridden && overridden !== data.secret) return false;
	const url = this.getNodeWebhookUrl('default');
	const existing = await webhooks(this);
	const active = Object.entries(stored).every(([topic, id]) =>
		existing.some(
			(hook) =>
				hook.id === id &&
				hook.topic === topic &&
				hook.delivery_url === url &&
				hook.status === 'active',
		),
	);
	await markCatchUp(this);
	return active;
}

/** The shop's `home` URL (what WordPress compares a delivery URL's host with); the credential's URL if unreadable. */
async function shopHome(client: WordPressClient): Promise<string> {
	const index = await client
		.request<{ home?: unknown }>({ method: 'GET', path: '/', params: { _fields: 'home' } })
		.catch(() => undefined);
	return typeof index?.data?.home === 'string' ? index.data.home : client.site;
}

/**
 * Registers one webhook per topic. Refuses a delivery URL WooCommerce will not call (it would register it and
 * fail every delivery silently). Webhooks already pointing at this URL are replaced, which also resets
 * WooCommerce's failure count of a disabled one (re-enabling keeps it, so one more failure would disable it
 * again). The secret is kept across re-registrations, so deliveries already on their way still verify.
 */
export async function wooCreate(this: IHookFunctions): Promise<boolean> {
	const url = this.getNodeWebhookUrl('default') as string;
	const client = await siteClient(this);
	if (options(this).checkDeliveryUrl !== false) {
		const check = await checkDeliveryUrl(url, await shopHome(client));
		if (!check.ok) throw new NodeOperationError(this.getNode(), check.message);
	}
	// Before registering: WooCommerce pings each new webhook, and the ping runs the catch-up (the first: a baseline).
	await markCatchUp(this);
	for (const stale of (await webhooks(this)).filter((hook) => hook.delivery_url === url))
		await deleteWebhook(this, stale.id);
	const data = staticData(this);
	const secret =
		String(options(this).signingSecret ?? '') || data.secret || randomBytes(32).toString('hex');
	const created: Record<string, number> = {};
	for (const topic of selectedEvents(this)) {
		const response = await client
			.request<WooWebhook>({
				method: 'POST',
				path: ROUTE,
				data: {
					name: `n8n HarmonyUser Sync (${topic})`,
					topic,
					delivery_url: url,
					secret,
					status: 'active',
				},
			})
			.catch(hookError(this, `create the WooCommerce ${topic} webhook`));
		created[topic] = response.data.id;
	}
	Object.assign(data, { wooWebhooks: created, secret, siteUrl: client.site });
	return true;
}

export async function wooDelete(this: IHookFunctions): Promise<boolean> {
	for (const id of Object.values(staticData(this).wooWebhooks ?? {})) await deleteWebhook(this, id);
	// The customer map is kept: n8n also deactivates and re-activates a workflow when it is saved.
	clearStaticData(this);
	return true;
}

async function deleteWebhook(ctx: IHookFunctions, id: number): Promise<void> {
	const client = await siteClient(ctx);
	await client.request({ method: 'DELETE', path: `${ROUTE}/${id}`, params: { force: true } }).then(
		() => undefined,
		(error: Error) =>
			error instanceof WordPressApiError && error.status === 404
				? undefined
				: hookError(ctx, 'delete a WooCommerce webhook')(error),
	);
}

/**
 * From a delivery, at most once a minute: one of the node's webhooks may have been disabled by WooCommerce (more
 * than 5 failed deliveries) while another still delivers. A disabled or paused one is re-enabled, a missing one
 * re-created, and a catch-up marked due for what it missed. A node whose webhooks are ALL disabled receives
 * nothing to run this: n8n's next start (checkExists) or re-activation repairs it.
 */
export async function checkWooWebhooks(
	ctx: IWebhookFunctions,
	map: WooCustomerMap,
	scope: string,
): Promise<void> {
	const data = staticData(ctx);
	const stored = data.wooWebhooks ?? {};
	if (!data.secret || !Object.keys(stored).length) return;
	const last = Number((await map.getState(scope, HEALTH_STATE)) ?? 0);
	if (Date.now() - last < HEALTH_CHECK_EVERY_MS) return;
	await map.setState(scope, HEALTH_STATE, String(Date.now()));
	const client = await siteClient(ctx);
	const url = ctx.getNodeWebhookUrl('default') as string;
	const existing = await listWebhooks(client);
	let repaired = false;
	for (const [topic, id] of Object.entries(stored)) {
		const hook = existing.find((candidate) => candidate.id === id);
		if (hook && hook.status === 'active' && hook.delivery_url === url) continue;
		repaired = true;
		if (hook) {
			await client.request({
				method: 'PUT',
				path: `${ROUTE}/${id}`,
				data: { status: 'active', delivery_url: url },
			});
		} else {
			const response = await client.request<WooWebhook>({
				method: 'POST',
				path: ROUTE,
				data: {
					name: `n8n HarmonyUser Sync (${topic})`,
					topic,
					delivery_url: url,
					secret: data.secret,
					status: 'active',
				},
			});
			stored[topic] = response.data.id;
		}
		ctx.logger.warn(
			`HarmonyUser Sync Trigger: the WooCommerce ${topic} webhook was ${hook ? hook.status : 'gone'}: ${hook ? 're-enabled' : 're-created'}`,
		);
	}
	if (repaired) await markCatchUp(ctx, map);
}
