import type { SyncEvent } from '../schemas/syncEvent';
import {
	decideLink,
	resolveTargetUser,
	type IdentityMatch,
	type LinkDecision,
	type TargetDirectory,
} from './identity';
import { planChange, planLinkOnly, type Plan } from './plan';
import { firstRefusal, POLICIES_AFTER_LOOKUP, POLICIES_BEFORE_LOOKUP } from './policies';
import type { TargetSite } from './target';

/**
 * Who asks for the change. `event`: a site reported it (Apply Event) — anyone may have registered there, so a
 * first contact only links. `manual`: an administrator's own run (Upsert, Delete, Reconcile) may align linked
 * accounts, within the protection rule.
 */
export type Mode = 'event' | 'manual';

export interface DecideOptions {
	mode: Mode;
	/** Create a user that an update finds missing. */
	createMissing: boolean;
	/** The target's tombstone version for the event's sync id (a newer delete there wins over a create). */
	tombstone?: string;
}

/**
 * The one place the order of the rules is decided, for every operation:
 * policies before the lookup → the target's candidate → the linking rule → policies on the target's copy →
 * ownership (deletes) and trust (first contact) → the plan.
 */
export async function decide(
	target: TargetSite,
	event: SyncEvent,
	lookup: () => Promise<Lookup>,
	options: DecideOptions,
): Promise<Plan> {
	const early = firstRefusal(POLICIES_BEFORE_LOOKUP, { event, config: target.config });
	if (early) return { kind: 'refused', refusal: early };
	const { candidate, tombstone } = await lookup();
	return decideFor(target, event, candidate, { ...options, tombstone });
}

/** What the target knows of the user: its candidate, and whether it deleted this sync id (at which version). */
export interface Lookup {
	candidate?: IdentityMatch;
	tombstone?: string;
}

/** The lookup of `decide` against live REST searches (or the bridge's one-request resolve). */
export function lookupIn(directory: TargetDirectory, event: SyncEvent): () => Promise<Lookup> {
	return async () => {
		const candidate = await resolveTargetUser(directory, event.user);
		const tombstone =
			!candidate && event.user.syncId ? directory.tombstone?.(event.user.syncId) : undefined;
		return { candidate, tombstone };
	};
}

/** The rules after the lookup, for a candidate already found (reconcile finds them all from one scan). */
export async function decideFor(
	target: TargetSite,
	event: SyncEvent,
	candidate: IdentityMatch | undefined,
	options: DecideOptions,
): Promise<Plan> {
	const { config } = target;
	const link = decideLink(event.user, candidate, config);
	if (link.kind === 'conflict')
		return { kind: 'refused', refusal: link.refusal, match: link.match };
	const linked = link.kind === 'linked' ? link : undefined;
	const late = firstRefusal(POLICIES_AFTER_LOOKUP, {
		event,
		config,
		targetUser: linked?.match.user,
	});
	if (late) return { kind: 'refused', refusal: late, match: linked?.match };
	if (linked && options.mode === 'event') {
		if (event.action === 'delete' && !ownedBySync(linked)) {
			const message = `${linked.match.user.username} (#${linked.match.user.id}) was found by ${linked.match.matchedBy} but never linked by a sync: a reported delete does not remove it`;
			return {
				kind: 'refused',
				refusal: { status: 'rejected', reason: 'not_linked', message },
				match: linked.match,
			};
		}
		if (event.action !== 'delete' && isFirstContact(event, linked))
			return planLinkOnly(event, linked);
	}
	return planChange(event, linked, {
		createMissing: options.createMissing,
		undeletable: event.action === 'delete' && linked ? await target.undeletable() : [],
		config,
		missingRoles: target.missingRoles,
		tombstone: options.tombstone,
	});
}

type Linked = Extract<LinkDecision, { kind: 'linked' }>;

/**
 * A reported change meets an account no sync has linked yet: it existed before, on its own. With the bridge
 * the target tells (a provisional sync id); without it, a `create` reported by the source is the tell.
 */
export function isFirstContact(event: SyncEvent, link: Linked): boolean {
	if (link.match.matchedBy === 'syncId' || link.state === 'linked') return false;
	if (link.state === 'provisional') return true;
	return event.action === 'create';
}

/** An account a reported delete may remove: linked by a sync (or, on a site that cannot tell, found by email). */
export function ownedBySync(link: Linked): boolean {
	return link.match.matchedBy === 'syncId' || link.state !== 'provisional';
}
