import type { SyncUser } from '../schemas/syncUser';
import type { WpUser } from '../schemas/wpUser';
import { findUserBySyncId, resolveUser } from '../wordpress/bridge';
import type { WordPressClient } from '../wordpress/client';
import { UsersApi } from '../wordpress/users';
import type { IdentityMatch, TargetDirectory } from './identity';

/** Live lookups on the target site: the whole lookup in one request through the bridge, else one search each. */
export class RestDirectory implements TargetDirectory {
	private readonly users: UsersApi;
	private readonly tombstones = new Map<string, string>();

	constructor(
		private readonly client: WordPressClient,
		/** Shared per run: once a site is known to have no bridge, later lookups skip the request. */
		private readonly bridge: { available?: boolean },
	) {
		this.users = new UsersApi(client);
	}

	async resolve(user: SyncUser): Promise<IdentityMatch | undefined | null> {
		if (this.bridge.available === false) return null;
		const answer = await resolveUser(this.client, user);
		this.bridge.available = answer !== null;
		if (answer?.tombstone && user.syncId) this.tombstones.set(user.syncId, answer.tombstone);
		return answer === null ? null : answer.found;
	}

	tombstone(syncId: string): string | undefined {
		return this.tombstones.get(syncId);
	}

	async bySyncId(syncId: string): Promise<WpUser | undefined | null> {
		if (this.bridge.available === false) return null;
		const found = await findUserBySyncId(this.client, syncId);
		this.bridge.available = found !== null;
		return found;
	}

	byEmail(email: string): Promise<WpUser | undefined> {
		return this.users.findByEmail(email);
	}

	byLogin(login: string): Promise<WpUser | undefined> {
		return this.users.findByLogin(login);
	}
}
