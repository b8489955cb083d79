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
}

/** Validates settings once per run; a bad whitelist entry or URL throws a message naming it. */
export function buildPolicyConfig(input: SyncPolicyInput): SyncPolicyConfig {
	return {
		target: normalizeSiteUrl(input.target),
		readOnly: input.readOnly ?? false,
		whitelist: { enabled: input.whitelistEnabled ?? false, rules: parseWhitelist(input.whitelist ?? []) },
		roles: cleanList(input.roles),
		prohibitedUsers: cleanList(input.prohibitedUsers).map((entry) => entry.toLowerCase()),
		protectedUsers: cleanList(input.protectedUsers).map((entry) => entry.toLowerCase()),
		createOnUpdate: input.createOnUpdate ?? false,
	};
}

/** Splits "a, b\nc" lists typed in the UI. */
export function splitList(text: string | undefined): string[] {
	return (text ?? '').split(/[\s,;]+/).filter(Boolean);
}

function cleanList(list: string[] | undefined): string[] {
	return [...new Set((list ?? []).map((entry) => entry.trim()).filter(Boolean))];
}
