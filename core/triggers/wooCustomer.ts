import { z } from 'zod';
import { describeZodError } from '../schemas/validationMessage';
import type { ParseResult } from '../schemas/syncEvent';

/** WooCommerce's customer topics, as its webhooks name them. */
export const WOO_CUSTOMER_TOPICS = ['customer.created', 'customer.updated', 'customer.deleted'] as const;
export type WooCustomerTopic = (typeof WOO_CUSTOMER_TOPICS)[number];

/**
 * The fields of WooCommerce's documented customer resource (REST v3 "Customer properties") that map onto a
 * user. billing, shipping, is_paying_customer, avatar_url and meta_data are WooCommerce data: not synced.
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
	})
	.passthrough();

/** A delete carries only the id: WooCommerce sends `{ "id": <customer id> }` once the user is gone. */
export const wooDeletedSchema = z.object({ id: z.number().int().positive() }).passthrough();

export type WooCustomer = z.infer<typeof wooCustomerSchema>;

export function parseWooPayload(topic: WooCustomerTopic, json: unknown): ParseResult<WooCustomer | { id: number }> {
	const schema = topic === 'customer.deleted' ? wooDeletedSchema : wooCustomerSchema;
	const result = schema.safeParse(json);
	return result.success ? { ok: true, value: result.data } : { ok: false, error: describeZodError(result.error, 'WooCommerce customer') };
}

/** WooCommerce's `*_gmt` dates have no offset ("2017-03-21T19:02:28"): they are UTC. */
export function wooGmtToIso(value: string | null | undefined): string | undefined {
	if (!value) return undefined;
	const withZone = /(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
	const time = Date.parse(withZone);
	return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
