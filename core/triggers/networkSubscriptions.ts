import { coversNetwork } from '../network/network';

/**
 * One webhook trigger for a whole site network: which bridge subscriptions it keeps, makes and deletes, how a
 * delivery names its site, and what an activation that failed on some sites leaves behind. Pure: the node
 * (nodes/HarmonyUserSyncTrigger/transport/networkHooks.ts) sends the requests.
 *
 * Each enabled site of the network gets its own subscription, delivering to the node's webhook URL plus
 * `?site=<name>`, signed with its own secret: a delivery is verified with the secret of the site its URL names,
 * and its body must speak for that site's URL.
 */

/** A site as the trigger knows it: its stable name (in the delivery URL) and its normalized URL. */
export interface SiteRef {
	name: string;
	url: string;
}

/** One site of a network trigger, as the node's static data records it. */
export interface RecordedSite extends SiteRef {
	/** The bridge subscription's id on the site; absent while the site has none. */
	webhookId?: string;
	/** The secret registered with that subscription (this site's deliveries are signed with it). */
	secret?: string;
	/** Not subscribed at the last activation (the site was down at start-up): subscribed at the next one. */
	pending?: boolean;
}

/** A subscription as the bridge lists it (GET /harmonyuser/v1/webhooks). */
export interface BridgeSubscription {
	id: string;
	url: string;
	events: string[];
}

/** The query parameter naming the site a delivery comes from. */
export const SITE_QUERY = 'site';

/** Where one site delivers: the node's webhook URL plus `?site=<name>`. */
export function deliveryUrl(webhookUrl: string, name: string): string {
	return `${webhookUrl}${webhookUrl.includes('?') ? '&' : '?'}${SITE_QUERY}=${encodeURIComponent(name)}`;
}

/** The recorded site a delivery's `site` query value names (case-insensitive), or undefined. */
export function siteOfDelivery(recorded: RecordedSite[], value: unknown): RecordedSite | undefined {
	if (typeof value !== 'string' || !value.trim()) return undefined;
	const wanted = value.trim().toLowerCase();
	return recorded.find((site) => site.name.toLowerCase() === wanted);
}

function sameSite(a: SiteRef, b: SiteRef): boolean {
	return a.name === b.name && a.url === b.url;
}

export interface NetworkPlan<S extends SiteRef> {
	/** Every enabled site of the network, in its order, with what is recorded for it (nothing: never subscribed). */
	sites: Array<{ site: S; recorded?: RecordedSite }>;
	/**
	 * Recorded sites that are no longer enabled sites of the network: removed from the credential, switched off,
	 * renamed or moved (a new name or URL is a new delivery URL). Their subscriptions are deleted.
	 */
	removed: RecordedSite[];
}

/** What the network asks for against what the static data records. A site is the same site by name AND URL. */
export function planNetwork<S extends SiteRef>(
	recorded: RecordedSite[],
	enabled: S[],
): NetworkPlan<S> {
	return {
		sites: enabled.map((site) => ({
			site,
			recorded: recorded.find((entry) => sameSite(entry, site)),
		})),
		removed: recorded.filter((entry) => !enabled.some((site) => sameSite(entry, site))),
	};
}

/**
 * Whether the static data alone shows the registration is incomplete (no need to ask the sites): a site never
 * subscribed or pending, a secret unknown, or a removed site still recorded.
 */
export function incomplete(plan: NetworkPlan<SiteRef>): boolean {
	if (plan.removed.length > 0 || plan.sites.length === 0) return true;
	return plan.sites.some(
		({ recorded }) =>
			!recorded || recorded.pending === true || !recorded.webhookId || !recorded.secret,
	);
}

function sameSet(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((value) => b.includes(value));
}

/** Whether a site's recorded subscription is live there as wanted: this delivery URL, these events, a known secret. */
export function subscriptionCurrent(
	recorded: RecordedSite | undefined,
	remote: BridgeSubscription[],
	url: string,
	events: string[],
): boolean {
	if (!recorded?.webhookId || !recorded.secret || recorded.pending) return false;
	const hook = remote.find((candidate) => candidate.id === recorded.webhookId);
	return hook !== undefined && hook.url === url && sameSet(hook.events, events);
}

/**
 * Subscriptions on a site to this delivery URL other than the one kept: an earlier activation's, whose secret is
 * unknown, would only deliver 401s (or duplicates).
 */
export function staleSubscriptions(
	remote: BridgeSubscription[],
	url: string,
	keepId?: string,
): BridgeSubscription[] {
	return remote.filter((hook) => hook.url === url && hook.id !== keepId);
}

