import type { WpUser } from '../schemas/wpUser';
import type { KnownUser, Snapshot } from './snapshot';
import { knownUser } from './snapshot';

/** A change found by comparing what a site shows now with what the last poll saw. */
export type UserChange =
	| { kind: 'created'; user: WpUser }
	| { kind: 'updated'; user: WpUser; before: KnownUser }
	| { kind: 'deleted'; id: number; before: KnownUser };

/** A user the site reports deleted (bridge tombstone). */
export interface Tombstone {
	id: number;
	login: string;
	email: string;
	syncId?: string | null;
}

/**
 * Applies users seen now to the snapshot (in place) and returns what changed. A known id with the same fingerprint,
 * login and email is no change, which also absorbs the bridge's inclusive `since` repeating the last second.
 */
export function applySeenUsers(snapshot: Snapshot, users: WpUser[]): UserChange[] {
	const changes: UserChange[] = [];
	for (const user of users) {
		const now = knownUser(user);
		const before = snapshot.get(user.id);
		snapshot.set(user.id, now);
		if (!before) changes.push({ kind: 'created', user });
		else if (!sameUser(before, now)) changes.push({ kind: 'updated', user, before });
	}
	return changes;
}

/** Removes users from the snapshot (in place); only ids it knew count as deletes (the rest were never announced). */
export function applyDeletedIds(snapshot: Snapshot, ids: Iterable<number>): UserChange[] {
	const changes: UserChange[] = [];
	for (const id of ids) {
		const before = snapshot.get(id);
		if (!before) continue;
		snapshot.delete(id);
		changes.push({ kind: 'deleted', id, before });
	}
	return changes;
}

/** A full scan: every user of the site. Ids the snapshot knew that are gone now were deleted. */
export function diffFullScan(snapshot: Snapshot, users: WpUser[]): UserChange[] {
	const seen = new Set(users.map((user) => user.id));
	const gone = [...snapshot.keys()].filter((id) => !seen.has(id));
	return [...applySeenUsers(snapshot, users), ...applyDeletedIds(snapshot, gone)];
}

function sameUser(a: KnownUser, b: KnownUser): boolean {
	return a.fingerprint === b.fingerprint && a.login === b.login && a.email === b.email;
}
