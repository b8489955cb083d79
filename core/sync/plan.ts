import type { SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import type { WpUserWrite } from '../wordpress/users';
import { createPayload, diffUser } from './diff';
import type { IdentityMatch } from './identity';
import type { Refusal } from './policies';

export type Plan =
	| { kind: 'create'; payload: WpUserWrite }
	| { kind: 'update'; match: IdentityMatch; payload: WpUserWrite }
	| { kind: 'unchanged'; match: IdentityMatch }
	| { kind: 'delete'; match: IdentityMatch }
	| { kind: 'refused'; refusal: Refusal; match?: IdentityMatch };

export interface PlanOptions {
	/** Create a user that an update finds missing (create-on-update, or an explicit upsert). */
	createMissing: boolean;
	/** Target users never deleted: the credential's own user and the content heir. */
	undeletable: number[];
}

/** Decides what one change means for the target, given its copy of the user (or none). */
export function planChange(event: SyncEvent, match: IdentityMatch | undefined, options: PlanOptions): Plan {
	if (event.action === 'delete') return planDelete(match, options);
	if (match) {
		const payload = diffUser(match.user, event.user);
		return Object.keys(payload).length ? { kind: 'update', match, payload } : { kind: 'unchanged', match };
	}
	if (event.action === 'create' || options.createMissing) return { kind: 'create', payload: createPayload(event.user) };
	return refused('skipped', 'user_not_found', `${event.user.login} does not exist on the target and create-on-update is off`);
}

function planDelete(match: IdentityMatch | undefined, options: PlanOptions): Plan {
	if (!match) return refused('skipped', 'user_not_found', 'the user does not exist on the target: nothing to delete');
	if (options.undeletable.includes(match.user.id)) {
		const message = `${describe(match.user)} is the credential user or the content heir`;
		return { kind: 'refused', refusal: { status: 'rejected', reason: 'protected_account', message }, match };
	}
	return { kind: 'delete', match };
}

function refused(status: Refusal['status'], reason: Refusal['reason'], message: string): Extract<Plan, { kind: 'refused' }> {
	return { kind: 'refused', refusal: { status, reason, message } };
}

function describe(user: WpUser): string {
	return `${user.username} (#${user.id})`;
}
