import { z } from 'zod';
import { normalizeSiteUrl } from '../sites';

/**
 * A site network: the sites of one "WordPress Site Network" credential. A site is known by its name (stable: what
 * forms, replays and the log use) and its normalized URL (what propagation paths compare). Pure: no n8n imports.
 */
export interface NetworkSite {
	name: string;
	url: string;
	username: string;
	applicationPassword: string;
	readOnly: boolean;
	enabled: boolean;
}

export interface SiteNetwork {
	sites: NetworkSite[];
}

/** Names are what people type in forms and expressions: letters, digits, space, dot, dash and underscore. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u;

const siteRow = z.object({
	name: z.string().trim().optional().default(''),
	url: z.string().trim().optional().default(''),
	username: z.string().trim().optional().default(''),
	applicationPassword: z.string().optional().default(''),
	readOnly: z.boolean().optional().default(false),
	enabled: z.boolean().optional().default(true),
});

/** n8n keeps a fixedCollection of rows as `{ sites: { site: [ … ] } }`; a bare array is taken too. */
const networkData = z.object({
	sites: z
		.union([z.object({ site: z.array(z.unknown()).optional().default([]) }), z.array(z.unknown())])
		.optional(),
});

export type NetworkParse = { ok: true; value: SiteNetwork } | { ok: false; error: string };

/**
 * The credential's rows as a network, or one message naming every bad row by position and name (never a
 * password). Names and URLs must be unique: a name or a URL that meant two sites would let a write land on the
 * wrong one.
 */
export function parseNetwork(raw: unknown): NetworkParse {
	const data = networkData.safeParse(raw ?? {});
	if (!data.success) return { ok: false, error: 'the credential has no list of sites' };
	const rows = Array.isArray(data.data.sites) ? data.data.sites : (data.data.sites?.site ?? []);
	const problems: string[] = [];
	const sites: NetworkSite[] = [];
	const names = new Map<string, number>();
	const urls = new Map<string, number>();
	rows.forEach((rawRow, index) => {
		const label = `site ${index + 1}`;
		const row = siteRow.safeParse(rawRow);
		if (!row.success) {
			problems.push(`${label}: not a site row`);
			return;
		}
		const { name, username, applicationPassword, readOnly, enabled } = row.data;
		const named = name ? `${label} ("${name}")` : label;
		if (!NAME.test(name))
			problems.push(
				`${named}: the name must be 1–64 letters, digits, spaces, dots, dashes or underscores`,
			);
		let url = '';
		try {
			url = normalizeSiteUrl(row.data.url);
		} catch (error) {
			problems.push(
				`${named}: the Site URL is not usable (${row.data.url ? (error as Error).message : 'empty'})`,
			);
		}
		if (!username) problems.push(`${named}: the username is empty`);
		const password = boundPassword(name, applicationPassword);
		if (typeof password !== 'string') {
			if (enabled || applicationPassword) problems.push(`${named}: ${password.problem}`);
		}
		const key = name.toLowerCase();
		if (name && names.has(key))
			problems.push(`${named}: the name is already used by site ${names.get(key)! + 1}`);
		else names.set(key, index);
		if (url && urls.has(url))
			problems.push(`${named}: ${url} is already site ${urls.get(url)! + 1}`);
		else if (url) urls.set(url, index);
		sites.push({
			name,
			url,
			username,
			applicationPassword: typeof password === 'string' ? password : '',
			readOnly,
			enabled,
		});
	});
	if (!rows.length) problems.push('the network has no sites');
	return problems.length
		? { ok: false, error: problems.join('; ') }
		: { ok: true, value: { sites } };
}

/**
 * n8n hides a credential's passwords from the editor and, on save, puts them back by their position in the list:
 * after a row is deleted or the rows are reordered, a row would silently get another row's password, and the next
 * request would send one site's password to another site. So each password names its site (`Shop: abcd efgh …`,
 * the row's name before the first colon), and a password bound to another name is refused before anything is sent.
 */
