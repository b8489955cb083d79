import { randomBytes } from 'node:crypto';
import { META_SYNC_ID, portableMeta, type SyncUser } from '../schemas/syncUser';
import { PROFILE_FIELDS, type WpUser } from '../schemas/wpUser';
import type { WpUserWrite } from '../wordpress/users';

/**
 * Only what differs: a user that already matches yields an empty object, so nothing is written and two-way
 * syncs settle even without a propagation path. Absent fields are left alone; so are empty roles (WordPress
 * would strip the user's roles) and an empty locale (it means "the site's language").
 */
export function diffUser(target: WpUser, user: SyncUser): WpUserWrite {
	const changes: WpUserWrite = {};
	if (user.email !== target.email) changes.email = user.email;
	for (const [field, key] of PROFILE_FIELDS) {
		const value = user[key] as string | undefined;
		if (value === undefined || (field === 'locale' && value === '')) continue;
		if (value !== target[field]) changes[field] = value;
	}
	if (user.roles.length && !sameSet(user.roles, target.roles)) changes.roles = [...user.roles];
	const meta = metaChanges(target, user);
	if (Object.keys(meta).length) changes.meta = meta;
	return changes;
}

/** Everything the user has, for a create. The password is random: WordPress requires one, and it is never shown. */
export function createPayload(user: SyncUser): WpUserWrite {
	const payload: WpUserWrite = {
		username: user.login,
		email: user.email,
		password: randomPassword(),
	};
	for (const [field, key] of PROFILE_FIELDS) {
		const value = user[key] as string | undefined;
		if (value !== undefined && value !== '') payload[field] = value;
	}
	if (user.roles.length) payload.roles = [...user.roles];
	// Keys the target has not registered are ignored by WordPress, so all of them can be sent.
	const meta: Record<string, unknown> = portableMeta(user.meta);
	if (user.syncId) meta[META_SYNC_ID] = user.syncId;
	if (Object.keys(meta).length) payload.meta = meta;
	return payload;
}

/**
 * Names of the fields a write changes, for the result (never the values: they may be personal). The random
 * password of a create (throwaway or not) is not a change; the source's password hash is, as "password".
 */
export function changedFields(write: WpUserWrite): string[] {
	return Object.keys(write)
		.filter((key) => key !== 'password' && key !== 'harmonyuser_throwaway_password')
		.flatMap((key) => {
			if (key === 'meta') return Object.keys(write.meta ?? {}).map((m) => `meta.${m}`);
			return [key === 'harmonyuser_password_hash' ? 'password' : key];
		});
}

function metaChanges(target: WpUser, user: SyncUser): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	// Only keys the target exposes can be written (registered meta); the rest is silently dropped by WordPress.
	for (const [key, value] of Object.entries(portableMeta(user.meta))) {
		if (key in target.meta && asText(target.meta[key]) !== asText(value)) out[key] = value;
	}
	return out;
}

function asText(value: unknown): string {
	return value === null || value === undefined ? '' : String(value);
}

// Compared as sets: a repeated role must not hide one the target has and the user lacks.
function sameSet(a: string[], b: string[]): boolean {
	const left = new Set(a);
	const right = new Set(b);
	return left.size === right.size && [...left].every((item) => right.has(item));
}

function randomPassword(): string {
	return randomBytes(24).toString('base64url');
}
