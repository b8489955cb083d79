import { z } from 'zod';

/** WooCommerce's billing address fields (REST v3 customer `billing`, user meta `billing_<field>`). */
export const BILLING_FIELDS = [
	'first_name',
	'last_name',
	'company',
	'address_1',
	'address_2',
	'city',
	'postcode',
	'country',
	'state',
	'email',
	'phone',
] as const;

/** WooCommerce's shipping address fields (REST v3 customer `shipping`, user meta `shipping_<field>`; phone since 5.6). */
export const SHIPPING_FIELDS = [
	'first_name',
	'last_name',
	'company',
	'address_1',
	'address_2',
	'city',
	'postcode',
	'country',
	'state',
	'phone',
] as const;

export type BillingField = (typeof BILLING_FIELDS)[number];
export type ShippingField = (typeof SHIPPING_FIELDS)[number];
export type WooAddressKind = 'billing' | 'shipping';

const value = z.string().max(1000);
const billingSchema = z
	.object(Object.fromEntries(BILLING_FIELDS.map((field) => [field, value.optional()])))
	.strip();
const shippingSchema = z
	.object(Object.fromEntries(SHIPPING_FIELDS.map((field) => [field, value.optional()])))
	.strip();

export type WooAddress = Partial<Record<string, string>>;

/**
 * The WooCommerce part of a sync user (`user.woo`), set by the trigger's WooCommerce source. Billing and shipping
 * are written to a WooCommerce target through /wc/v3/customers (WooCommerce registers none of them on
 * /wp/v2/users). `isPayingCustomer` is WooCommerce's own, computed from orders and read-only over REST: it is
 * carried for workflows to read, never written. `unidentified`: a deleted customer the trigger never saw, so the
 * event cannot name the user (the User Sync node reports it and looks nothing up).
 */
export const wooUserDataSchema = z
	.object({
		customerId: z.number().int().positive(),
		billing: billingSchema.optional(),
		shipping: shippingSchema.optional(),
		isPayingCustomer: z.boolean().optional(),
		unidentified: z.boolean().optional(),
	})
	.strip();

export type WooUserData = z.infer<typeof wooUserDataSchema>;

/** Whether an address carries anything (WooCommerce sends every field, empty ones as ""). */
export function hasAddress(address: WooAddress | undefined): boolean {
	return Object.values(address ?? {}).some((entry) => typeof entry === 'string' && entry !== '');
}

export function addressFields(kind: WooAddressKind): readonly string[] {
	return kind === 'billing' ? BILLING_FIELDS : SHIPPING_FIELDS;
}
