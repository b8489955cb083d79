import { META_SYNC_ID, META_SYNC_LINKED } from '../schemas/syncUser';
import type { SyncEvent } from '../schemas/syncEvent';
import type { WpUser } from '../schemas/wpUser';
import type { WpUserWrite } from '../wordpress/users';
import type { SyncPolicyConfig } from './config';
import { createPayload, diffUser } from './diff';
import { deleteIsStale, tombstoneWins, withoutStaleFields } from '../versions/fields';
import type { IdentityMatch, LinkDecision } from './identity';
import type { Refusal } from './policies';
import { rolesToWrite, type NotSynced } from './roles';
import { wooRoleConfig } from './wooCustomer';

export type Plan =
	| { kind: 'create'; payload: WpUserWrite; notSynced: NotSynced[] }
	| {
			kind: 'update';
			match: IdentityMatch;
			payload: WpUserWrite;
			notSynced: NotSynced[];
			linkOnly?: boolean;
	  }
	| { kind: 'unchanged'; match: IdentityMatch; notSynced: NotSynced[]; linkOnly?: boolean }
	| { kind: 'delete'; match: IdentityMatch }
	| { kind: 'refused'; refusal: Refusal; match?: IdentityMatch };

export interface PlanOptions {
	/** Create a user that an update finds missing (create-on-update, or an explicit upsert). */
	createMissing: boolean;
	/** Target users never deleted: the credential's own user and the content heir. */
	undeletable: number[];
	config: Pick<SyncPolicyConfig, 'roles' | 'roleMapping'>;
	/** Roles the target is known to lack (learnt from its answers during this run). */
	missingRoles?: ReadonlySet<string>;
	/** The version at which the target deleted this sync id (its bridge's tombstone), if it did. */
	tombstone?: string;
}

type Linked = Extract<LinkDecision, { kind: 'linked' }>;

/** Decides what one change means for the target, given the linked copy of the user (or none). */
export function planChange(event: SyncEvent, link: Linked | undefined, options: PlanOptions): Plan {
	if (event.action === 'delete') return planDelete(event, link?.match, options);
	// WooCommerce customers into a site without WooCommerce: customer → subscriber by default (wooCustomer.ts).
	const woo = wooRoleConfig(event, options.config, options.missingRoles);
	const roles = rolesToWrite(event.user.roles, woo.config, options.missingRoles);
	roles.dropped.push(...woo.notes);
	const user = { ...event.user, roles: roles.roles };
	if (link) {
		const diff = { ...diffUser(link.match.user, user), ...linkWrite(event, link) };
		const { write: payload, stale } = withoutStaleFields(
			diff,
			event,
			link.match.user.harmonyuser_versions,
		);
		const notSynced = [
			...roles.dropped,
			...loginDifference(event, link.match.user),
			...stale.map(staleField),
		];
		if (stale.length && !Object.keys(payload).length) {
			return {
				kind: 'refused',
				refusal: staleRefusal(`the target holds newer versions of ${stale.join(', ')}`),
				match: link.match,
			};
		}
		return planFor(link.match, payload, notSynced);
	}
	if (tombstoneWins(event, options.tombstone))
		return {
			kind: 'refused',
			refusal: staleRefusal('the target deleted this user after this change'),
		};
	if (event.action !== 'create' && !options.createMissing) {
		return refused(
			'skipped',
			'user_not_found',
			`${event.user.login} does not exist on the target and create-on-update is off`,
		);
	}
	if (event.user.roles.length && !roles.roles.length) {
		return refused(
			'failed',
			'no_valid_role',
			`none of [${event.user.roles.join(', ')}] may be given on the target: ${roles.dropped.map((d) => d.message).join('; ')}`,
		);
	}
	// Created by a sync: linked from the start (a bridge target keeps the event's sync id, or assigns one).
	const payload = createPayload(user);
	payload.meta = { ...payload.meta, [META_SYNC_LINKED]: '1' };
	return { kind: 'create', payload, notSynced: roles.dropped };
}

/**
 * First contact with an account that existed before any sync reached it: the link is recorded (the sync id
 * adopted, or the local id confirmed) and nothing else changes, so a registration elsewhere cannot rewrite it.
 */
export function planLinkOnly(event: SyncEvent, link: Linked): Plan {
	const notSynced: NotSynced[] = [
		{
			field: '*',
			reason: 'first_contact',
			message:
				'the account existed before this sync reached it: only the link is recorded, later changes sync',
		},
	];
	const payload = linkWrite(event, link, true);
	return planFor(link.match, payload, notSynced, true);
}

/**
 * The meta write that records a link on a bridge site: the event's sync id replaces a provisional one (or
 * fills an empty one), flagged as linked. `confirm`: also flag a provisional id the event does not replace.
 */
export function linkWrite(event: SyncEvent, link: Linked, confirm = false): WpUserWrite {
	if (link.state === 'unknown' || link.state === 'linked') return {};
	if (link.adopt && event.user.syncId)
		return { meta: { [META_SYNC_ID]: event.user.syncId.toLowerCase(), [META_SYNC_LINKED]: '1' } };
	return confirm && META_SYNC_LINKED in link.match.user.meta
		? { meta: { [META_SYNC_LINKED]: '1' } }
		: {};
}

/** WordPress never renames a login: a linked account keeps its own, and the result says so. */
export function loginDifference(event: SyncEvent, target: WpUser): NotSynced[] {
	if (event.user.login.toLowerCase() === target.username.toLowerCase()) return [];
	return [
		{
			field: 'login',
			reason: 'login_immutable',
			message: `the target keeps its login ${target.username} (WordPress never renames a login)`,
		},
	];
}

function planFor(
	match: IdentityMatch,
	payload: WpUserWrite,
	notSynced: NotSynced[],
	linkOnly = false,
): Plan {
	return Object.keys(payload).length
		? { kind: 'update', match, payload, notSynced, linkOnly }
		: { kind: 'unchanged', match, notSynced, linkOnly };
}

/** A field the target holds in a newer version: older loses. */
export function staleField(field: string): NotSynced {
	return { field, reason: 'stale', message: 'the target holds a newer version' };
}

function staleRefusal(why: string): Refusal {
	return { status: 'skipped', reason: 'stale', message: `older than the target's copy: ${why}` };
}

function planDelete(
	event: SyncEvent,
	match: IdentityMatch | undefined,
	options: PlanOptions,
): Plan {
	if (!match)
		return refused(
			'skipped',
			'user_not_found',
			'the user does not exist on the target: nothing to delete',
		);
	if (deleteIsStale(event, match.user.harmonyuser_versions)) {
		return {
			kind: 'refused',
			refusal: staleRefusal('the user changed on the target after this delete'),
			match,
		};
	}
	if (options.undeletable.includes(match.user.id)) {
		const message = `${describe(match.user)} is the credential user or the content heir`;
		return {
			kind: 'refused',
			refusal: {
				status: 'rejected',
				reason: 'protected_account',
				message,
				detail: 'credential_or_heir',
			},
			match,
		};
	}
	return { kind: 'delete', match };
}

function refused(
	status: Refusal['status'],
	reason: Refusal['reason'],
	message: string,
): Extract<Plan, { kind: 'refused' }> {
	return { kind: 'refused', refusal: { status, reason, message } };
}

function describe(user: WpUser): string {
	return `${user.username} (#${user.id})`;
}
