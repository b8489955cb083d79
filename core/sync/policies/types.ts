import type { SyncEvent } from '../../schemas/syncEvent';
import type { WpUser } from '../../schemas/wpUser';
import type { SyncPolicyConfig } from '../config';
import type { ReasonCode } from '../result';

export interface PolicyContext {
	event: SyncEvent;
	config: SyncPolicyConfig;
	/** The target's copy of the user, once looked up (policies after the lookup only). */
	targetUser?: WpUser;
}

/** Why a change stops here. Skipped: by design, nothing to do. Rejected: the target refused it. */
export interface Refusal {
	status: 'skipped' | 'rejected';
	reason: ReasonCode;
	message: string;
}

export type Policy = (context: PolicyContext) => Refusal | undefined;

/** True when a login or email list names this user. Lists hold lower-cased entries. */
export function listNames(list: string[], user: { login?: string; username?: string; email: string }): boolean {
	const login = (user.login ?? user.username ?? '').toLowerCase();
	return list.includes(login) || list.includes(user.email.toLowerCase());
}
