import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	findSite,
	siteNames,
	type NetworkSite,
	type SiteNetwork,
	type TargetSelection,
} from '../../../core/network/network';
import { buildPolicyConfig, splitList } from '../../../core/sync/config';
import { TargetSite } from '../../../core/sync/target';
import type { ClientOptions, WordPressClient } from '../../../core/wordpress/client';
import { connectNetwork, networkClient } from '../../shared/networkCredential';
import { connectSite } from '../../shared/siteClient';

/** The node's request options (concurrency, timeout, retries), for every site it talks to. */
function clientOptions(ctx: IExecuteFunctions): ClientOptions {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		concurrency: Number(options.concurrency ?? 4),
		timeoutMs: Number(options.timeout ?? 30) * 1000,
		retry: { retries: Number(options.retries ?? 3) },
	};
}

/** Whether the node writes to a site network (the WordPress Site Network credential) rather than one site. */
export function isNetwork(ctx: IExecuteFunctions): boolean {
	return ctx.getNodeParameter('target', 0, 'site') === 'network';
}

/**
 * The site a read goes to: the credential's, or the network site named in Site Name. An unknown name is an error
 * of the settings, not of an item.
 */
export async function connectClient(
	ctx: IExecuteFunctions,
): Promise<{ client: WordPressClient; readOnly: boolean }> {
	if (!isNetwork(ctx)) return connectSite(ctx, clientOptions(ctx));
	const network = await connectNetwork(ctx);
	const name = String(ctx.getNodeParameter('siteName', 0, '') ?? '');
	const site = findSite(network, name);
	if (!site) {
		const known = network.sites.map((candidate) => candidate.name).join(', ');
		throw new NodeOperationError(ctx.getNode(), `The network has no site named "${name}"`, {
			description: `Its sites: ${known}`,
		});
	}
	if (!site.enabled)
		throw new NodeOperationError(
			ctx.getNode(),
			`The network site "${site.name}" is switched off in the credential`,
		);
	return { client: networkClient(site, clientOptions(ctx)), readOnly: site.readOnly };
}

/** A write target: its client plus the policies set on the node and the site's own switch. */
function targetOf(
	ctx: IExecuteFunctions,
	client: WordPressClient,
	readOnly: boolean,
	createOnUpdate: boolean,
): TargetSite {
	const policies = ctx.getNodeParameter('policies', 0, {}) as IDataObject;
	const whitelistEnabled = ctx.getNodeParameter('whitelistEnabled', 0, false) as boolean;
	const whitelist = ctx.getNodeParameter('whitelist.entries', 0, []) as Array<{ value?: string }>;
	try {
		const config = buildPolicyConfig({
			target: client.site,
			readOnly,
			whitelistEnabled,
			whitelist: whitelist.map((entry) => entry.value ?? ''),
			roles: splitList(policies.roles as string),
			prohibitedUsers: splitList(policies.prohibitedUsers as string),
			protectedUsers: splitList(policies.protectedUsers as string),
			createOnUpdate,
			roleMapping:
				((policies.roleMapping as IDataObject | undefined)?.mappings as Array<{
					from?: string;
					to?: string;
				}>) ?? [],
			linkByLogin: policies.linkByLogin === true,
			maxDeletePercent: ctx.getNodeParameter('maxDeletePercent', 0, 10) as number,
		});
		return new TargetSite(client, config, Number(policies.reassignTo ?? 0));
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
			description:
				'Fix the node settings: every whitelist entry must be an http(s) URL, an IP address or a CIDR range; role mappings name WordPress role keys.',
		});
	}
}

/** Where a write operation goes: the credential's site, or the sites of a network. */
export type SyncTargets =
	| { kind: 'site'; target: TargetSite }
	| {
			kind: 'network';
			network: SiteNetwork;
			/** One target per site and run (it caches what it learns of the site), made when first needed. */
			targetFor: (site: NetworkSite) => TargetSite;
			/** Where item `index` goes. */
			selection: (index: number) => TargetSelection;
			/** Sites worked on at once. */
			parallel: number;
	  };

export async function connectTargets(
	ctx: IExecuteFunctions,
	createOnUpdate = false,
): Promise<SyncTargets> {
	if (!isNetwork(ctx)) {
		const { client, readOnly } = await connectSite(ctx, clientOptions(ctx));
		return { kind: 'site', target: targetOf(ctx, client, readOnly, createOnUpdate) };
	}
	const network = await connectNetwork(ctx);
	const options = clientOptions(ctx);
	const made = new Map<NetworkSite, TargetSite>();
	const targetFor = (site: NetworkSite) => {
		let target = made.get(site);
		if (!target) {
			target = targetOf(ctx, networkClient(site, options), site.readOnly, createOnUpdate);
			made.set(site, target);
		}
		return target;
	};
	// Settings errors (a bad whitelist entry) surface before any item is sent, as with one site.
	const first = network.sites.find((site) => site.enabled);
	if (first) targetFor(first);
	const named = ctx.getNodeParameter('sendTo', 0, 'network') === 'named';
	const selection = (index: number): TargetSelection =>
		named
			? { kind: 'named', names: siteNames(ctx.getNodeParameter('siteNames', index, '')) }
			: { kind: 'network' };
	const parallel = Number(
		(ctx.getNodeParameter('options', 0, {}) as IDataObject).siteConcurrency ?? 4,
	);
	return { kind: 'network', network, targetFor, selection, parallel };
}
