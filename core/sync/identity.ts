import type { SyncUser } from '../schemas/syncUser';
import { META_SYNC_ID } from '../schemas/syncUser';
import type { WpUser } from '../schemas/wpUser';

/** Where the target's users are looked up: live REST searches, or an index built from one scan. */
export interface TargetDirectory {
	/** The whole rule below in one go, when the site can (null: it cannot, ask the lookups one by one). */
	resolve?(user: SyncUser): Promise<IdentityMatch | undefined | null>;
	/** null: this site cannot look up by sync id (no bridge). */
	bySyncId(syncId: string): Promise<WpUser | undefined | null>;
	byEmail(email: string): Promise<WpUser | undefined>;
	byLogin(login: string): Promise<WpUser | undefined>;
}

export type MatchedBy = 'syncId' | 'email' | 'previousEmail' | 'login';

export interface IdentityMatch {
	user: WpUser;
	matchedBy: MatchedBy;
}

/**
 * Finds the target's copy of a user: by sync id when the site can tell, else exact email, else the previous
 * email (so an email change is followed), else login. Both email and login are unique in WordPress, so a match
 * on either is the same person and a second user is never created for them.
 */
export async function resolveTargetUser(directory: TargetDirectory, user: SyncUser): Promise<IdentityMatch | undefined> {
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
