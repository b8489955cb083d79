import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** The ports WordPress's wp_safe_remote_request() calls (its `http_allowed_safe_ports` default). */
export const SAFE_PORTS = [80, 443, 8080];

export type Deliverability =
	| { ok: true }
	| { ok: false; reason: 'url' | 'port' | 'private_host'; message: string };

/** IPv4 ranges wp_http_validate_url() treats as local (WordPress 6.1): loopback, 10/8, 0/8, 172.16/12, 192.168/16. */
export function isLocalIpv4(ip: string): boolean {
	const parts = ip.split('.').map(Number);
	if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255))
		return false;
	const [a, b] = parts;
	return (
		a === 127 ||
		a === 10 ||
		a === 0 ||
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168)
	);
}

async function resolveIpv4(host: string): Promise<string | undefined> {
	try {
		return (await lookup(host, { family: 4 })).address;
	} catch {
		return undefined;
	}
}

const HOW =
	'WooCommerce delivers webhooks with WordPress’s wp_safe_remote_request(), which only calls ports 80, 443 and 8080 ' +
	'(or the shop’s own port on the shop’s own host) and no loopback or private address other than the shop’s own. ' +
	'Expose n8n on such a URL (for example WEBHOOK_URL=https://n8n.example.com/ behind a reverse proxy on port 443), ' +
	'or turn off "Check Delivery URL" if the shop allows more (its http_allowed_safe_ports / http_request_host_is_external filters).';

/**
 * Whether WooCommerce on the shop (`shopHome`: WordPress's `home` URL) will call `deliveryUrl`, by the rules of
 * wp_http_validate_url() in WordPress 6.1. WooCommerce registers any URL and then fails every delivery silently,
 * so the trigger refuses such a URL at activation. A host name is resolved here as the shop would resolve it
 * (IPv4, like PHP's gethostbyname); one this machine cannot resolve is not refused (the shop may know it).
 */
export async function checkDeliveryUrl(
	deliveryUrl: string,
	shopHome: string,
	resolve: (host: string) => Promise<string | undefined> = resolveIpv4,
): Promise<Deliverability> {
	const refuse = (reason: 'url' | 'port' | 'private_host', why: string): Deliverability => ({
		ok: false,
		reason,
		message: `WooCommerce will not deliver to ${deliveryUrl}: ${why}. ${HOW}`,
	});
	let url: URL;
	try {
		url = new URL(deliveryUrl);
	} catch {
		return refuse('url', 'it is not a URL');
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:')
		return refuse('url', 'only http and https URLs are called');
	if (url.username || url.password)
		return refuse('url', 'a URL with a user name or password is refused');
	const host = url.hostname.toLowerCase();
	if (host.startsWith('[') || isIP(host) === 6)
		return refuse('url', 'an IPv6 address in the URL is refused');
	let home: URL | undefined;
	try {
		home = new URL(shopHome);
	} catch {
		home = undefined;
	}
	const sameHost = home !== undefined && home.hostname.toLowerCase() === host;
	if (!sameHost) {
		const trimmed = host.replace(/^\.+|\.+$/g, '');
		const ip = isIP(trimmed) === 4 ? trimmed : await resolve(trimmed);
		if (ip && isLocalIpv4(ip)) {
			return refuse(
				'private_host',
				`${host}${ip !== trimmed ? ` (${ip})` : ''} is a loopback or private address and not the shop’s own host (${home?.hostname ?? shopHome})`,
			);
		}
	}
	if (url.port === '') return { ok: true };
	const port = Number(url.port);
	if (SAFE_PORTS.includes(port)) return { ok: true };
	const homePort =
		home && (home.port === '' ? (home.protocol === 'https:' ? 443 : 80) : Number(home.port));
	if (sameHost && home?.port !== '' && homePort === port) return { ok: true };
	return refuse(
		'port',
		`port ${port} is neither 80, 443, 8080 nor the shop’s own port on its own host`,
	);
}
