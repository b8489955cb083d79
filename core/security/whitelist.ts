import ipaddr from 'ipaddr.js';
import { normalizeSiteUrl, tryNormalizeSiteUrl } from '../sites';

/** One trusted source: a site URL, or an IPv4/IPv6 address or CIDR range. */
export type WhitelistRule =
	| { kind: 'url'; entry: string; url: string }
	| { kind: 'ip'; entry: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] };

export interface RequestSource {
	url?: string;
	ip?: string;
}

/** Parses entries as typed in the node UI; an entry that is neither a URL nor an IP/CIDR is an error. */
export function parseWhitelist(entries: string[]): WhitelistRule[] {
	return entries
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '')
		.map(parseEntry);
}

function parseEntry(entry: string): WhitelistRule {
	// IPv4 entries must be plain dotted decimal: ipaddr.js also reads "10.0.0.010" (octal: 10.0.0.8), "10.1" and
	// "12345", so a typo or a zero-padded address would silently trust a different host.
	if (ipaddr.IPv6.isValidCIDR(entry) || ipaddr.IPv4.isValidCIDRFourPartDecimal(entry)) {
		const [address, bits] = ipaddr.parseCIDR(entry);
		return { kind: 'ip', entry, range: [unmap(address), unmapBits(address, bits)] };
	}
	if (ipaddr.IPv6.isValid(entry) || ipaddr.IPv4.isValidFourPartDecimal(entry)) {
		const address = unmap(ipaddr.parse(entry));
		return { kind: 'ip', entry, range: [address, address.kind() === 'ipv4' ? 32 : 128] };
	}
	if (/^https?:\/\//i.test(entry)) {
		try {
			return { kind: 'url', entry, url: normalizeSiteUrl(entry) };
		} catch {
			// fall through to the error below
		}
	}
	throw new Error(
		`Whitelist entry "${entry}" is neither an http(s) URL nor an IP address or CIDR range`,
	);
}

/** True when the source's URL or IP matches a rule. Nothing matches an empty list. */
export function isWhitelisted(rules: WhitelistRule[], source: RequestSource): boolean {
	const url = tryNormalizeSiteUrl(source.url);
	const ip = source.ip && ipaddr.isValid(source.ip) ? unmap(ipaddr.parse(source.ip)) : undefined;
	return rules.some((rule) => {
		if (rule.kind === 'url') return url !== undefined && url === rule.url;
		return ip !== undefined && ip.kind() === rule.range[0].kind() && ip.match(rule.range);
	});
}

// ::ffff:10.0.0.1 is the IPv4 address 10.0.0.1 as seen by a dual-stack server.
function unmap(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
	return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
		? (address as ipaddr.IPv6).toIPv4Address()
		: address;
}

function unmapBits(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): number {
	return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
		? Math.max(0, bits - 96)
		: bits;
}
