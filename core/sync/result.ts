import type { SyncAction, SyncEvent } from '../schemas/syncEvent';
import type { WordPressApiError } from '../wordpress/errors';
import type { NotSynced } from './roles';

export type SyncStatus = 'synced' | 'skipped' | 'rejected' | 'failed' | 'planned';

/** Stable reason codes: workflows branch on them and the sync log indexes them. */
export const REASONS = {
	created: 'the user was created on the target',
	linked:
		'an existing target account was linked to this user (first contact: only the sync id was adopted)',
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
	unidentified_user:
		'the source reported a change without saying who (a WooCommerce delete of a customer the trigger never saw): nothing was looked up',
	protected_account:
		'the target account is outside what sync may change (a role outside Synced Roles, an administrator, the credential user or the content heir)',
	conflict: 'the target account that shares this email or login is a different person',
	not_linked:
		'no sync ever linked or created this target account: a reported or reconcile delete leaves it',
	no_valid_role: 'none of the user’s roles may be given on the target',
	source_incomplete: 'the source listing has invalid, failed or no items: nothing is deleted',
	delete_threshold: 'the deletes exceed the Max Deletes limit: nothing is deleted',
	stale: 'the target already holds a newer version of this change: older loses',
	ip_not_allowed: "the target site's IP allowlist does not let this n8n in",
	unknown_site: 'the site named is not in the network credential',
	site_disabled: 'the site is switched off in the network credential',
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
	/** The target's name in a site network credential (a network run only). */
	targetName?: string;
	/** Every site the item's fan-out wrote or tried (a network run only): a replay tells the target they are covered. */
	fanOut?: string[];
	user: {
		login: string;
		email: string;
		sourceId?: number;
		targetId?: number;
		matchedBy?: string;
	} | null;
	eventId: string | null;
	/** The path the change carries on: the target is added once something was applied there. */
	path: string[];
	changes: string[];
	/** What was left out and why (password, roles, login), each with a stable reason code. */
	notSynced: NotSynced[];
	/** A finer, stable code for refusals and conflicts (e.g. `login_taken`, `sync_id_mismatch`). */
	detail?: string;
	requests: number;
	durationMs: number;
	error?: { kind: string; status?: number; code?: string; message: string };
	/** The validated event, kept so a failed sync can be replayed. */
	event?: SyncEvent;
}

export function errorDetails(error: WordPressApiError): NonNullable<SyncResult['error']> {
	return { kind: error.kind, status: error.status, code: error.code, message: error.message };
}
