import { META_SYNC_ID, META_SYNC_LINKED } from '../schemas/syncUser';
import type { SyncEvent } from '../schemas/syncEvent';
import { PASSWORD_HASH_FIELD } from '../wordpress/bridge';
import type { WpUserWrite } from '../wordpress/users';
import { compareVersions, newestVersion } from './version';

/** Write-only field of the bridge's users route: the version of each field written, compared and set atomically. */
export const VERSIONS_FIELD = 'harmonyuser_versions';
/** Query argument of a delete: the delete's version (an older delete loses to a newer change). */
export const DELETE_VERSION_PARAM = 'harmonyuser_version';

/** Bookkeeping the link writes: never versioned, never stale. */
const UNVERSIONED_META = new Set([META_SYNC_ID, META_SYNC_LINKED]);

/**
 * The versioned fields a write touches, named as the bridge keeps them: REST field names, `meta.<key>` per meta
 * key, `password` for the hash. The random password and the login of a create are not versioned.
 */
export function versionKeys(write: WpUserWrite): string[] {
	return Object.keys(write).flatMap((key) => {
		if (key === 'meta')
			return Object.keys(write.meta ?? {})
				.filter((m) => !UNVERSIONED_META.has(m))
				.map((m) => `meta.${m}`);
		if (key === PASSWORD_HASH_FIELD) return ['password'];
		if (key === 'password' || key === 'username') return [];
		return [key];
	});
}

/** The version the event gives a field: its own, or the change's. Undefined for an unversioned source. */
export function eventVersionOf(event: SyncEvent, key: string): string | undefined {
	return event.user.versions?.[key] ?? event.version;
}

/** The event's version of every field of a write, for the bridge's compare-and-set (undefined: none known). */
export function versionsForWrite(
	event: SyncEvent,
	write: WpUserWrite,
): Record<string, string> | undefined {
	const out: Record<string, string> = {};
	for (const key of versionKeys(write)) {
		const version = eventVersionOf(event, key);
		if (version) out[key] = version;
	}
	return Object.keys(out).length ? out : undefined;
}

/**
 * Splits a write into what is newer than the target's copy and what the target already holds in a newer (or
 * the same) version: older loses, field by field, so concurrent edits of different fields both survive.
 */
export function withoutStaleFields(
	write: WpUserWrite,
	event: SyncEvent,
	targetVersions: Record<string, string> | undefined,
): { write: WpUserWrite; stale: string[] } {
	if (!targetVersions) return { write, stale: [] };
	const stale = versionKeys(write).filter((key) => {
		const ours = eventVersionOf(event, key);
		return ours !== undefined && compareVersions(ours, targetVersions[key]) <= 0;
	});
	if (!stale.length) return { write, stale };
	const kept: WpUserWrite = { ...write };
	for (const key of stale) {
		if (key.startsWith('meta.')) {
			const meta = { ...(kept.meta ?? {}) };
			delete meta[key.slice(5)];
			kept.meta = meta;
			if (!Object.keys(meta).length) delete kept.meta;
		} else {
			delete (kept as Record<string, unknown>)[key === 'password' ? PASSWORD_HASH_FIELD : key];
		}
	}
	return { write: kept, stale };
}

/** Whether the target's copy changed after this delete was made (the delete then loses). */
export function deleteIsStale(
	event: SyncEvent,
	targetVersions: Record<string, string> | undefined,
): boolean {
	const ours = event.version ?? newestVersion(Object.values(event.user.versions ?? {}));
	if (!ours || !targetVersions) return false;
	return compareVersions(newestVersion(Object.values(targetVersions)), ours) > 0;
}

/** Whether a tombstone on the target is at least as new as this event (a delete there wins: no re-creation). */
export function tombstoneWins(event: SyncEvent, tombstone: string | undefined): boolean {
	const ours = event.version ?? newestVersion(Object.values(event.user.versions ?? {}));
	return tombstone !== undefined && ours !== undefined && compareVersions(tombstone, ours) >= 0;
}
