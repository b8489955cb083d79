import { isWhitelisted } from '../security/whitelist';
import { verifyWooDelivery } from '../security/wooSignature';
import { parseJson } from './bridgeBody';
import { headerValue, senderIp } from './clientIp';
import type { IncomingDelivery, TriggerSettings, Verdict } from './delivery';
import {
	parseWooCustomer,
	parseWooDeleted,
	topicEvent,
	WOO_CUSTOMER_TOPICS,
	wooErrorBody,
	type WooCustomer,
	type WooCustomerTopic,
} from '../woocommerce/customer';

type Rejection = Extract<Verdict, { kind: 'reject' }>;
const refuse = (status: Rejection['status'], message: string): Rejection => ({
	kind: 'reject',
	status,
	message,
});

/** WooCommerce pings a new webhook with this form body, unsigned, while the webhook is being created. */
const PING = /^webhook_id=\d+$/;

/** A signed WooCommerce customer delivery, ready for the customer map's claim. */
export type WooDelivery =
	| {
			kind: 'customer';
			topic: WooCustomerTopic;
			event: 'created' | 'updated';
			customer: WooCustomer;
			ip?: string;
	  }
	| { kind: 'deleted'; topic: WooCustomerTopic; customerId: number; ip?: string };

export type WooVerdict =
	| Exclude<Verdict, { kind: 'accept' }>
	| { kind: 'ping'; webhookId: number }
	| { kind: 'woo'; delivery: WooDelivery };

/**
 * Checks a WooCommerce delivery: whitelist (403), the creation ping (answered 200 before anything else: it
 * arrives while the webhook is being registered, before the node has stored its secret), signature (401),
 * topic (400), then the body. WooCommerce counts every answer outside 2xx as a failed delivery, never retries,
 * and disables a webhook after more than 5 failures in a row, so every signed body answers 2xx: its error
 * bodies (`{"code":"woocommerce_rest_invalid_id",…}`, a customer deleted before the delivery ran) start
 * nothing. WooCommerce signs no timestamp: repeats are caught by the customer map (topic, customer, content).
 */
export function verifyWoo(request: IncomingDelivery, settings: TriggerSettings): WooVerdict {
	const raw = request.rawBody.toString('utf8');
	const ip = senderIp(
		request.remoteAddress,
		headerValue(request.headers, 'x-forwarded-for'),
		settings.trustForwardedFor,
	);
	// The shop is the site this webhook was registered on: X-WC-Webhook-Source is not signed, so it names nothing.
	if (settings.whitelist && !isWhitelisted(settings.whitelist, { ip, url: settings.siteUrl })) {
		return refuse(403, 'Sender not whitelisted');
	}
	const signature = headerValue(request.headers, 'x-wc-webhook-signature');
	if (signature === undefined && PING.test(raw.trim()))
		return { kind: 'ping', webhookId: Number(raw.trim().slice('webhook_id='.length)) };
	if (!settings.secrets.length)
		return refuse(401, 'No signing secret: activate the workflow first');
	if (!verifyWooDelivery(request.rawBody, signature, settings.secrets))
		return refuse(401, 'Invalid signature');
	const topic = headerValue(request.headers, 'x-wc-webhook-topic') ?? '';
	if (!(WOO_CUSTOMER_TOPICS as readonly string[]).includes(topic))
		return refuse(400, `Unsupported WooCommerce topic "${topic}"`);
	const customerTopic = topic as WooCustomerTopic;
	if (!settings.events.includes(topic))
		return {
			kind: 'ignore',
			status: 200,
			body: { ignored: true, reason: `not listening for ${topic}` },
		};
	const json = parseJson(raw);
	if (!json.ok) return refuse(400, json.error);
	const error = wooErrorBody(json.value);
	if (error)
		return {
			kind: 'ignore',
			status: 200,
			body: {
				ignored: true,
				reason: `WooCommerce could not build the payload: ${error.code}`,
				code: error.code,
			},
		};
	const event = topicEvent(customerTopic);
	if (event === 'deleted') {
		const deleted = parseWooDeleted(json.value);
		if (!deleted.ok) return refuse(400, deleted.error);
		return {
			kind: 'woo',
			delivery: { kind: 'deleted', topic: customerTopic, customerId: deleted.value.id, ip },
		};
	}
	const customer = parseWooCustomer(json.value);
	if (!customer.ok) return refuse(400, customer.error);
	return {
		kind: 'woo',
		delivery: { kind: 'customer', topic: customerTopic, event, customer: customer.value, ip },
	};
}
