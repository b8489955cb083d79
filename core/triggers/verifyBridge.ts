import { isWhitelisted } from '../security/whitelist';
import { verifyBridgeDelivery } from '../security/signature';
import { parseBridgeBody } from './bridgeBody';
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
 * timestamp window (401), body in the sync event schema (400), source bound to the registered site (403).
 * Nothing here has side effects.
 */
export function verifyBridge(
	request: IncomingDelivery,
	settings: TriggerSettings,
	nowMs = Date.now(),
): Verdict {
	const raw = request.rawBody.toString('utf8');
	const ip = senderIp(
		request.remoteAddress,
		headerValue(request.headers, 'x-forwarded-for'),
		settings.trustForwardedFor,
	);
	// A URL entry stands for the site this webhook was registered on (and signed for), never for a claim.
	if (settings.whitelist && !isWhitelisted(settings.whitelist, { ip, url: settings.siteUrl })) {
		return reject(403, 'Sender not whitelisted');
	}
	const signature = verifyBridgeDelivery(
		{
			rawBody: request.rawBody,
			signature: headerValue(request.headers, 'x-harmonyuser-signature'),
			timestamp: headerValue(request.headers, 'x-harmonyuser-timestamp'),
		},
		settings.secrets,
		settings.toleranceSeconds,
		nowMs,
	);
	if (!signature.ok) return reject(401, TIMESTAMP_ERRORS[signature.reason]);
	const parsed = parseBridgeBody(raw);
	if (!parsed.ok) return reject(400, parsed.error);
	const event = parsed.value;
	// Signed with this site's secret, so it must speak for this site: another site's secret cannot claim it.
	if (event.source.url !== settings.siteUrl) {
		return reject(
			403,
			`The event claims source ${event.source.url ?? '(none)'}, but this webhook is registered on ${settings.siteUrl}`,
		);
	}
	// The header is not signed, the body's id is: a header that disagrees was tampered with.
	const headerId = headerValue(request.headers, 'x-harmonyuser-event-id');
	if (headerId !== undefined && headerId !== event.id)
		return reject(400, 'X-HarmonyUser-Event-Id does not match the event id');
	if (event.event && !settings.events.includes(event.event)) {
		return {
			kind: 'ignore',
			status: 200,
			body: { ignored: true, reason: `not listening for ${event.event}` },
		};
	}
	// A replay of this signed request (same event, same signed timestamp) is a duplicate. A new signature of the
	// same event is the bridge's retry: it re-signs only when no 2xx came back, e.g. when n8n accepted the
	// request but could not start the execution (shutting down). That runs again: a second apply of an event is
	// harmless (diff and versions), a dropped one is lost. Only the secret's holder can sign anew.
	const timestamp = headerValue(request.headers, 'x-harmonyuser-timestamp');
	return {
		kind: 'accept',
		event: { ...event, source: { ...event.source, ip } },
		dedupeKeys: [`event:${event.id}:${timestamp}`],
	};
}
