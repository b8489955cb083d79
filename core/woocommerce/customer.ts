import { createHash } from 'node:crypto';
import { z } from 'zod';
import { META_SYNC_ID } from '../schemas/syncUser';
import { describeZodError } from '../schemas/validationMessage';
import type { ParseResult } from '../schemas/syncEvent';
import { BILLING_FIELDS, SHIPPING_FIELDS, type WooAddress } from './userData';

/** WooCommerce's customer topics, as its webhooks name them. */
export const WOO_CUSTOMER_TOPICS = [
	'customer.created',
	'customer.updated',
	'customer.deleted',
] as const;
export type WooCustomerTopic = (typeof WOO_CUSTOMER_TOPICS)[number];
export type WooTopicEvent = 'created' | 'updated' | 'deleted';

export function topicEvent(topic: WooCustomerTopic): WooTopicEvent {
	return topic.slice('customer.'.length) as WooTopicEvent;
}

const address = (fields: readonly string[]) =>
	z
		.object(Object.fromEntries(fields.map((field) => [field, z.string().max(1000).optional()])))
		.strip()
		.optional();

/**
 * WooCommerce 7.9's REST v3 customer resource, as its webhooks deliver it (the payload is built at delivery time
 * with `/wc/v3/customers/<id>`). `date_modified(_gmt)` is null for users created outside WooCommerce and never
 * updated since; `meta_data` is a list of `{ id, key, value }` holding every unprotected user meta, values of any
 * shape (it is read for the HarmonyUser sync id only, and never copied into an event).
 */
export const wooCustomerSchema = z
	.object({
		id: z.number().int().positive(),
		email: z.string().max(100),
		username: z.string().max(60),
		first_name: z.string().optional(),
		last_name: z.string().optional(),
		role: z.string().optional(),
		date_created_gmt: z.string().nullable().optional(),
		date_modified_gmt: z.string().nullable().optional(),
		billing: address(BILLING_FIELDS),
		shipping: address(SHIPPING_FIELDS),
		is_paying_customer: z.boolean().optional(),
		meta_data: z.array(z.object({ key: z.string(), value: z.unknown() }).passthrough()).optional(),
	})
	.strip();

export type WooCustomer = z.infer<typeof wooCustomerSchema>;

/** A delete carries only the id: WooCommerce sends `{ "id": <customer id> }` (and only for the customer role). */
export const wooDeletedSchema = z.object({ id: z.number().int().positive() }).strip();

export function parseWooCustomer(json: unknown): ParseResult<WooCustomer> {
	const result = wooCustomerSchema.safeParse(json);
	return result.success
		? { ok: true, value: result.data }
		: { ok: false, error: describeZodError(result.error, 'WooCommerce customer') };
}

export function parseWooDeleted(json: unknown): ParseResult<{ id: number }> {
	const result = wooDeletedSchema.safeParse(json);
	return result.success
		? { ok: true, value: result.data }
		: { ok: false, error: describeZodError(result.error, 'WooCommerce customer') };
}

/**
 * WooCommerce's signed error body: a delivery whose payload could not be built, e.g.
 * `{"code":"woocommerce_rest_invalid_id","message":"Invalid resource ID.","data":{"status":404}}` when the customer
 * was deleted before Action Scheduler ran the delivery. It names no customer, so it starts nothing.
 */
export function wooErrorBody(json: unknown): { code: string; message: string } | undefined {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
	const body = json as Record<string, unknown>;
	if (typeof body.code !== 'string' || 'id' in body) return undefined;
	return { code: body.code, message: typeof body.message === 'string' ? body.message : '' };
}

/** WooCommerce's `*_gmt` dates have no offset ("2017-03-21T19:02:28"): they are UTC. */
export function wooGmtToIso(value: string | null | undefined): string | undefined {
	if (!value) return undefined;
	const withZone = /(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
	const time = Date.parse(withZone);
	return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** The customer's HarmonyUser sync id, when the shop runs the bridge plugin (its meta is in `meta_data`). */
export function wooSyncId(customer: WooCustomer): string | undefined {
	const entry = customer.meta_data?.find((meta) => meta.key === META_SYNC_ID);
	return typeof entry?.value === 'string' && entry.value.trim() !== ''
		? entry.value.trim()
		: undefined;
}

function addressOf(
	value: WooAddress | undefined,
	fields: readonly string[],
): Record<string, string> {
	return Object.fromEntries(fields.map((field) => [field, value?.[field] ?? '']));
}

/**
 * What a sync event carries of a customer, in a fixed order: two deliveries with the same fingerprint say the
 * same thing to other sites. Dates, avatar, links and `meta_data` (whose application-password entries change on
 * every API call) are left out, so WooCommerce's identical created/updated pair, or a listing of an unchanged
 * customer, fingerprint alike.
 */
export function customerFingerprint(customer: WooCustomer): string {
	const content = [
		customer.id,
		customer.username,
		customer.email.toLowerCase(),
		customer.first_name ?? '',
		customer.last_name ?? '',
		customer.role ?? '',
		wooSyncId(customer) ?? '',
		addressOf(customer.billing, BILLING_FIELDS),
		addressOf(customer.shipping, SHIPPING_FIELDS),
	];
	return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** The customer's last change (shop clock, ISO), or undefined for a user never changed through WooCommerce. */
export function customerModified(customer: WooCustomer): string | undefined {
	return wooGmtToIso(customer.date_modified_gmt) ?? wooGmtToIso(customer.date_created_gmt);
}
