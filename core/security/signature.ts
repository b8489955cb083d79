import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header value the bridge plugin sends: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signBridgeDelivery(
	secret: string,
	timestamp: string,
	rawBody: Buffer | string,
): string {
	const hmac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody);
	return `sha256=${hmac.digest('hex')}`;
}

/**
 * Constant-time comparison. Lengths are compared first (that leaks only the length, which is public: a
 * signature's length is fixed by its format) because timingSafeEqual throws on unequal lengths.
 */
export function safeEqual(given: string, expected: string): boolean {
	const a = Buffer.from(given, 'utf8');
	const b = Buffer.from(expected, 'utf8');
	return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the header matches any of the secrets (the current one, then a previous one during rotation). */
export function matchesAnySecret(
	secrets: string[],
	header: string,
	sign: (secret: string) => string,
): boolean {
	// Every secret is checked, so the time taken does not reveal which one matched.
	return secrets
		.filter((secret) => secret !== '')
		.reduce((ok, secret) => safeEqual(header, sign(secret)) || ok, false);
}

export type TimestampCheck = { ok: true } | { ok: false; reason: 'missing' | 'expired' | 'future' };

/** The timestamp (unix seconds) must lie within `toleranceSeconds` of now, either way: old ones are replays. */
export function checkTimestamp(
	timestamp: string | undefined,
	toleranceSeconds: number,
	nowMs = Date.now(),
): TimestampCheck {
	if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing' };
	const skew = Number(timestamp) - Math.floor(nowMs / 1000);
	if (skew < -toleranceSeconds) return { ok: false, reason: 'expired' };
	if (skew > toleranceSeconds) return { ok: false, reason: 'future' };
	return { ok: true };
}

export type BridgeVerification =
	| { ok: true }
	| { ok: false; reason: 'signature' | 'missing' | 'expired' | 'future' };

export interface BridgeSignedRequest {
	rawBody: Buffer | string;
	signature?: string;
	timestamp?: string;
}

/**
 * Verifies a bridge delivery: the signature first (with the current or the previous secret), then the
 * timestamp it signs. The timestamp is only trusted once the signature proves nobody changed it.
 */
export function verifyBridgeDelivery(
	request: BridgeSignedRequest,
	secrets: string[],
	toleranceSeconds: number,
	nowMs = Date.now(),
): BridgeVerification {
	const timestamp = request.timestamp ?? '';
	const signed = matchesAnySecret(secrets, request.signature ?? '', (secret) =>
		signBridgeDelivery(secret, timestamp, request.rawBody),
	);
	if (!signed) return { ok: false, reason: 'signature' };
	return checkTimestamp(timestamp, toleranceSeconds, nowMs);
}
