import ipaddr from 'ipaddr.js';

export type HeaderValue = string | string[] | undefined;

/** One header's value as a string (Node gives arrays for repeated headers; the last one wins). */
export function headerValue(
	headers: Record<string, HeaderValue>,
	name: string,
): string | undefined {
	const value = headers[name.toLowerCase()];
	return Array.isArray(value) ? value[value.length - 1] : value;
}

/** An address in its plain form: `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) becomes `10.0.0.1`. */
export function normalizeIp(raw: string | undefined): string | undefined {
	const value = raw?.trim();
	if (!value || !ipaddr.isValid(value)) return undefined;
	const address = ipaddr.parse(value);
	if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
		return (address as ipaddr.IPv6).toIPv4Address().toString();
	}
	return address.toString();
}

/**
 * The sender's IP: the socket's remote address, or, when the node is told n8n sits behind a proxy, the
 * RIGHT-MOST `X-Forwarded-For` entry: the one the proxy in front of n8n appended. Entries to its left
 * come from the client and can be forged, so they are never trusted.
 */
export function senderIp(
	remoteAddress: string | undefined,
	forwardedFor: string | undefined,
	trustForwardedFor: boolean,
): string | undefined {
	if (trustForwardedFor && forwardedFor) {
		const entries = forwardedFor
			.split(',')
			.map((entry) => entry.trim())
			.filter(Boolean);
		const nearest = normalizeIp(entries[entries.length - 1]);
		if (nearest) return nearest;
	}
	return normalizeIp(remoteAddress);
}
