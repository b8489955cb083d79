import type { WpUser } from '../schemas/wpUser';
import { parseWpUser } from '../schemas/wpUser';
import type { WordPressClient } from './client';
import { noRouteAsNull } from './errors';

/** Namespace of the HarmonyUser Sync bridge plugin's REST routes. */
export const BRIDGE_NAMESPACE = '/harmonyuser/v1';

/**
 * Exact lookup by sync id through the bridge plugin (core WordPress ignores meta queries on the users route).
 * Returns null when the site has no bridge, so callers fall back to email and login.
 */
export async function findUserBySyncId(client: WordPressClient, syncId: string): Promise<WpUser | undefined | null> {
	const response = await client
		.request<unknown>({ method: 'GET', path: `${BRIDGE_NAMESPACE}/users`, params: { sync_id: syncId, context: 'edit' } })
		.catch(noRouteAsNull);
	if (response === null) return null;
	if (!Array.isArray(response.data) || response.data.length === 0) return undefined;
	const parsed = parseWpUser(response.data[0]);
	return parsed.ok ? parsed.value : undefined;
}
