import type { WpUser } from '../schemas/wpUser';
import { parseWpUser } from '../schemas/wpUser';
import type { WordPressClient } from './client';
import { noRouteAsNull } from './errors';
import { isVersion } from '../versions/version';

/** Namespace of the HarmonyUser Sync bridge plugin's REST routes. */
export const BRIDGE_NAMESPACE = '/harmonyuser/v1';

/**
 * Exact lookup by sync id through the bridge plugin (core WordPress ignores meta queries on the users route).
 * Returns null when the site has no bridge, so callers fall back to email and login.
 */
export async function findUserBySyncId(
	client: WordPressClient,
	syncId: string,
): Promise<WpUser | undefined | null> {
	const response = await client
		.request<unknown>({
			method: 'GET',
			path: `${BRIDGE_NAMESPACE}/users`,
			params: { sync_id: syncId, context: 'edit' },
		})
		.catch(noRouteAsNull);
	if (response === null) return null;
	if (!Array.isArray(response.data) || response.data.length === 0) return undefined;
	const parsed = parseWpUser(response.data[0]);
	return parsed.ok ? parsed.value : undefined;
}

/** How the bridge found a user (the sync client's identity rule, in its order). */
export const RESOLVED_BY = ['syncId', 'email', 'previousEmail', 'login'] as const;

export interface IdentityQuery {
	syncId?: string;
	email: string;
	previousEmail?: string;
	login: string;
}

export interface ResolveAnswer {
	found?: { user: WpUser; matchedBy: (typeof RESOLVED_BY)[number] };
	/** Nobody has the sync id, but the site deleted a user who had it, at this version (a newer delete wins). */
	tombstone?: string;
}

/**
 * The whole identity lookup in one request through the bridge: by sync id, else email, else previous email,
 * else login. null: the site has no bridge (the caller asks core routes instead).
 */
export async function resolveUser(
	client: WordPressClient,
	query: IdentityQuery,
): Promise<ResolveAnswer | null> {
	const response = await client
		.request<{ user?: unknown; matchedBy?: unknown; tombstone?: { version?: unknown } | null }>({
			method: 'GET',
			path: `${BRIDGE_NAMESPACE}/users/resolve`,
			params: {
				sync_id: query.syncId || undefined,
				email: query.email,
				previous_email: query.previousEmail || undefined,
				login: query.login,
			},
		})
		.catch(noRouteAsNull);
	if (response === null) return null;
	const { user, matchedBy, tombstone } = response.data ?? {};
	const how = RESOLVED_BY.find((known) => known === matchedBy);
	const parsed = user ? parseWpUser(user) : undefined;
	return {
		found: parsed?.ok && how ? { user: parsed.value, matchedBy: how } : undefined,
		tombstone: isVersion(tombstone?.version) ? tombstone.version : undefined,
	};
}

export interface BridgeInfo {
	/** The site runs the bridge plugin. */
	bridge: boolean;
	/** User writes may go through /batch/v1, this many per request (0: not at all). */
	maxBatch: number;
	/** The password hash formats the site can verify (undefined: an older bridge that does not say). */
	hashFormats?: string[];
}

/** A WordPress password hash's format, as the bridge names the formats a site can verify. */
export function hashFormat(hash: string): 'phpass' | 'wp-bcrypt' | 'bcrypt' | 'argon2' | undefined {
	if (/^\$[PH]\$/.test(hash)) return 'phpass';
	if (/^\$wp\$2[aby]\$/.test(hash)) return 'wp-bcrypt';
	if (/^\$2[aby]\$/.test(hash)) return 'bcrypt';
	if (/^\$argon2(?:id|i)\$/.test(hash)) return 'argon2';
	return undefined;
}

/**
 * What the target's bridge offers; a site without it answers 404 rest_no_route. Without the bridge, WordPress
 * 6.6+ still allows the users routes in /batch/v1: its route index says so (`allow_batch`), asked once.
 */
export async function bridgeInfo(client: WordPressClient): Promise<BridgeInfo> {
	const response = await client
		.request<{
			batch?: boolean;
			maxBatch?: number;
			hashFormats?: unknown;
		}>({ method: 'GET', path: `${BRIDGE_NAMESPACE}/info` })
		.catch(noRouteAsNull);
	if (response === null)
		return { bridge: false, maxBatch: (await coreAllowsUserBatch(client)) ? CORE_MAX_BATCH : 0 };
	const { batch, maxBatch, hashFormats } = response.data;
	return {
		bridge: true,
		maxBatch: batch ? Math.max(1, Math.min(25, Number(maxBatch) || 25)) : 0,
		hashFormats: Array.isArray(hashFormats)
			? hashFormats.filter((format): format is string => typeof format === 'string')
			: undefined,
	};
}

/** Write-only field the bridge adds to the users route: the password hash to set (never plaintext). */
export const PASSWORD_HASH_FIELD = 'harmonyuser_password_hash';

/**
 * Write-only field of a create: the password sent is a throwaway (no password is synced). The bridge replaces it
 * with a random one of its own, hashed cheaply: on WordPress 6.8 that saves a bcrypt hash (about 80 ms) per create.
 */
export const THROWAWAY_PASSWORD_FIELD = 'harmonyuser_throwaway_password';

/** WordPress's own limit of requests in one /batch/v1 call. */
const CORE_MAX_BATCH = 25;

/** Whether core lets user creates and updates go through /batch/v1 (WordPress 6.6+; 6.1 answers rest_batch_not_allowed). */
export async function coreAllowsUserBatch(client: WordPressClient): Promise<boolean> {
	const response = await client
		.request<{
			endpoints?: Array<{ methods?: string[]; allow_batch?: { v1?: boolean } }>;
		}>({ method: 'OPTIONS', path: '/wp/v2/users' })
		.catch(() => null);
	const post = response?.data?.endpoints?.find((endpoint) => endpoint.methods?.includes('POST'));
	return post?.allow_batch?.v1 === true;
}
