import { createHash } from 'node:crypto';

/**
 * A change's version: a hybrid logical clock stamped where the change happens (the bridge plugin), as
 * `<wall time in µs, 17 digits>.<counter, 4 digits>.<site id>`. Fixed widths make versions compare as plain
 * strings: the wall time orders changes, the counter orders changes within one microsecond (or behind a clock
 * that went back), the site id breaks the last ties, so every site decides the same way.
 */
export const VERSION_PATTERN = /^\d{17}\.\d{4}\.[0-9a-z]{1,32}$/;

export function isVersion(value: unknown): value is string {
	return typeof value === 'string' && VERSION_PATTERN.test(value);
}

/** <0, 0, >0 like a comparator; an absent version is older than any. */
export function compareVersions(a: string | undefined, b: string | undefined): number {
	if (a === b) return 0;
	if (a === undefined) return -1;
	if (b === undefined) return 1;
	return a < b ? -1 : 1;
}

export function newestVersion(versions: Iterable<string | undefined>): string | undefined {
	let newest: string | undefined;
	for (const version of versions) if (compareVersions(version, newest) > 0) newest = version;
	return newest;
}

/**
 * The best version a source without the bridge's clock allows: its modification time (whole seconds for
 * WooCommerce's date_modified_gmt, the detection time for the poll trigger), counter 0, and a site id derived
 * from the site's URL. Weaker than the bridge's: two changes within that resolution are not ordered.
 */
export function versionFromTime(time: string | Date, siteUrl: string): string | undefined {
	const ms = typeof time === 'string' ? Date.parse(time) : time.getTime();
	if (!Number.isFinite(ms) || ms <= 0) return undefined;
	return `${String(Math.round(ms * 1000)).padStart(17, '0')}.0000.${siteKey(siteUrl)}`;
}

/** 8 hex characters naming a site in versions made outside the bridge. */
export function siteKey(siteUrl: string): string {
	return createHash('sha256').update(siteUrl).digest('hex').slice(0, 8);
}
