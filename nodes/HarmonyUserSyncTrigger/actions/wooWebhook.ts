import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import type { WooCustomerMap } from '../../../core/dedupe/wooCustomerMap';
import type { IncomingDelivery, TriggerSettings } from '../../../core/triggers/delivery';
import { verifyWoo, type WooDelivery } from '../../../core/triggers/verifyWoo';
import {
	customerEvent,
	customerRecord,
	deleteEvent,
	type WooEventItem,
} from '../../../core/triggers/wooEvent';
import { CATCH_UP_LEASE_MS, CATCH_UP_STATE, catchUp } from '../../../core/woocommerce/catchUp';
import { nodeScope, wooCustomerMap } from '../transport/dedupe';
import { catchUpEnabled, checkWooWebhooks } from '../transport/wooHooks';
import { siteClient } from '../transport/client';

function respond(ctx: IWebhookFunctions, status: number, body: Record<string, unknown>): void {
	const res = ctx.getResponseObject();
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify(body));
}

/** An event item: a valid sync event, or the input no sync event can hold (the User Sync node fails it, visibly). */
function itemJson(item: WooEventItem): IDataObject {
	return (item.ok ? item.event : item.input) as unknown as IDataObject;
}

/**
 * Claims a delivery in the customer map and builds its event. When the store cannot be reached the delivery is
 * accepted anyway: WooCommerce never retries, so refusing would lose it for good. Repeats then reach the User
 * Sync node, whose writes only change what differs (a repeated create or update finds the target equal:
 * `unchanged`); a delete cannot be named without the map and is reported `unidentified_user`.
 */
async function claim(
	ctx: IWebhookFunctions,
	scope: string,
	delivery: WooDelivery,
	shop: string,
): Promise<{ item?: WooEventItem; body: Record<string, unknown> }> {
	let storeError: Error | undefined;
	const unavailable = (error: Error) => {
		storeError = error;
		ctx.logger.warn(
			`HarmonyUser Sync Trigger: the dedupe store is unavailable, WooCommerce delivery accepted without dedupe: ${error.message}`,
		);
	};
	const map: WooCustomerMap | undefined = await wooCustomerMap(ctx).catch((error: Error) => {
		unavailable(error);
		return undefined;
	});
	const now = new Date();
	let item: WooEventItem;
	if (delivery.kind === 'customer') {
		const outcome = map
			? await map
					.claimCustomer(scope, customerRecord(delivery.event, delivery.customer), now.getTime())
					.catch((error: Error) => {
						unavailable(error);
						return 'fresh' as const;
					})
			: 'fresh';
		if (outcome !== 'fresh') return { body: { [outcome]: true } };
		item = customerEvent(delivery.event, delivery.customer, shop, now, delivery.ip);
	} else {
		const claimed = map
			? await map.claimDelete(scope, delivery.customerId, now.getTime()).catch((error: Error) => {
					unavailable(error);
					return { outcome: 'fresh' as const, known: undefined };
				})
			: { outcome: 'fresh' as const, known: undefined };
		if (claimed.outcome !== 'fresh') return { body: { duplicate: true } };
		item = deleteEvent(delivery.customerId, claimed.known, shop, now, delivery.ip);
	}
	return { item, body: { accepted: true, ...(storeError && { dedupe: 'unavailable' }) } };
}

/**
 * After a gap (activation, a restart, a webhook WooCommerce disabled): the catch-up lists the shop's customers and
 * returns the changes the trigger never received. One process runs it (a lease in the store); a failed catch-up
 * stays due and runs again with the next delivery.
 */
async function caughtUp(
	ctx: IWebhookFunctions,
	scope: string,
	settings: TriggerSettings,
): Promise<WooEventItem[]> {
	if (!catchUpEnabled(ctx)) return [];
	const map = await wooCustomerMap(ctx).catch(() => undefined);
	if (!map) return [];
	await checkWooWebhooks(ctx, map, scope).catch((error: Error) =>
		ctx.logger.warn(
			`HarmonyUser Sync Trigger: could not check the WooCommerce webhooks: ${error.message}`,
		),
	);
	if (!(await map.takeState(scope, CATCH_UP_STATE, 'due', CATCH_UP_LEASE_MS).catch(() => false)))
		return [];
	try {
		const result = await catchUp(await siteClient(ctx), map, {
			scope,
			shopUrl: settings.siteUrl,
			topics: settings.events,
		});
		await map.clearState(scope, CATCH_UP_STATE, 'running');
		ctx.logger.info(
			`HarmonyUser Sync Trigger: WooCommerce catch-up listed ${result.listed} customers: ${result.baseline ? 'baseline taken' : `${result.items.length} missed changes`}`,
		);
		return result.items;
	} catch (error) {
		await map.setState(scope, CATCH_UP_STATE, 'due').catch(() => undefined);
		ctx.logger.warn(
			`HarmonyUser Sync Trigger: WooCommerce catch-up failed, it runs again with the next delivery: ${(error as Error).message}`,
		);
		return [];
	}
}

/**
 * A WooCommerce delivery: verified, claimed, answered at once (WooCommerce waits for the answer, a catch-up must
 * not delay it), then any due catch-up. Every signed body answers 2xx: WooCommerce disables a webhook after more
 * than 5 failed deliveries in a row and never retries one.
 */
export async function handleWooWebhook(
	ctx: IWebhookFunctions,
	settings: TriggerSettings,
	request: IncomingDelivery,
): Promise<IWebhookResponseData> {
	const verdict = verifyWoo(request, settings);
	if (verdict.kind === 'reject') {
		respond(ctx, verdict.status, { error: verdict.message });
		return { noWebhookResponse: true };
	}
	if (verdict.kind === 'ignore') {
		respond(ctx, verdict.status, verdict.body);
		return { noWebhookResponse: true };
	}
	const scope = nodeScope(ctx);
	const items: WooEventItem[] = [];
	if (verdict.kind === 'ping') {
		respond(ctx, 200, { ping: true });
	} else {
		const claimed = await claim(ctx, scope, verdict.delivery, settings.siteUrl);
		if (claimed.item) items.push(claimed.item);
		respond(ctx, 200, claimed.body);
	}
	items.push(...(await caughtUp(ctx, scope, settings)));
	if (!items.length) return { noWebhookResponse: true };
	return {
		noWebhookResponse: true,
		workflowData: [items.map((item) => ({ json: itemJson(item) }))],
	};
}
