import type { WooCustomerRecord } from '../dedupe/wooCustomerMap';
import { normalizeSiteUrl } from '../sites';
import { parseSyncEvent, type SyncEvent, type SyncEventInput } from '../schemas/syncEvent';
import {
	customerFingerprint,
	customerModified,
	wooSyncId,
	type WooCustomer,
	type WooTopicEvent,
} from '../woocommerce/customer';

const ACTIONS = { created: 'create', updated: 'update', deleted: 'delete' } as const;

/** What the trigger emits: a valid sync event, or (for a signed customer no sync event can describe) the raw input,
 * which the User Sync node then fails as `invalid_event` with the reason, so nothing is dropped unseen. */
export type WooEventItem =
	| { ok: true; event: SyncEvent }
	| { ok: false; input: SyncEventInput; error: string };

function shopHost(shop: string): string {
	return new URL(shop).hostname.replace(/[^a-z0-9.-]/gi, '') || 'shop';
}

/**
 * The event id of one customer change: the shop, the customer, the event and the content's fingerprint. The
 * same change reported twice (WooCommerce's created/updated pair, a delivery and a catch-up) has the same id;
 * distinct changes never do — WooCommerce's own X-WC-Webhook-Delivery-ID repeats within a second.
 */
export function wooEventId(
	shop: string,
	customerId: number,
	event: WooTopicEvent,
	fingerprint: string,
): string {
	return `woo:${shopHost(shop)}:${customerId}:${event}${fingerprint ? `:${fingerprint.slice(0, 20)}` : ''}`;
}

function finish(input: SyncEventInput): WooEventItem {
	const parsed = parseSyncEvent(input);
	return parsed.ok ? { ok: true, event: parsed.value } : { ok: false, input, error: parsed.error };
}

/**
 * A WooCommerce customer (a created/updated delivery, or a catch-up listing) as a sync event: login, email,
 * names, role, the HarmonyUser sync id when the shop runs the bridge, and `woo` — the customer id, billing and
 * shipping (shipping.phone included) and the read-only paying-customer flag. meta_data is never copied: it holds
 * every unprotected meta of the user, application-password records included.
 */
export function customerEvent(
	event: 'created' | 'updated',
	customer: WooCustomer,
	shopUrl: string,
	now = new Date(),
	ip?: string,
): WooEventItem {
	const shop = normalizeSiteUrl(shopUrl);
	return finish({
		id: wooEventId(shop, customer.id, event, customerFingerprint(customer)),
		action: ACTIONS[event],
		event: event === 'created' ? 'user.created' : 'user.updated',
		time: customerModified(customer) ?? now.toISOString(),
		source: { url: shop, ip },
		path: [shop],
		user: {
			login: customer.username,
			email: customer.email,
			firstName: customer.first_name,
			lastName: customer.last_name,
			roles: customer.role ? [customer.role] : [],
			syncId: wooSyncId(customer),
			sourceId: customer.id,
			woo: {
				customerId: customer.id,
				...(customer.billing && { billing: customer.billing }),
				...(customer.shipping && { shipping: customer.shipping }),
				isPayingCustomer: customer.is_paying_customer,
			},
		},
	});
}

/**
 * A deleted customer. WooCommerce sends `{ "id": N }` only, so the user is named from what the trigger remembered
 * of customer N (`known`). A customer it never saw gets placeholders under the reserved `.invalid` domain and
 * `woo.unidentified`: the User Sync node reports it (`unidentified_user`) without looking anyone up.
 */
export function deleteEvent(
	customerId: number,
	known: WooCustomerRecord | undefined,
	shopUrl: string,
	now = new Date(),
	ip?: string,
): WooEventItem {
	const shop = normalizeSiteUrl(shopUrl);
	const identified = known !== undefined && known.login !== '' && known.email !== '';
	const placeholder = `wc-customer-${customerId}`;
	return finish({
		id: wooEventId(shop, customerId, 'deleted', ''),
		action: 'delete',
		event: 'user.deleted',
		time: now.toISOString(),
		source: { url: shop, ip },
		path: [shop],
		user: identified
			? {
					login: known.login,
					email: known.email,
					syncId: known.syncId,
					// WooCommerce sends deletes for the customer role only; a catch-up delete keeps the role it saw.
					roles: [known.role || 'customer'],
					sourceId: customerId,
					woo: { customerId },
				}
			: {
					login: placeholder,
					email: `${placeholder}@${shopHost(shop)}.invalid`,
					roles: ['customer'],
					sourceId: customerId,
					woo: { customerId, unidentified: true },
				},
	});
}

/** What the map remembers of a customer change (identity, fingerprint, modification time). */
export function customerRecord(
	event: 'created' | 'updated',
	customer: WooCustomer,
): WooCustomerRecord {
	return {
		customerId: customer.id,
		login: customer.username,
		email: customer.email,
		syncId: wooSyncId(customer),
		role: customer.role || undefined,
		fingerprint: customerFingerprint(customer),
		modified: customerModified(customer),
		topic: event,
	};
}
