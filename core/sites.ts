/**
 * A site's identity is its normalized base URL: scheme and host lower-cased, default port and trailing
 * slashes dropped. Propagation paths and whitelists compare these strings, so every URL goes through here.
 */
export function normalizeSiteUrl(raw: string): string {
	const url = new URL(raw.trim());
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new Error(`Site URL must start with http:// or https:// (got "${url.protocol}")`);
	}
	const path = url.pathname.replace(/\/+$/, '');
	return `${url.protocol}//${url.host.toLowerCase()}${path}`;
}

/** Like normalizeSiteUrl, but returns undefined instead of throwing. */
export function tryNormalizeSiteUrl(raw: string | undefined | null): string | undefined {
	if (!raw) return undefined;
	try {
		return normalizeSiteUrl(raw);
	} catch {
		return undefined;
	}
}
