import { normalizeSiteUrl } from '../sites';
import { parseSyncEvent, type ParseResult, type SyncEvent, type SyncEventInput } from '../schemas/syncEvent';
import { wooGmtToIso, type WooCustomer, type WooCustomerTopic } from './wooCustomer';

const EVENTS = {
	'customer.created': { action: 'create', event: 'user.created' },
	'customer.updated': { action: 'update', event: 'user.updated' },
	'customer.deleted': { action: 'delete', event: 'user.deleted' },
} as const;

export interface WooDelivery {
	topic: WooCustomerTopic;
	payload: WooCustomer | { id: number };
	deliveryId: string;
	/** The shop's URL: the site the webhook was registered on (never an unsigned header). */
	sourceUrl: string;
	now?: Date;
}

/**
 * A WooCommerce customer webhook as a sync event. A deleted customer arrives as `{ id }` only, so its user is
 * named by placeholders derived from the id (`wc-customer-<id>`, `wc-customer-<id>@<shop host>.invalid`):
 * the event says which WooCommerce customer went away, but cannot name the user on other sites.
 */
export function wooToSyncEvent(delivery: WooDelivery): ParseResult<SyncEvent> {
	const { topic, payload, sourceUrl } = delivery;
	const source = normalizeSiteUrl(sourceUrl);
	const { action, event } = EVENTS[topic];
	const customer = 'email' in payload ? (payload as WooCustomer) : undefined;
	const changed = wooGmtToIso(customer?.date_modified_gmt) ?? wooGmtToIso(customer?.date_created_gmt);
	const input: SyncEventInput = {
		id: delivery.deliveryId,
		action,
		event,
		time: changed ?? (delivery.now ?? new Date()).toISOString(),
		source: { url: source },
		path: [source],
		user: customer ? customerUser(customer) : deletedUser(payload.id, source),
	};
	return parseSyncEvent(input);
}

function customerUser(customer: WooCustomer): SyncEventInput['user'] {
	return {
		login: customer.username,
		email: customer.email,
		firstName: customer.first_name,
		lastName: customer.last_name,
		roles: customer.role ? [customer.role] : [],
		sourceId: customer.id,
	};
}

function deletedUser(id: number, source: string): SyncEventInput['user'] {
	const host = new URL(source).hostname.replace(/[^a-z0-9.-]/gi, '') || 'shop';
	return { login: `wc-customer-${id}`, email: `wc-customer-${id}@${host}.invalid`, sourceId: id };
}