export function boundPassword(name: string, value: string): string | { problem: string } {
	const colon = value.indexOf(':');
	if (!value.trim()) return { problem: 'the application password is empty' };
	if (colon < 0)
		return {
			problem: `write the application password as "${name || 'Site Name'}: <application password>" (it names its site)`,
		};
	const boundTo = value.slice(0, colon).trim();
	const password = value.slice(colon + 1).trim();
	if (boundTo.toLowerCase() !== name.toLowerCase()) {
		return {
			problem: `its application password is bound to "${boundTo}", not to this site (rows deleted or reordered: n8n puts hidden values back by position); enter this site's password again`,
		};
	}
	return password ? password : { problem: 'the application password is empty' };
}

/** Which sites of the network an item is written to. */
export type TargetSelection =
	/** Every enabled site the change has not passed through yet. */
	| { kind: 'network' }
	/** The sites named (a form's multi-select, a replay's target). */
	| { kind: 'named'; names: string[] };

export interface SelectedTargets {
	/** The sites to write to, in the network's order. */
	sites: NetworkSite[];
	/** Names given that the network does not have (each becomes a failed result). */
	unknown: string[];
	/** Named sites that are switched off in the credential (each becomes a rejected result). */
	disabled: NetworkSite[];
}

/**
 * The targets of one item. The whole network: every enabled site except the change's source and the sites in its
 * propagation path (they have it already). Named: those sites, matched case-insensitively, by name or URL; a
 * named site in the path still gets its pair (the loop policy then says `loop_detected`).
 */
export function selectTargets(
	network: SiteNetwork,
	selection: TargetSelection,
	path: string[],
	source?: string | null,
): SelectedTargets {
	if (selection.kind === 'network') {
		const covered = new Set([...path, ...(source ? [source] : [])]);
		return {
			sites: network.sites.filter((site) => site.enabled && !covered.has(site.url)),
			unknown: [],
			disabled: [],
		};
	}
	const wanted = new Set<NetworkSite>();
	const unknown: string[] = [];
	for (const name of selection.names) {
		const site = findSite(network, name);
		if (site) wanted.add(site);
		else unknown.push(name);
	}
	const chosen = network.sites.filter((site) => wanted.has(site));
	return {
		sites: chosen.filter((site) => site.enabled),
		unknown,
		disabled: chosen.filter((site) => !site.enabled),
	};
}

/** A site by name (case-insensitive) or by URL (normalized). */
export function findSite(network: SiteNetwork, nameOrUrl: string): NetworkSite | undefined {
	const wanted = nameOrUrl.trim().toLowerCase();
	if (!wanted) return undefined;
	const byName = network.sites.find((site) => site.name.toLowerCase() === wanted);
	if (byName) return byName;
	try {
		const url = normalizeSiteUrl(nameOrUrl);
		return network.sites.find((site) => site.url === url);
	} catch {
		return undefined;
	}
}

/** Site names from a field: an array, or a comma- or newline-separated list. */
export function siteNames(value: unknown): string[] {
	const parts = Array.isArray(value)
		? value.map((part) => String(part ?? ''))
		: String(value ?? '').split(/[,\n]/);
	return [...new Set(parts.map((part) => part.trim()).filter(Boolean))];
}

/**
 * The path a fan-out's writes carry: the change's path plus every site of this fan-out. Each target is told the
 * whole set of sites written, so the events those writes cause there are known to be covered already.
 */
export function fanOutPath(path: string[], targets: NetworkSite[]): string[] {
	const out = [...path];
	for (const site of targets) if (!out.includes(site.url)) out.push(site.url);
	return out;
}

/**
 * Whether a change has reached every enabled site of the network (its source and its path cover them): an echo of
 * a fan-out, which must start no execution.
 */
export function coversNetwork(
	network: SiteNetwork,
	path: string[],
	source?: string | null,
): boolean {
	const covered = new Set([...path, ...(source ? [source] : [])]);
	const enabled = network.sites.filter((site) => site.enabled);
	return enabled.length > 0 && enabled.every((site) => covered.has(site.url));
}
