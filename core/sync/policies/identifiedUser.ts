import type { Policy } from './types';

/**
 * A change whose source could not say who it is about fails at once, before any lookup: WooCommerce sends a
 * delete as `{ "id": N }` only, and when the trigger never saw customer N (no created/updated delivery, no
 * catch-up listing) the event carries placeholders (`wc-customer-N`) that must never be matched against a real
 * account. A Reconcile of the shop into the target covers such deletes.
 */
export const identifiedUser: Policy = ({ event }) => {
	const woo = event.user.woo;
	if (!woo?.unidentified) return undefined;
	return {
		status: 'failed',
		reason: 'unidentified_user',
		detail: 'woocommerce_customer_unknown',
		message: `WooCommerce customer #${woo.customerId} of ${event.source.url ?? 'the shop'} was ${event.action === 'delete' ? 'deleted' : 'changed'}, but the trigger never saw who it was (WooCommerce sends only the id of a deleted customer): nothing was looked up or changed. Run Reconcile from the shop to apply it.`,
	};
};
