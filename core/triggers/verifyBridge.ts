import { isWhitelisted } from '../security/whitelist';
import { verifyBridgeDelivery } from '../security/signature';
import { parseBridgeBody, parseJson } from './bridgeBody';
import { headerValue, senderIp } from './clientIp';
import { reject, type IncomingDelivery, type TriggerSettings, type Verdict } from './delivery';

const TIMESTAMP_ERRORS = {
	signature: 'Invalid signature',
	missing: 'Missing or malformed X-HarmonyUser-Timestamp',
	expired: 'The delivery timestamp is too old (replayed or delayed delivery)',
	future: 'The delivery timestamp is in the future (check the clocks)',
} as const;

/**
 * Checks a bridge delivery in order: whitelist (403), signature with the current or previous secret (401),
 * timestamp window (401), body in the sync event schema (400). Nothing here has side effects.
 */
export function verifyBridge(request: IncomingDelivery, settings: TriggerSettings, nowMs = Date.now()): Verdict {
	const raw = request.rawBody.toString('utf8');
	const ip = senderIp(request.remoteAddress, headerValue(request.headers, 'x-forwarded-for'), settings.trustForwardedFor);
	if (settings.whitelist && !isWhitelisted(settings.whitelist, { ip, url: claimedSource(raw) ?? settings.siteUrl })) {
		return reject(403, 'Sender not whitelisted');
	}
	const signature = verifyBridgeDelivery(
		{ rawBody: request.rawBody, signature: headerValue(request.headers, 'x-harmonyuser-signature'), timestamp: headerValue(request.headers, 'x-harmonyuser-timestamp') },
		settings.secrets,
		settings.toleranceSeconds,
		nowMs,
	);
	if (!signature.ok) return reject(401, TIMESTAMP_ERRORS[signature.reason]);
	const parsed = parseBridgeBody(raw);
	if (!parsed.ok) return reject(400, parsed.error);
	const event = parsed.value;
	// The header is not signed, the body's id is: a header that disagrees was tampered with.
	const headerId = headerValue(request.headers, 'x-harmonyuser-event-id');
	if (headerId !== undefined && headerId !== event.id) return reject(400, 'X-HarmonyUser-Event-Id does not match the event id');
	if (event.event && !settings.events.includes(event.event)) {
		return { kind: 'ignore', status: 200, body: { ignored: true, reason: `not listening for ${event.event}` } };
	}
	return { kind: 'accept', event: { ...event, source: { ...event.source, ip } }, dedupeKeys: [`event:${event.id}`] };
}

/** The source URL the body claims, read before the signature is checked: it only ever narrows who gets through. */
function claimedSource(raw: string): string | undefined {
	const json = parseJson(raw);
	if (!json.ok || typeof json.value !== 'object' || json.value === null) return undefined;
	const url = (json.value as { source?: { url?: unknown } }).source?.url;
	return typeof url === 'string' ? url : undefined;
}
