import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';
import pLimit from 'p-limit';
import type { SiteNetwork } from '../../core/network/network';
import { POLL_EVENT_KINDS, type PollEventKind } from '../../core/polling/events';
import { pollSite, type PollOptions } from '../../core/polling/poll';
import { readPollState, writePollState } from '../../core/polling/state';
import type { SyncEventInput } from '../../core/schemas/syncEvent';
import { splitList } from '../../core/sync/config';
import type { WordPressClient } from '../../core/wordpress/client';
import {
	connectNetwork,
	networkClient,
	wordPressSiteNetworkTest,
} from '../shared/networkCredential';
import { pollProperties } from './description';
import { connectPollClient } from './transport/connect';

/** One poll of one site with its stored state (an object inside the workflow's static data). */
async function pollOne(
	client: WordPressClient,
	stored: Record<string, unknown>,
	options: PollOptions,
): Promise<SyncEventInput[]> {
	const outcome = await pollSite(client, readPollState(stored, client.site), options);
	// n8n does not keep static data written by a manual run; not writing it says so plainly.
	if (outcome.state && !options.manual) writePollState(stored, outcome.state);
	return outcome.events;
}

/**
 * Every enabled site of the network, four at once, each with its own baseline (kept per site URL; sites that left
 * the network lose theirs). A site that fails keeps its baseline, so its changes come with a later poll; the
 * others' events are emitted now. Only when every site fails does the poll fail.
 */
async function pollNetwork(
	ctx: IPollFunctions,
	network: SiteNetwork,
	stored: IDataObject,
	options: PollOptions,
): Promise<SyncEventInput[]> {
	const sites = network.sites.filter((site) => site.enabled);
	const states = (stored.network ??= {}) as Record<string, Record<string, unknown>>;
	if (!options.manual) {
		for (const url of Object.keys(states))
			if (!sites.some((site) => site.url === url)) delete states[url];
	}
	const limit = pLimit(4);
	const outcomes = await Promise.all(
		sites.map((site) =>
			limit(() =>
				pollOne(networkClient(site, { concurrency: 4 }), (states[site.url] ??= {}), options).then(
					(events) => ({ site, events }),
					(error: Error) => ({ site, error }),
				),
			),
		),
	);
	const failed = outcomes.filter(
		(outcome): outcome is { site: (typeof sites)[number]; error: Error } => 'error' in outcome,
	);
	for (const { site, error } of failed)
		ctx.logger.warn(
			`HarmonyUser Sync Poll Trigger: ${site.name} failed this poll (${error.message}); its changes come with a later poll`,
		);
	// The names only: n8n replaces a message that carries an error code (ECONNREFUSED…) with a generic one.
	if (failed.length && failed.length === outcomes.length) {
		return Promise.reject(
			new Error(
				`every site of the network failed: ${failed.map(({ site }) => site.name).join(', ')} (see the n8n log)`,
			),
		);
	}
	return outcomes.flatMap((outcome) => ('events' in outcome ? outcome.events : []));
}

export class HarmonyUserSyncPollTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HarmonyUser Sync Poll Trigger',
		name: 'harmonyUserSyncPollTrigger',
		icon: {
			light: 'file:harmonyUserSyncPollTrigger.svg',
			dark: 'file:harmonyUserSyncPollTrigger.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		subtitle: '={{"every poll: " + $parameter["events"].join(", ")}}',
		description:
			'Starts the workflow when WordPress users are created, updated or deleted (no plugin needed)',
		defaults: { name: 'HarmonyUser Sync Poll Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'wordPressAppPasswordApi',
				required: true,
				displayOptions: { show: { sites: ['site'] } },
			},
			{
				name: 'wordPressSiteNetworkApi',
				required: true,
				testedBy: 'wordPressSiteNetworkTest',
				displayOptions: { show: { sites: ['network'] } },
			},
		],
		properties: pollProperties,
	};

	methods = { credentialTest: { wordPressSiteNetworkTest } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const stored = this.getWorkflowStaticData('node');
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const kinds = (this.getNodeParameter('events', [...POLL_EVENT_KINDS]) as PollEventKind[]) ?? [];
		const pollOptions: PollOptions = {
			kinds: new Set(kinds),
			roles: splitList(this.getNodeParameter('roles', '') as string),
			emitExisting: this.getNodeParameter('emitExisting', false) as boolean,
			forceScan: options.forceFullScan === true,
			manual: this.getMode() === 'manual',
		};
		// An unusable credential is the settings' error, not the site's: thrown as it is.
		const network =
			this.getNodeParameter('sites', 'site') === 'network' ? await connectNetwork(this) : undefined;
		const client = network ? undefined : await connectPollClient(this);
		try {
			const events = network
				? await pollNetwork(this, network, stored, pollOptions)
				: await pollOne(client!, stored, pollOptions);
			if (events.length === 0) return null;
			return [this.helpers.returnJsonArray(events as unknown as IDataObject[])];
		} catch (error) {
			throw new NodeApiError(this.getNode(), { message: (error as Error).message } as JsonObject, {
				message: (error as Error).message,
			});
		}
	}
}
