import type { WooCustomerMap, WooCustomerRecord } from '../dedupe/wooCustomerMap';
import {
	customerEvent,
	customerRecord,
	deleteEvent,
	type WooEventItem,
} from '../triggers/wooEvent';
import type { WordPressClient } from '../wordpress/client';
import { WordPressApiError } from '../wordpress/errors';
import { customerFingerprint, parseWooCustomer, type WooCustomer } from './customer';

const ROUTE = '/wc/v3/customers';
const PER_PAGE = 100;
const PARALLEL_PAGES = 4;

/** Store state names (per trigger node). */
export const CATCH_UP_STATE = 'catch_up';
export const BASELINE_STATE = 'baseline';
/** A catch-up that ran longer than this is taken as crashed, and another process may run it. */
export const CATCH_UP_LEASE_MS = 10 * 60 * 1000;

/**
 * Every user of the shop as WooCommerce's customer resource (`role=all`: WooCommerce's customer webhooks fire
 * for every role). WooCommerce 7.9 offers no "modified since" filter on customers, so a catch-up lists them all:
 * the first page tells how many follow, the rest go 4 at a time. Ordered by id, so the listing is stable.
 */
export async function listCustomers(client: WordPressClient): Promise<WooCustomer[]> {
	const page = async (n: number) =>
		client.request<unknown[]>({
			method: 'GET',
			path: ROUTE,
			params: { role: 'all', per_page: PER_PAGE, page: n, orderby: 'id', order: 'asc' },
		});
	const first = await page(1);
	const pages = Math.max(1, Number(first.headers['x-wp-totalpages'] ?? 1) || 1);
	const rest: unknown[][] = [];
	for (let start = 2; start <= pages; start += PARALLEL_PAGES) {
		const batch = Array.from({ length: Math.min(PARALLEL_PAGES, pages - start + 1) }, (_, i) =>
			page(start + i),
		);
		for (const reply of await Promise.all(batch))
			rest.push(Array.isArray(reply.data) ? reply.data : []);
	}
	const customers: WooCustomer[] = [];
	for (const item of [...(Array.isArray(first.data) ? first.data : []), ...rest.flat()]) {
		const parsed = parseWooCustomer(item);
		if (parsed.ok) customers.push(parsed.value);
	}
	return customers;
}

/** Whether the shop still has this customer (a listing by pages can miss one when users are deleted meanwhile). */
async function stillThere(client: WordPressClient, id: number): Promise<boolean> {
	try {
		await client.request({ method: 'GET', path: `${ROUTE}/${id}`, params: { _fields: 'id' } });
		return true;
	} catch (error) {
		// WooCommerce answers woocommerce_rest_invalid_id (400/404) for a user that no longer exists.
		if (error instanceof WordPressApiError && (error.status === 404 || error.status === 400))
			return false;
		return Promise.reject(error);
	}
}

export interface CatchUpOptions {
	scope: string;
	shopUrl: string;
	/** The WooCommerce topics the node listens for: a catch-up emits only those. */
	topics: string[];
	now?: Date;
}

export interface CatchUpResult {
	items: WooEventItem[];
	/** The first catch-up only records who is who (for later deletes) and emits nothing. */
	baseline: boolean;
	listed: number;
}

/**
 * Turns a gap in WooCommerce's deliveries into events: lists the shop's customers and compares them with what the
 * trigger accepted last (the customer map). A customer the map does not know is `created`, one whose content
 * differs is `updated`, a customer the map knows that the shop no longer has is `deleted` (named from the map:
 * this also covers users of other roles, whose deletes WooCommerce never sends). Each change is claimed in the
 * map like a delivery, so a real delivery of the same change, before or after, starts nothing more.
 */
export async function catchUp(
	client: WordPressClient,
	map: WooCustomerMap,
	options: CatchUpOptions,
): Promise<CatchUpResult> {
	const { scope, shopUrl, topics } = options;
	const now = options.now ?? new Date();
	const [customers, known] = await Promise.all([listCustomers(client), map.customers(scope)]);
	if ((await map.getState(scope, BASELINE_STATE)) !== 'taken') {
		await map.remember(
			scope,
			customers.map((customer) => customerRecord('updated', customer)),
			now.getTime(),
		);
		await map.setState(scope, BASELINE_STATE, 'taken', now.getTime());
		return { items: [], baseline: true, listed: customers.length };
	}
	const byId = new Map<number, WooCustomerRecord>(
		known.map((record) => [record.customerId, record]),
	);
	const items: WooEventItem[] = [];
	for (const customer of customers) {
		const previous = byId.get(customer.id);
		if (
			previous &&
			previous.topic !== 'deleted' &&
			previous.fingerprint === customerFingerprint(customer)
		)
			continue;
		const event = previous && previous.topic !== 'deleted' ? 'updated' : 'created';
		if (!topics.includes(`customer.${event}`)) continue;
		if (
			(await map.claimCustomer(scope, customerRecord(event, customer), now.getTime())) !== 'fresh'
		)
			continue;
		items.push(customerEvent(event, customer, shopUrl, now));
	}
	if (topics.includes('customer.deleted')) {
		const listed = new Set(customers.map((customer) => customer.id));
		for (const record of known) {
			if (record.topic === 'deleted' || listed.has(record.customerId)) continue;
			if (await stillThere(client, record.customerId)) continue;
			const claimed = await map.claimDelete(scope, record.customerId, now.getTime());
			if (claimed.outcome === 'fresh')
				items.push(deleteEvent(record.customerId, claimed.known ?? record, shopUrl, now));
		}
	}
	return { items, baseline: false, listed: customers.length };
}
