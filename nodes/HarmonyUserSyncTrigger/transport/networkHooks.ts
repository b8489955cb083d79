import { randomBytes } from 'node:crypto';
import type { IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import pLimit from 'p-limit';
import type { NetworkSite, SiteNetwork } from '../../../core/network/network';
import {
	activationFailure,
	deliveryUrl,
	incomplete,
	planNetwork,
	settleActivation,
	staleSubscriptions,
	subscriptionCurrent,
	toleratesDownSites,
	type BridgeSubscription,
	type RecordedSite,
	type SiteOutcome,
} from '../../../core/triggers/networkSubscriptions';
import type { WordPressClient } from '../../../core/wordpress/client';
import { WordPressApiError } from '../../../core/wordpress/errors';
import { connectNetwork, NETWORK_CREDENTIAL, networkClient } from '../../shared/networkCredential';
import { clearStaticData, staticData } from './client';
import { selectedEvents } from './settings';

/**
 * The webhook lifecycle of a trigger on a site network (Sites: Site Network): one bridge subscription per enabled
 * site, each with its own secret and its own delivery URL (`?site=<name>`). The decisions are pure
 * (core/triggers/networkSubscriptions.ts); this file sends the requests.
 */

const ROUTE = '/harmonyuser/v1/webhooks';
/** Sites asked at once. */
const PARALLEL = 8;
const LOG = 'HarmonyUser Sync Trigger';

function clientOf(site: NetworkSite): WordPressClient {
	return networkClient(site, { timeoutMs: 20_000, retry: { retries: 1 } });
}

/**
 * The sites this process last read from each network credential. A site whose row was deleted from the
 * credential can still have its subscription deleted (the point of deleting the row) while n8n runs; after a
 * restart its credentials are gone, and it is forgotten with a warning. Memory only: never stored.
 */
const lastSeen = new Map<string, NetworkSite>();

function credentialKey(ctx: IHookFunctions, url: string): string {
	return `${ctx.getNode().credentials?.[NETWORK_CREDENTIAL]?.id ?? ''}\n${url}`;
}

function remember(ctx: IHookFunctions, network: SiteNetwork): void {
	for (const site of network.sites)
		if (site.applicationPassword) lastSeen.set(credentialKey(ctx, site.url), site);
}

/** Credentials for a recorded site: its row (enabled or not) when the credential still has its URL, else memory. */
function credentialsFor(
	ctx: IHookFunctions,
	network: SiteNetwork | undefined,
	recorded: RecordedSite,
): NetworkSite | undefined {
	const row = network?.sites.find((site) => site.url === recorded.url && site.applicationPassword);
	return row ?? lastSeen.get(credentialKey(ctx, recorded.url));
}

/** What went wrong on one site, in a few words that name it (WordPressApiError messages never hold a credential). */
function problem(error: unknown): string {
	if (error instanceof WordPressApiError && error.kind === 'no_route')
		return `${error.message} (is the HarmonyUser Sync Bridge plugin active?)`;
	return error instanceof Error ? error.message : String(error);
}

async function subscriptions(client: WordPressClient): Promise<BridgeSubscription[]> {
	const response = await client.request<BridgeSubscription[]>({ method: 'GET', path: ROUTE });
	return Array.isArray(response.data) ? response.data : [];
}

/** Deletes one subscription; one already gone (404) is what was wanted. */
async function deleteSubscription(client: WordPressClient, id: string): Promise<void> {
	await client.request({ method: 'DELETE', path: `${ROUTE}/${encodeURIComponent(id)}` }).then(
		() => undefined,
		(error: Error) =>
			error instanceof WordPressApiError && error.status === 404
				? undefined
				: Promise.reject(error),
	);
}

function enabledSites(network: SiteNetwork): NetworkSite[] {
	return network.sites.filter((site) => site.enabled);
}

/** Registered when every enabled site has its subscription with this URL, these events and a known secret, and no removed site is still recorded. */
export async function networkCheckExists(this: IHookFunctions): Promise<boolean> {
	const network = await connectNetwork(this);
	remember(this, network);
	const plan = planNetwork(staticData(this).networkSites ?? [], enabledSites(network));
	if (incomplete(plan)) return false;
	const webhookUrl = this.getNodeWebhookUrl('default') as string;
	const events = selectedEvents(this);
	const limit = pLimit(PARALLEL);
	const current = await Promise.all(
		plan.sites.map(({ site, recorded }) =>
			// A site that does not answer is not known to be subscribed: create() then decides (and tolerates it at start-up).
			limit(() =>
				subscriptions(clientOf(site)).then(
					(remote) =>
						subscriptionCurrent(recorded, remote, deliveryUrl(webhookUrl, site.name), events),
					() => false,
				),
			),
		),
	);
	return current.every(Boolean);
}

/** One site: keep its subscription if it is current, else replace whatever delivers to its URL with a new one. */
async function subscribeSite(
	site: NetworkSite,
	recorded: RecordedSite | undefined,
	webhookUrl: string,
	events: string[],
): Promise<SiteOutcome<NetworkSite>> {
	const client = clientOf(site);
	const url = deliveryUrl(webhookUrl, site.name);
	try {
		const remote = await subscriptions(client);
		const keep = subscriptionCurrent(recorded, remote, url, events) ? recorded : undefined;
		for (const stale of staleSubscriptions(remote, url, keep?.webhookId))
			await deleteSubscription(client, stale.id);
		if (keep?.webhookId && keep.secret)
			return {
				site,
				kind: 'kept',
				record: { name: site.name, url: site.url, webhookId: keep.webhookId, secret: keep.secret },
			};
		const secret = randomBytes(32).toString('hex');
		const response = await client.request<BridgeSubscription>({
			method: 'POST',
			path: ROUTE,
			data: { url, secret, events },
		});
		return {
			site,
			kind: 'created',
			record: { name: site.name, url: site.url, webhookId: response.data.id, secret },
		};
	} catch (error) {
		return { site, kind: 'failed', previous: recorded, error: problem(error) };
	}
}

/** Why subscriptions are deleted, for the warnings. */
type Removal = 'taken out' | 'deactivating';

/**
 * Deletes recorded subscriptions, best effort: a site that cannot be reached, or whose credentials are gone, is
 * forgotten with a warning (never an error: one site must not keep the others subscribed).
 */
async function removeSites(
	ctx: IHookFunctions,
	network: SiteNetwork | undefined,
	sites: RecordedSite[],
	removal: Removal,
): Promise<void> {
	const limit = pLimit(PARALLEL);
	const removing = (site: RecordedSite) =>
		removal === 'taken out'
			? `network site "${site.name}", taken out of the network,`
			: `network site "${site.name}"`;
	await Promise.all(
		sites
			.filter((site) => site.webhookId)
			.map((site) =>
				limit(async () => {
					const credentials = credentialsFor(ctx, network, site);
					if (!credentials) {
						ctx.logger.warn(
							`${LOG}: the subscription on ${removing(site)} (${site.url}) was not deleted: the network credential no longer has the site. Its deliveries are refused; revoke the application password n8n used there (the bridge plugin then drops the subscription).`,
						);
						return;
					}
					await deleteSubscription(clientOf(credentials), site.webhookId!).catch(
						(error: unknown) => {
							const after =
								removal === 'taken out'
									? 'it is forgotten'
									: 'its deliveries fail until the next activation of this workflow replaces it';
							ctx.logger.warn(
								`${LOG}: could not delete the subscription on ${removing(site)} (${problem(error)}); ${after}.`,
							);
						},
					);
					// A row deleted from the credential: its password is no longer kept once its subscription is dealt with.
					if (network && !network.sites.some((row) => row.url === site.url))
						lastSeen.delete(credentialKey(ctx, site.url));
				}),
			),
	);
}

/**
 * Subscribes every enabled site (in parallel, at most 8 at once). At a user's activation one failing site fails
 * the activation, naming it, after undoing the subscriptions made on the others; at start-up it is recorded as
 * pending and warned about, and subscribed at the next activation or start of n8n (checkExists is false while a
 * site is pending). Deliveries never retry it: they run no requests. Sites taken out of the network lose their
 * subscriptions.
 */
export async function networkCreate(this: IHookFunctions): Promise<boolean> {
	const network = await connectNetwork(this);
	remember(this, network);
	const data = staticData(this);
	const plan = planNetwork(data.networkSites ?? [], enabledSites(network));
	if (plan.sites.length === 0) {
		throw new NodeOperationError(
			this.getNode(),
			'The site network has no enabled site to subscribe',
			{
				description: 'Switch at least one site on in the WordPress Site Network credential.',
			},
		);
	}
	const webhookUrl = this.getNodeWebhookUrl('default') as string;
	const events = selectedEvents(this);
	const limit = pLimit(PARALLEL);
	const outcomes = await Promise.all(
		plan.sites.map(({ site, recorded }) =>
			limit(() => subscribeSite(site, recorded, webhookUrl, events)),
		),
	);
	const settled = settleActivation(outcomes, toleratesDownSites(this.getActivationMode()));
	if (settled.kind === 'fail') {
		const notUndone: string[] = [];
		await Promise.all(
			settled.undo.map(({ site, record }) =>
				limit(() =>
					deleteSubscription(clientOf(site), record.webhookId!).catch(
						() => void notUndone.push(site.name),
					),
				),
			),
		);
		const { message, description } = activationFailure(settled.failed, settled.total, notUndone);
		throw new NodeOperationError(this.getNode(), message, {
			description: `${description}\nEvery enabled site of the network must run the HarmonyUser Sync Bridge plugin and accept the credential: fix or switch off the sites named, then activate again.`,
		});
	}
	for (const { name, error } of settled.pending) {
		this.logger.warn(
			`${LOG}: network site "${name}" could not be subscribed at start-up (${error}); the other sites are. It is subscribed at the next activation or start of n8n; changes made there meanwhile do not reach this workflow.`,
		);
	}
	await removeSites(this, network, plan.removed, 'taken out');
	data.networkSites = settled.sites;
	return true;
}

/** Deletes every recorded subscription (404: already gone; a site that fails is warned about), then forgets them all. */
export async function networkDelete(this: IHookFunctions): Promise<boolean> {
	const recorded = staticData(this).networkSites ?? [];
	let network: SiteNetwork | undefined;
	if (recorded.length > 0) {
		try {
			network = await connectNetwork(this);
			remember(this, network);
		} catch (error) {
			this.logger.warn(
				`${LOG}: ${(error as Error).message}; deleting the subscriptions with the sites last known to this process.`,
			);
		}
	}
	await removeSites(this, network, recorded, 'deactivating');
	clearStaticData(this);
	return true;
}