/** What happened to one enabled site during an activation. */
export type SiteOutcome<S extends SiteRef> =
	| { site: S; kind: 'kept'; record: RecordedSite }
	| { site: S; kind: 'created'; record: RecordedSite }
	| { site: S; kind: 'failed'; previous?: RecordedSite; error: string };

export type Settlement<S extends SiteRef> =
	/** Keep these records (every enabled site, the pending ones included); warn about the pending ones. */
	| { kind: 'record'; sites: RecordedSite[]; pending: Array<{ name: string; error: string }> }
	/** Fail the activation: first delete the subscriptions this activation made (`undo`), then throw. */
	| {
			kind: 'fail';
			undo: Array<{ site: S; record: RecordedSite }>;
			failed: Array<{ name: string; error: string }>;
			total: number;
	  };

/**
 * Whether the activation tolerates sites that are down: at n8n's start (`init`) and when this instance becomes
 * the leader, the other sites must still be subscribed; a user's activation fails instead, so they see it.
 */
export function toleratesDownSites(activationMode: string): boolean {
	return activationMode === 'init' || activationMode === 'leadershipChange';
}

/**
 * What an activation leaves behind. Every site subscribed: their records. A site failed at a user's activation:
 * the activation fails, and the subscriptions it made are undone first (n8n saves no static data then, and its
 * clean-up deletes only what was recorded before, so nothing else would ever remove them). A site failed at
 * start-up: it is recorded as pending (with its earlier subscription and secret, if any: it may still deliver),
 * the others stay subscribed; only when every site failed does the activation fail (n8n then retries it).
 */
export function settleActivation<S extends SiteRef>(
	outcomes: Array<SiteOutcome<S>>,
	tolerateDownSites: boolean,
): Settlement<S> {
	const failed = outcomes.flatMap((outcome) =>
		outcome.kind === 'failed' ? [{ name: outcome.site.name, error: outcome.error }] : [],
	);
	const succeeded = outcomes.filter((outcome) => outcome.kind !== 'failed');
	if (failed.length > 0 && (!tolerateDownSites || succeeded.length === 0)) {
		return { kind: 'fail', undo: rollbackList(outcomes), failed, total: outcomes.length };
	}
	const sites = outcomes.map((outcome): RecordedSite => {
		if (outcome.kind !== 'failed') return outcome.record;
		const { webhookId, secret } = outcome.previous ?? {};
		return {
			name: outcome.site.name,
			url: outcome.site.url,
			...(webhookId && { webhookId }),
			...(secret && { secret }),
			pending: true,
		};
	});
	return { kind: 'record', sites, pending: failed };
}

/** The subscriptions an activation made, to delete when it fails. Kept ones were there before it: not its own. */
export function rollbackList<S extends SiteRef>(
	outcomes: Array<SiteOutcome<S>>,
): Array<{ site: S; record: RecordedSite }> {
	return outcomes.flatMap((outcome) =>
		outcome.kind === 'created' ? [{ site: outcome.site, record: outcome.record }] : [],
	);
}

/**
 * A failed activation's error: the message names the sites that failed and what was undone; the description says
 * why each failed (n8n replaces a message that mentions a network error code, e.g. ECONNREFUSED, with a generic
 * one, so the reasons stay out of it). Messages name sites, never a credential.
 */
export function activationFailure(
	failed: Array<{ name: string; error: string }>,
	total: number,
	notUndone: string[],
): { message: string; description: string } {
	const names = failed.map(({ name }) => `"${name}"`).join(', ');
	const which =
		failed.length === 1 ? `site ${names}` : `${failed.length} of ${total} sites: ${names}`;
	const undone =
		notUndone.length > 0
			? ` The subscriptions made on ${notUndone.map((name) => `"${name}"`).join(', ')} could not be removed again; the next activation replaces them.`
			: ' No subscription was left on the other sites.';
	return {
		message: `Could not subscribe network ${which}.${total > failed.length ? undone : ''}`,
		description: failed.map(({ name, error }) => `"${name}": ${error}`).join('\n'),
	};
}

/**
 * Whether an event has reached every site the trigger subscribed (its source and path cover them): the echo of a
 * fan-out, which must start no execution. The network is the one of the last activation, as recorded.
 */
export function echoCovered(recorded: SiteRef[], path: string[], source?: string | null): boolean {
	const sites = recorded.map((site) => ({
		...site,
		username: '',
		applicationPassword: '',
		readOnly: false,
		enabled: true,
	}));
	return coversNetwork({ sites }, path, source);
}
