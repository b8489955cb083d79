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

/** Why a change stops here. Skipped: by design, nothing to do. Rejected: the target refused it. Failed: it cannot be done. */
export interface Refusal {
	status: 'skipped' | 'rejected' | 'failed';
	reason: ReasonCode;
	message: string;
	/** A finer, stable sub-code (e.g. conflict: `login_taken`, `sync_id_mismatch`). */
	detail?: string;
}

export type Policy = (context: PolicyContext) => Refusal | undefined;

/** True when a login or email list names this user. Lists hold lower-cased entries. */
export function listNames(
	list: string[],
	user: { login?: string; username?: string; email: string },
): boolean {
	const login = (user.login ?? user.username ?? '').toLowerCase();
	return list.includes(login) || list.includes(user.email.toLowerCase());
}
