import { parseWhitelist, type WhitelistRule } from '../security/whitelist';
import { normalizeSiteUrl } from '../sites';

/** The target's rules for incoming changes, as configured on the node and its credential. */
export interface SyncPolicyConfig {
	/** The target's normalized URL. */
	target: string;
	/** Kill switch from the credential: no create, update or delete reaches this site. */
	readOnly: boolean;
	whitelist: { enabled: boolean; rules: WhitelistRule[] };
	/** Roles eligible for sync; empty means every role. */
	roles: string[];
	/** Logins or emails whose changes are never propagated (when the source exposes no per-user switch). */
	prohibitedUsers: string[];
	/** Logins or emails on the target that reject incoming modifications (when the target exposes no switch). */
	protectedUsers: string[];
	/** An update for a user missing on the target creates them. */
	createOnUpdate: boolean;
	/** Source role → target role, applied before every role rule (e.g. customer → subscriber). */
	roleMapping: Record<string, string>;
	/** A target user found only by login (another email) is linked instead of being a conflict. */
	linkByLogin: boolean;
	/** Reconcile deletes at most this share of the target's users in one run (percent); more refuses them all. */
	maxDeletePercent: number;
}

export interface SyncPolicyInput {
	target: string;
	readOnly?: boolean;
	whitelistEnabled?: boolean;
	whitelist?: string[];
	roles?: string[];
	prohibitedUsers?: string[];
	protectedUsers?: string[];
	createOnUpdate?: boolean;
	roleMapping?: Array<{ from?: string; to?: string }>;
	linkByLogin?: boolean;
	maxDeletePercent?: number;
}

/** Validates settings once per run; a bad whitelist entry or URL throws a message naming it. */
export function buildPolicyConfig(input: SyncPolicyInput): SyncPolicyConfig {
	return {
		target: normalizeSiteUrl(input.target),
		readOnly: input.readOnly ?? false,
		whitelist: {
			enabled: input.whitelistEnabled ?? false,
			rules: parseWhitelist(input.whitelist ?? []),
		},
		roles: cleanList(input.roles),
		prohibitedUsers: cleanList(input.prohibitedUsers).map((entry) => entry.toLowerCase()),
		protectedUsers: cleanList(input.protectedUsers).map((entry) => entry.toLowerCase()),
		createOnUpdate: input.createOnUpdate ?? false,
		roleMapping: buildRoleMapping(input.roleMapping ?? []),
		linkByLogin: input.linkByLogin ?? false,
		maxDeletePercent: deletePercent(input.maxDeletePercent),
	};
}

/** WordPress role keys: lower-case letters, digits, _ and -. */
const ROLE_KEY = /^[a-z0-9_-]{1,60}$/;

function buildRoleMapping(rows: Array<{ from?: string; to?: string }>): Record<string, string> {
	const mapping: Record<string, string> = {};
	for (const row of rows) {
		const from = (row.from ?? '').trim();
		const to = (row.to ?? '').trim();
		if (!from && !to) continue;
		for (const role of [from, to]) {
			if (!ROLE_KEY.test(role))
				throw new Error(
					`Role Mapping: "${role}" is not a WordPress role key (e.g. subscriber, shop_manager)`,
				);
		}
		if (mapping[from] && mapping[from] !== to)
			throw new Error(`Role Mapping: "${from}" is mapped twice`);
		mapping[from] = to;
	}
	return mapping;
}

function deletePercent(value: number | undefined): number {
	const percent = value ?? 10;
	if (!Number.isFinite(percent) || percent < 0 || percent > 100)
		throw new Error(`Max Deletes must be a percentage from 0 to 100 (got ${value})`);
	return percent;
}

/** Splits "a, b\nc" lists typed in the UI. */
export function splitList(text: string | undefined): string[] {
	return (text ?? '').split(/[\s,;]+/).filter(Boolean);
}

function cleanList(list: string[] | undefined): string[] {
	return [...new Set((list ?? []).map((entry) => entry.trim()).filter(Boolean))];
}
