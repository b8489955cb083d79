import { randomUUID } from 'node:crypto';
import type { SyncEventInput } from '../schemas/syncEvent';
import type { SyncUser } from '../schemas/syncUser';
import { toUserRecord, type UserRecord, type WpUser } from '../schemas/wpUser';
import { newestVersion, versionFromTime } from '../versions/version';
import type { UserChange } from './diff';

export const POLL_EVENT_KINDS = ['created', 'updated', 'deleted'] as const;
export type PollEventKind = (typeof POLL_EVENT_KINDS)[number];

const ACTIONS = { created: 'create', updated: 'update', deleted: 'delete' } as const;

/** The sync event a change becomes, as every HarmonyUser trigger emits it. */
export function changeToEvent(
	site: string,
	change: UserChange,
	time: string,
	syncIds: ReadonlyMap<number, string> = new Map(),
): SyncEventInput {
	const user =
		change.kind === 'deleted'
			? deletedUser(change.id, change.before, syncIds.get(change.id))
			: eventUser(site, change);
	return {
		id: randomUUID(),
		event: `user.${change.kind}`,
		action: ACTIONS[change.kind],
		time,
		// The bridge's own field versions when the site reports them; else the time the poll saw the change: a
		// weaker version (it follows the real change by up to one poll interval) that still orders later polls.
		version: newestVersion(Object.values(user.versions ?? {})) ?? versionFromTime(time, site),
		source: { url: site },
		path: [site],
		user,
	};
}

function eventUser(site: string, change: Exclude<UserChange, { kind: 'deleted' }>): SyncUser {
	// The event describes the user, not where it lives: site, id and registration date stay out.
	const record: Partial<UserRecord> = toUserRecord(site, change.user);
	delete record.site;
	delete record.id;
	delete record.registeredDate;
	const user = record as SyncUser;
	if (change.kind === 'updated' && change.before.email !== change.user.email) {
		return { ...user, previousEmail: change.before.email };
	}
	return user;
}

/** A deleted user is known only by what the snapshot (or the bridge's tombstone) kept: login, email, sync id. */
function deletedUser(
	id: number,
	before: { login: string; email: string },
	syncId?: string,
): SyncUser {
	return {
		login: before.login,
		email: before.email,
		roles: [],
		meta: {},
		syncId: syncId || undefined,
		sourceId: id,
		flags: { prohibitPropagation: false, rejectIncoming: false },
	};
}

/** Which changes to announce: the chosen kinds; created and updated users only when they have one of the roles. */
export function wantedChange(
	change: UserChange,
	kinds: ReadonlySet<PollEventKind>,
	roles: string[],
): boolean {
	if (!kinds.has(change.kind)) return false;
	// A deleted user's roles are not kept, so deletes pass the role filter.
	if (change.kind === 'deleted' || roles.length === 0) return true;
	return hasRole(change.user, roles);
}

function hasRole(user: WpUser, roles: string[]): boolean {
	return user.roles.some((role) => roles.includes(role));
}
