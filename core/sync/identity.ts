import type { SyncUser } from '../schemas/syncUser';
import { META_SYNC_ID, META_SYNC_LINKED } from '../schemas/syncUser';
import type { WpUser } from '../schemas/wpUser';
import type { Refusal } from './policies/types';

/** Where the target's users are looked up: live REST searches, or an index built from one scan. */
export interface TargetDirectory {
	/** The whole rule below in one go, when the site can (null: it cannot, ask the lookups one by one). */
	resolve?(user: SyncUser): Promise<IdentityMatch | undefined | null>;
	/** null: this site cannot look up by sync id (no bridge). */
	bySyncId(syncId: string): Promise<WpUser | undefined | null>;
	byEmail(email: string): Promise<WpUser | undefined>;
	byLogin(login: string): Promise<WpUser | undefined>;
	/** The version at which the site deleted the user with this sync id, as its last lookup told (bridge only). */
	tombstone?(syncId: string): string | undefined;
}

export type MatchedBy = 'syncId' | 'email' | 'previousEmail' | 'login';

export interface IdentityMatch {
	user: WpUser;
	matchedBy: MatchedBy;
}

/**
 * Finds the target's CANDIDATE for a user: by sync id when the site can tell, else exact email, else the
 * previous email (so an email change is followed), else login. A candidate is not yet a link: `decideLink`
 * says whether it is the same person.
 */
export async function resolveTargetUser(
	directory: TargetDirectory,
	user: SyncUser,
): Promise<IdentityMatch | undefined> {
	const resolved = directory.resolve ? await directory.resolve(user) : null;
	if (resolved !== null) return resolved;
	if (user.syncId) {
		const found = await directory.bySyncId(user.syncId);
		if (found) return { user: found, matchedBy: 'syncId' };
	}
	const byEmail = await directory.byEmail(user.email);
	if (byEmail) return { user: byEmail, matchedBy: 'email' };
	if (user.previousEmail && user.previousEmail.toLowerCase() !== user.email.toLowerCase()) {
		const byPrevious = await directory.byEmail(user.previousEmail);
		if (byPrevious) return { user: byPrevious, matchedBy: 'previousEmail' };
	}
	const byLogin = await directory.byLogin(user.login);
	if (byLogin) return { user: byLogin, matchedBy: 'login' };
	return undefined;
}

/** A directory over users already fetched (the reconcile scan): no requests. */
export class IndexedDirectory implements TargetDirectory {
	private readonly syncIds = new Map<string, WpUser>();
	private readonly emails = new Map<string, WpUser>();
	private readonly logins = new Map<string, WpUser>();
	private readonly exposesSyncId: boolean;

	constructor(users: WpUser[]) {
		let exposes = false;
		for (const user of users) {
			if (META_SYNC_ID in user.meta) exposes = true;
			const syncId = user.meta[META_SYNC_ID];
			if (typeof syncId === 'string' && syncId) this.syncIds.set(syncId, user);
			this.emails.set(user.email.toLowerCase(), user);
			this.logins.set(user.username.toLowerCase(), user);
		}
		this.exposesSyncId = exposes;
	}

	async bySyncId(syncId: string): Promise<WpUser | undefined | null> {
		return this.exposesSyncId ? this.syncIds.get(syncId) : null;
	}

	async byEmail(email: string): Promise<WpUser | undefined> {
		return this.emails.get(email.toLowerCase());
	}

	async byLogin(login: string): Promise<WpUser | undefined> {
		return this.logins.get(login.toLowerCase());
	}
}

/**
 * How far a target user is known to belong to the network:
 * - `linked`: its sync id came from (or was confirmed by) a sync, so it is authoritative;
 * - `provisional`: the site runs the bridge, but the id was assigned there and no sync has confirmed it yet;
 * - `unknown`: the site exposes no sync ids (no bridge), so nothing can be told.
 */
export type LinkState = 'linked' | 'provisional' | 'unknown';

export function syncIdOf(user: WpUser): string | undefined {
	const value = user.meta[META_SYNC_ID];
	return typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined;
}

export function linkStateOf(user: WpUser): LinkState {
	if (META_SYNC_LINKED in user.meta)
		return user.meta[META_SYNC_LINKED] === '1' ? 'linked' : 'provisional';
	// A site exposing sync ids without the linked flag (an older bridge): an id there was written by a sync.
	if (META_SYNC_ID in user.meta) return syncIdOf(user) ? 'linked' : 'provisional';
	return 'unknown';
}

export interface LinkOptions {
	/** A candidate found only by login (the email differs) may be linked: for networks that control logins. */
	linkByLogin: boolean;
}

export type LinkDecision =
	| { kind: 'none' }
	/** The same person. `adopt`: the target's copy takes the event's sync id (it had none, or a provisional one). */
	| { kind: 'linked'; match: IdentityMatch; state: LinkState; adopt: boolean }
	| { kind: 'conflict'; match: IdentityMatch; refusal: Refusal };

/** The linking rule, one named rule per way a candidate was found (README: "The linking rule"). */
export function decideLink(
	user: SyncUser,
	match: IdentityMatch | undefined,
	options: LinkOptions,
): LinkDecision {
	if (!match) return { kind: 'none' };
	switch (match.matchedBy) {
		case 'syncId':
			return linkBySyncId(match);
		case 'email':
		case 'previousEmail':
			return linkByEmail(user, match);
		case 'login':
			return linkByLogin(user, match, options);
	}
}

/** The same sync id on both copies: the same person, whatever their email or login now are. */
export function linkBySyncId(match: IdentityMatch): LinkDecision {
	return { kind: 'linked', match, state: linkStateOf(match.user), adopt: false };
}

/**
 * An exact email (or previous email) match links, unless the candidate already holds a different linked sync
 * id: then it is another person of the network who uses that address, never merged.
 */
export function linkByEmail(user: SyncUser, match: IdentityMatch): LinkDecision {
	const state = linkStateOf(match.user);
	const theirs = syncIdOf(match.user);
	const ours = user.syncId?.toLowerCase();
	if (ours && theirs && ours !== theirs && state === 'linked') {
		return conflict(
			match,
			'sync_id_mismatch',
			`${describe(match.user)} has the same email but is linked to another sync id`,
		);
	}
	return {
		kind: 'linked',
		match,
		state,
		adopt: Boolean(ours && ours !== theirs && state !== 'unknown'),
	};
}

/**
 * A login shared by two accounts with different emails is two people (WordPress lets anyone register any free
 * login on their own site): a conflict, unless the node is told logins identify people in this network.
 */
export function linkByLogin(
	user: SyncUser,
	match: IdentityMatch,
	options: LinkOptions,
): LinkDecision {
	if (!options.linkByLogin) {
		return conflict(
			match,
			'login_taken',
			`${describe(match.user)} has the same login but another email: a different person`,
		);
	}
	return linkByEmail(user, match);
}

function conflict(match: IdentityMatch, detail: string, message: string): LinkDecision {
	return {
		kind: 'conflict',
		match,
		refusal: { status: 'rejected', reason: 'conflict', message, detail },
	};
}

function describe(user: WpUser): string {
	return `target user ${user.username} (#${user.id})`;
}
