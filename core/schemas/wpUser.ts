import { z } from 'zod';
import { describeZodError } from './validationMessage';
import { isVersion } from '../versions/version';
import type { ParseResult } from './syncEvent';
import {
	isMetaOn,
	META_PROHIBIT_PROPAGATION,
	META_REJECT_INCOMING,
	META_SYNC_ID,
	portableMeta,
	type SyncUser,
} from './syncUser';

/** A user as the WordPress REST API returns it with context=edit (the fields this package reads). */
export const wpUserSchema = z
	.object({
		id: z.number().int().positive(),
		username: z.string(),
		email: z.string(),
		name: z.string().default(''),
		first_name: z.string().default(''),
		last_name: z.string().default(''),
		nickname: z.string().default(''),
		url: z.string().default(''),
		description: z.string().default(''),
		locale: z.string().default(''),
		/** The bridge's raw locale ('' = "Site Default"); core's `locale` falls back to the site's language. */
		harmonyuser_locale: z.string().optional(),
		/** The bridge's record of the version of each field on this site (absent without the bridge). */
		harmonyuser_versions: z
			.union([z.record(z.string()), z.array(z.unknown())])
			.transform((versions) => (Array.isArray(versions) ? {} : versions))
			.optional(),
		/** In a write's answer from the bridge: the versioned fields it refused as older than its copy. */
		harmonyuser_stale: z.array(z.string()).optional(),
		roles: z.array(z.string()).default([]),
		registered_date: z.string().optional(),
		// WordPress serialises an empty meta object as [].
		meta: z
			.union([z.record(z.unknown()), z.array(z.unknown())])
			.transform((meta) => (Array.isArray(meta) ? {} : meta))
			.default({}),
	})
	.passthrough();

export type WpUser = z.infer<typeof wpUserSchema>;

/** The REST fields this package reads; sent as `_fields` so WordPress does less work. */
export const WP_USER_FIELDS = [
	'id',
	'username',
	'email',
	'name',
	'first_name',
	'last_name',
	'nickname',
	'url',
	'description',
	'locale',
	'harmonyuser_locale',
	'harmonyuser_versions',
	'harmonyuser_stale',
	'roles',
	'registered_date',
	'meta',
].join(',');

export function parseWpUser(input: unknown): ParseResult<WpUser> {
	const result = wpUserSchema.safeParse(input);
	if (result.success) return { ok: true, value: result.data };
	return { ok: false, error: describeZodError(result.error, 'WordPress user') };
}

/** REST profile fields and the sync user fields they carry. */
export type RestProfileField =
	| 'name'
	| 'first_name'
	| 'last_name'
	| 'nickname'
	| 'url'
	| 'description'
	| 'locale';

export const PROFILE_FIELDS: ReadonlyArray<readonly [RestProfileField, keyof SyncUser]> = [
	['name', 'displayName'],
	['first_name', 'firstName'],
	['last_name', 'lastName'],
	['nickname', 'nickname'],
	['url', 'url'],
	['description', 'description'],
	['locale', 'locale'],
];

/** A site's user as the Get Users operation emits it: the sync user plus where it lives. */
export interface UserRecord extends SyncUser {
	site: string;
	id: number;
	registeredDate?: string;
}

/**
 * The user's own locale: '' for "Site Default". The bridge tells it exactly; without it, core answers the site's
 * language for such users, so a locale equal to `siteLocale` (when known) is taken as "Site Default" — copying it
 * would pin the user to this site's language on a site in another one.
 */
export function ownLocale(user: WpUser, siteLocale?: string): string {
	if (user.harmonyuser_locale !== undefined) return user.harmonyuser_locale;
	return siteLocale !== undefined && user.locale === siteLocale ? '' : user.locale;
}

function validVersions(
	versions: Record<string, string> | undefined,
): Record<string, string> | undefined {
	const valid = Object.entries(versions ?? {}).filter(([, version]) => isVersion(version));
	return valid.length ? Object.fromEntries(valid) : undefined;
}

export function toUserRecord(site: string, user: WpUser, siteLocale?: string): UserRecord {
	const syncId = user.meta[META_SYNC_ID];
	return {
		site,
		id: user.id,
		login: user.username,
		email: user.email,
		displayName: user.name,
		firstName: user.first_name,
		lastName: user.last_name,
		nickname: user.nickname,
		url: user.url,
		description: user.description,
		locale: ownLocale(user, siteLocale),
		roles: user.roles,
		meta: portableMeta(user.meta),
		syncId: typeof syncId === 'string' && syncId !== '' ? syncId : undefined,
		sourceId: user.id,
		versions: validVersions(user.harmonyuser_versions),
		flags: {
			prohibitPropagation: isMetaOn(user.meta[META_PROHIBIT_PROPAGATION]),
			rejectIncoming: isMetaOn(user.meta[META_REJECT_INCOMING]),
		},
		registeredDate: user.registered_date,
	};
}
