import { createHash } from 'node:crypto';
import { isWhitelisted } from '../security/whitelist';
import { verifyWooDelivery } from '../security/wooSignature';
import { parseJson } from './bridgeBody';
import { headerValue, senderIp } from './clientIp';
import { reject, type IncomingDelivery, type TriggerSettings, type Verdict } from './delivery';
import { parseWooPayload, WOO_CUSTOMER_TOPICS, type WooCustomerTopic } from './wooCustomer';
import { wooToSyncEvent } from './wooEvent';

/** WooCommerce pings a new webhook with this form body, unsigned. */
const PING = /^webhook_id=\d+$/;

/**
 * Checks a WooCommerce delivery: whitelist (403), the creation ping (200, nothing runs), signature (401),
 * topic and customer payload (400). WooCommerce signs no timestamp, so there is no time window: replays are
 * caught by the dedupe keys, the delivery id AND a hash of the signed body (the delivery id is not signed).
 */
export function verifyWoo(request: IncomingDelivery, settings: TriggerSettings, now = new Date()): Verdict {
	const raw = request.rawBody.toString('utf8');
	const ip = senderIp(request.remoteAddress, headerValue(request.headers, 'x-forwarded-for'), settings.trustForwardedFor);
	// The shop is the site this webhook was registered on: X-WC-Webhook-Source is not signed, so it names nothing.
	const shop = settings.siteUrl;
	if (settings.whitelist && !isWhitelisted(settings.whitelist, { ip, url: shop })) {
		return reject(403, 'Sender not whitelisted');
	}
	const signature = headerValue(request.headers, 'x-wc-webhook-signature');
	if (signature === undefined && PING.test(raw.trim())) return { kind: 'ignore', status: 200, body: { ping: true } };
	if (!verifyWooDelivery(request.rawBody, signature, settings.secrets)) return reject(401, 'Invalid signature');
	const topic = headerValue(request.headers, 'x-wc-webhook-topic') ?? '';
	if (!(WOO_CUSTOMER_TOPICS as readonly string[]).includes(topic)) return reject(400, `Unsupported WooCommerce topic "${topic}"`);
	if (!settings.events.includes(topic)) return { kind: 'ignore', status: 200, body: { ignored: true, reason: `not listening for ${topic}` } };
	const json = parseJson(raw);
	if (!json.ok) return reject(400, json.error);
	const payload = parseWooPayload(topic as WooCustomerTopic, json.value);
	if (!payload.ok) return reject(400, payload.error);
	const bodyHash = createHash('sha256').update(request.rawBody).digest('hex');
	const deliveryId = headerValue(request.headers, 'x-wc-webhook-delivery-id')?.trim() || `wc-${bodyHash.slice(0, 32)}`;
	const event = wooToSyncEvent({ topic: topic as WooCustomerTopic, payload: payload.value, deliveryId: deliveryId.slice(0, 200), sourceUrl: shop, now });
	if (!event.ok) return reject(400, event.error);
	return {
		kind: 'accept',
		event: { ...event.value, source: { ...event.value.source, ip } },
		dedupeKeys: [`delivery:${deliveryId}`, `body:${bodyHash}`],
	};
}
