import { parseWpUser, WP_USER_FIELDS, type WpUser } from '../schemas/wpUser';
import type { WordPressClient } from './client';
import { WordPressApiError } from './errors';

/** Fields WordPress accepts when writing a user over REST. */
export interface WpUserWrite {
	username?: string;
	email?: string;
	password?: string;
	name?: string;
	first_name?: string;
	last_name?: string;
	nickname?: string;
	url?: string;
	description?: string;
	locale?: string;
	roles?: string[];
	meta?: Record<string, unknown>;
	/** The bridge plugin's write-only field: the source's password hash. */
	harmonyuser_password_hash?: string;
	/** The bridge plugin's write-only field of a create: the password sent is a throwaway (see bridge.ts). */
	harmonyuser_throwaway_password?: boolean;
	/** The bridge plugin's write-only field: the version of each field written (compare-and-set). */
	harmonyuser_versions?: Record<string, string>;
}

export interface ListUsersOptions {
	roles?: string[];
	search?: string;
	/** Stop after this many users (all when absent). */
	limit?: number;
}

const PER_PAGE = 100;
const USERS = '/wp/v2/users';

/** Header carrying the propagation path on writes, so the bridge plugin passes it on with the events they cause. */
export const PATH_HEADER = 'X-HarmonyUser-Path';

/** The header that tells the bridge which path a write belongs to (none for an empty path). */
export function pathHeaders(path?: string[]): Record<string, string> | undefined {
	return path?.length ? { [PATH_HEADER]: path.join(',') } : undefined;
}

/** The users endpoints of one site, returning validated users. */
export class UsersApi {
	private readonly writeHeaders?: Record<string, string>;

	/** `path`: the propagation path of the change being written (it ends with this site). */
	constructor(
		private readonly client: WordPressClient,
		path?: string[],
	) {
		this.writeHeaders = pathHeaders(path);
	}

	/**
	 * The site's language as `locale` reports it for "Site Default" users (needs manage_options; undefined when
	 * the credential may not read settings).
	 */
	async siteLocale(): Promise<string | undefined> {
		const reply = await this.client
			.request<{
				language?: unknown;
			}>({ method: 'GET', path: '/wp/v2/settings', params: { _fields: 'language' } })
			.catch(() => undefined);
		const language = reply?.data?.language;
		if (typeof language !== 'string') return undefined;
		return language === '' ? 'en_US' : language;
	}

	async me(): Promise<WpUser> {
		const { data } = await this.client.request({
			method: 'GET',
			path: `${USERS}/me`,
			params: { context: 'edit' },
		});
		return this.valid(data, 'GET', `${USERS}/me`);
	}

	/** Every user matching the filters: the first page tells how many pages follow, which then go in parallel. */
	async list(options: ListUsersOptions = {}): Promise<WpUser[]> {
		const perPage = Math.min(PER_PAGE, options.limit ?? PER_PAGE);
		const first = await this.page(1, perPage, options);
		const limit = options.limit ?? Infinity;
		if (first.users.length >= limit || first.totalPages <= 1) return first.users.slice(0, limit);
		const lastPage = Math.min(first.totalPages, Math.ceil(limit / perPage));
		const rest = await Promise.all(
			Array.from({ length: lastPage - 1 }, (_, i) => this.page(i + 2, perPage, options)),
		);
		return [...first.users, ...rest.flatMap((page) => page.users)].slice(0, limit);
	}

	/** Users whose email is exactly this one. WordPress's search is a substring match, so the match is ours. */
	async findByEmail(email: string): Promise<WpUser | undefined> {
		const wanted = email.trim().toLowerCase();
		return this.searchExact(wanted, (user) => user.email.toLowerCase() === wanted);
	}

	async findByLogin(login: string): Promise<WpUser | undefined> {
		const wanted = login.trim().toLowerCase();
		// A term with "@" searches only the email column: search by the longest part without one instead.
		const term = wanted.includes('@')
			? wanted.split('@').sort((a, b) => b.length - a.length)[0] || wanted
			: wanted;
		return this.searchExact(term, (user) => user.username.toLowerCase() === wanted);
	}

	async create(payload: WpUserWrite): Promise<WpUser> {
		const { data } = await this.client.request({
			method: 'POST',
			path: USERS,
			params: { context: 'edit', _fields: WP_USER_FIELDS },
			data: payload,
			headers: this.writeHeaders,
		});
		return this.valid(data, 'POST', USERS);
	}

	async update(id: number, payload: WpUserWrite): Promise<WpUser> {
		const path = `${USERS}/${id}`;
		const { data } = await this.client.request({
			method: 'POST',
			path,
			params: { context: 'edit', _fields: WP_USER_FIELDS },
			data: payload,
			headers: this.writeHeaders,
		});
		return this.valid(data, 'POST', path);
	}

	/**
	 * Deletes for good (users have no trash) and gives their content to `reassignTo`. With `version`, the bridge
	 * refuses the delete (409 harmonyuser_stale) when the user changed after it.
	 */
	async delete(id: number, reassignTo: number, version?: string): Promise<void> {
		await this.client.request({
			method: 'DELETE',
			path: `${USERS}/${id}`,
			params: {
				force: true,
				reassign: reassignTo,
				_fields: 'deleted',
				...(version ? { harmonyuser_version: version } : {}),
			},
			headers: this.writeHeaders,
		});
	}

	private async searchExact(
		term: string,
		matches: (user: WpUser) => boolean,
	): Promise<WpUser | undefined> {
		const first = await this.page(1, PER_PAGE, { search: term });
		const found = first.users.find(matches);
		if (found || first.totalPages <= 1) return found;
		for (let page = 2; page <= first.totalPages; page++) {
			const next = await this.page(page, PER_PAGE, { search: term });
			const hit = next.users.find(matches);
			if (hit) return hit;
		}
		return undefined;
	}

	private async page(
		page: number,
		perPage: number,
		options: ListUsersOptions,
	): Promise<{ users: WpUser[]; totalPages: number }> {
		const { data, headers } = await this.client.request<unknown>({
			method: 'GET',
			path: USERS,
			params: {
				context: 'edit',
				per_page: perPage,
				page,
				orderby: 'id',
				order: 'asc',
				_fields: WP_USER_FIELDS,
				search: options.search || undefined,
				roles: options.roles?.length ? options.roles.join(',') : undefined,
			},
		});
		if (!Array.isArray(data)) throw this.badResponse('GET', USERS, 'expected a list of users');
		return {
			users: data.map((item) => this.valid(item, 'GET', USERS)),
			totalPages: Number(headers['x-wp-totalpages'] ?? 1) || 1,
		};
	}

	private valid(data: unknown, method: string, path: string): WpUser {
		const parsed = parseWpUser(data);
		if (!parsed.ok) throw this.badResponse(method, path, parsed.error);
		return parsed.value;
	}

	private badResponse(method: string, path: string, why: string): WordPressApiError {
		return new WordPressApiError({
			kind: 'bad_response',
			site: this.client.site,
			method,
			path,
			wpMessage: why,
		});
	}
}
