import { bridgeInfo, type BridgeInfo } from '../wordpress/bridge';
import type { WordPressClient } from '../wordpress/client';
import { UsersApi } from '../wordpress/users';
import type { SyncPolicyConfig } from './config';

/**
 * One target site for the length of one run: its client, its rules and what was learnt about it (whether it
 * has the bridge, who the credential user is). Nothing outlives the run, so queue-mode workers share nothing.
 */
export class TargetSite {
	readonly bridge: { available?: boolean } = {};
	/** Roles the target answered it does not have (rest_user_invalid_role): left out of later writes of this run. */
	readonly missingRoles = new Set<string>();
	private credentialUser?: Promise<number>;
	private bridgeInfo?: Promise<BridgeInfo>;

	constructor(
		readonly client: WordPressClient,
		readonly config: SyncPolicyConfig,
		/** Target user id that receives a deleted user's content; 0 means the credential's own user. */
		private readonly reassignTo: number = 0,
	) {}

	/** The credential's own user id: fetched once, and only when a delete needs it. */
	credentialUserId(): Promise<number> {
		this.credentialUser ??= new UsersApi(this.client).me().then((me) => me.id);
		this.credentialUser.catch(() => (this.credentialUser = undefined));
		return this.credentialUser;
	}

	/** What the target's bridge plugin offers (batch writes, password hashes): asked once, when first needed. */
	info(): Promise<BridgeInfo> {
		this.bridgeInfo ??= bridgeInfo(this.client);
		this.bridgeInfo.catch(() => (this.bridgeInfo = undefined));
		return this.bridgeInfo;
	}

	/** What /info said, if it was already asked in this run (never sends a request). */
	async infoIfKnown(): Promise<BridgeInfo | undefined> {
		return this.bridgeInfo?.catch(() => undefined);
	}

	/** Whether the target runs the bridge: known without a request once a sync-id lookup has told. */
	async hasBridge(): Promise<boolean> {
		return this.bridge.available ?? (await this.info()).bridge;
	}

	async heirId(): Promise<number> {
		return this.reassignTo > 0 ? this.reassignTo : this.credentialUserId();
	}

	async undeletable(): Promise<number[]> {
		return [...new Set([await this.credentialUserId(), await this.heirId()])];
	}
}
