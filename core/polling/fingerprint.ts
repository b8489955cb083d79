import { createHash } from 'node:crypto';
import {
	isMetaOn,
	META_PROHIBIT_PROPAGATION,
	META_REJECT_INCOMING,
	portableMeta,
} from '../schemas/syncUser';
import type { WpUser } from '../schemas/wpUser';

/** REST fields a poll reads: what the fingerprint and the event need (no registered_date: it never changes). */
export const POLL_FIELDS =
	'id,username,email,name,first_name,last_name,nickname,url,description,locale,harmonyuser_locale,roles,meta';

/** Bytes of SHA-1 kept: 8 bytes (64 bits) make an unnoticed change astronomically unlikely, in 11 characters. */
const FINGERPRINT_BYTES = 8;

/**
 * A short hash of the synced profile fields, roles, portable meta and sync switches. Login and email are not in it: the snapshot keeps them
 * verbatim (deletes and email changes need their values, not just a hash).
 */
export function fingerprintUser(user: WpUser): string {
	// The bridge's own meta (sync id, last-changed time) is not a change of the user; its two switches are.
	const portable = portableMeta(user.meta);
	const meta = Object.keys(portable)
		.sort()
		.map((key) => [key, portable[key]]);
	const flags = [
		isMetaOn(user.meta[META_PROHIBIT_PROPAGATION]),
		isMetaOn(user.meta[META_REJECT_INCOMING]),
	];
	const normalized = JSON.stringify([
		user.name,
		user.first_name,
		user.last_name,
		user.nickname,
		user.url,
		user.description,
		user.locale,
		[...user.roles].sort(),
		meta,
		flags,
	]);
	return createHash('sha1')
		.update(normalized)
		.digest()
		.subarray(0, FINGERPRINT_BYTES)
		.toString('base64url');
}
