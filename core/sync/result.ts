import type { SyncAction, SyncEvent } from '../schemas/syncEvent';
import type { WordPressApiError } from '../wordpress/errors';

export type SyncStatus = 'synced' | 'skipped' | 'rejected' | 'failed' | 'planned';

/** Stable reason codes: workflows branch on them and the sync log indexes them. */
export const REASONS = {
	created: 'the user was created on the target',
	updated: 'the changed fields were written to the target',
	deleted: 'the user was deleted on the target and their content reassigned',
	unchanged: 'the target already matches: nothing written',
	invalid_event: 'the item is not a valid sync event or user',
	loop_detected: 'the target is already in the propagation path',
	source_not_whitelisted: "the source is not in the target's whitelist",
	target_read_only: 'the target site is read-only for sync',
	role_filtered: 'none of the user’s roles is selected for sync',
	propagation_prohibited: "the user's changes are not propagated (prohibit propagation)",
	target_user_protected: 'the target user rejects incoming modifications',
	user_not_found: 'the user does not exist on the target',
	protected_account: 'the credential user and the content heir are never deleted',
	conflict: 'another target user already owns this email or login',
	wordpress_error: 'WordPress refused or failed the request',
} as const;

export type ReasonCode = keyof typeof REASONS;

export interface SyncResult {
	status: SyncStatus;
	/** What was done (or, in a dry run, would be done) on the target. */
	action: SyncAction | 'none';
	/** What the event asked for. */
	requestedAction: SyncAction | null;
	reason: ReasonCode;
	message: string;
	source: string | null;
	target: string;
	user: { login: string; email: string; sourceId?: number; targetId?: number; matchedBy?: string } | null;
	eventId: string | null;
	/** The path the change carries on: the target is added once something was applied there. */
	path: string[];
	changes: string[];
	requests: number;
	durationMs: number;
	error?: { kind: string; status?: number; code?: string; message: string };
	/** The validated event, kept so a failed sync can be replayed. */
	event?: SyncEvent;
}

export function errorDetails(error: WordPressApiError): NonNullable<SyncResult['error']> {
	return { kind: error.kind, status: error.status, code: error.code, message: error.message };
}
