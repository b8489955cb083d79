import { parseWpUser, type WpUser } from '../schemas/wpUser';
import { BRIDGE_NAMESPACE } from '../wordpress/bridge';
import type { WordPressClient } from '../wordpress/client';
import { noRouteAsNull, WordPressApiError } from '../wordpress/errors';
import type { Tombstone } from './diff';
import { POLL_FIELDS } from './fingerprint';

const PER_PAGE = 100;
const USERS = '/wp/v2/users';

/** Every user of the site with only the fields a poll needs: page 1 tells how many follow, which go in parallel. */
export async function scanAllUsers(client: WordPressClient): Promise<WpUser[]> {
	const first = await usersPage(client, 1);
	const rest = await Promise.all(
		Array.from({ length: Math.max(0, first.totalPages - 1) }, (_, i) => usersPage(client, i + 2)),
	);
	return [...first.users, ...rest.flatMap((page) => page.users)];
}

/** The most recently registered user: a sample for the editor's "fetch test event". */
export async function newestUser(client: WordPressClient): Promise<WpUser | undefined> {
	const page = await usersPage(client, 1, {
		per_page: 1,
		orderby: 'registered_date',
		order: 'desc',
	});
	return page.users[0];
}

/** The bridge plugin's server time, or null when the site has no bridge. */
export async function bridgeTime(client: WordPressClient): Promise<string | null> {
	const response = await client
		.request<{ time?: unknown }>({ method: 'GET', path: `${BRIDGE_NAMESPACE}/info` })
		.then((ok) => ok, noRouteAsNull);
	if (response === null) return null;
	const time = response.data?.time;
	if (typeof time !== 'string')
		throw badResponse(client, `${BRIDGE_NAMESPACE}/info`, 'no server time');
	return time;
}

export interface ChangedUsers {
	users: WpUser[];
	deleted: Tombstone[];
	/** The server time of the query: the next `since`. */
	now: string;
}

/** Users changed and deleted at or after `since`, through the bridge; null when the bridge is gone. */
export async function changedSince(
	client: WordPressClient,
	since: string,
): Promise<ChangedUsers | null> {
	const first = await changedPage(client, since, 1);
	if (first === null) return null;
	const rest = await Promise.all(
		Array.from({ length: Math.max(0, first.totalPages - 1) }, (_, i) =>
			changedPage(client, since, i + 2),
		),
	);
	const users = [first, ...rest].flatMap((page) => page?.users ?? []);
	return { users, deleted: first.deleted, now: first.now };
}

interface ChangedPage extends ChangedUsers {
	totalPages: number;
}

async function changedPage(
	client: WordPressClient,
	since: string,
	page: number,
): Promise<ChangedPage | null> {
	const path = `${BRIDGE_NAMESPACE}/users/changed`;
	const response = await client
		.request<
			Record<string, unknown>
		>({ method: 'GET', path, params: { since, page, per_page: PER_PAGE } })
		.then((ok) => ok, noRouteAsNull);
	if (response === null) return null;
	const { users, deleted, now, totalPages } = response.data ?? {};
	if (!Array.isArray(users) || typeof now !== 'string')
		throw badResponse(client, path, 'expected users and now');
	return {
		users: users.map((user) => validUser(client, path, user)),
		deleted: Array.isArray(deleted) ? (deleted as Tombstone[]) : [],
		now,
		totalPages: Number(totalPages) || 1,
	};
}

async function usersPage(
	client: WordPressClient,
	page: number,
	extra: Record<string, string | number> = {},
): Promise<{ users: WpUser[]; totalPages: number }> {
	const { data, headers } = await client.request<unknown>({
		method: 'GET',
		path: USERS,
		params: {
			context: 'edit',
			per_page: PER_PAGE,
			page,
			orderby: 'id',
			order: 'asc',
			_fields: POLL_FIELDS,
			...extra,
		},
	});
	if (!Array.isArray(data)) throw badResponse(client, USERS, 'expected a list of users');
	return {
		users: data.map((user) => validUser(client, USERS, user)),
		totalPages: Number(headers['x-wp-totalpages'] ?? 1) || 1,
	};
}

function validUser(client: WordPressClient, path: string, data: unknown): WpUser {
	const parsed = parseWpUser(data);
	if (!parsed.ok) throw badResponse(client, path, parsed.error);
	return parsed.value;
}

function badResponse(client: WordPressClient, path: string, why: string): WordPressApiError {
	return new WordPressApiError({
		kind: 'bad_response',
		site: client.site,
		method: 'GET',
		path,
		wpMessage: why,
	});
}
