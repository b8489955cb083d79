import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	IHookFunctions,
	INodeCredentialTestResult,
	INodePropertyOptions,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import pLimit from 'p-limit';
import { parseNetwork, type NetworkSite, type SiteNetwork } from '../../core/network/network';
import { WordPressClient, type ClientOptions } from '../../core/wordpress/client';
import { WordPressApiError } from '../../core/wordpress/errors';

/** The "WordPress Site Network API" credential: any number of sites for one workflow. */
export const NETWORK_CREDENTIAL = 'wordPressSiteNetworkApi';

/**
 * The choice every node offers between one site and a network (the credential it uses follows from it):
 * `network` says what the network does for this node.
 */
export function siteScopeOptions(network: string): INodePropertyOptions[] {
	return [
		{
			name: 'One Site',
			value: 'site',
			description: 'The site of a WordPress Application Password credential',
		},
		{ name: 'Site Network', value: 'network', description: network },
	];
}

type Context = IExecuteFunctions | IHookFunctions | IPollFunctions | IWebhookFunctions;

/** The credential's sites, or a NodeOperationError naming every bad row (never a password). */
export async function connectNetwork(ctx: Context): Promise<SiteNetwork> {
	const parsed = parseNetwork(await ctx.getCredentials(NETWORK_CREDENTIAL));
	if (!parsed.ok) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The site network credential is not usable: ${parsed.error}`,
			{
				description: 'Open the WordPress Site Network credential and fix the rows named.',
			},
		);
	}
	return parsed.value;
}

/** A REST client for one site of the network. */
export function networkClient(site: NetworkSite, options: ClientOptions = {}): WordPressClient {
	return WordPressClient.create(site, options);
}

/** Why one site fails the check, in a few words (never its password). */
async function checkSite(site: NetworkSite): Promise<string | undefined> {
	const client = networkClient(site, { timeoutMs: 15_000, retry: { retries: 1 } });
	try {
		const me = await client.request<{ capabilities?: Record<string, boolean> }>({
			method: 'GET',
			path: '/wp/v2/users/me',
			params: { context: 'edit', _fields: 'id,capabilities' },
		});
		return me.data?.capabilities?.edit_users ? undefined : 'this user cannot manage users';
	} catch (error) {
		if (error instanceof WordPressApiError)
			return error.status ? `${error.status} ${error.code ?? error.kind}` : error.message;
		return (error as Error).message;
	}
}

/**
 * n8n calls this from the credential dialog (the nodes name it in `testedBy`): every enabled site is asked who the
 * credential's user is (8 at once), and the ones that fail are named.
 */
export async function wordPressSiteNetworkTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const parsed = parseNetwork(credential.data ?? {});
	if (!parsed.ok) return { status: 'Error', message: parsed.error };
	const enabled = parsed.value.sites.filter((site) => site.enabled);
	const limit = pLimit(8);
	const problems = await Promise.all(
		enabled.map((site) => limit(async () => ({ site, problem: await checkSite(site) }))),
	);
	const failed = problems.filter((entry) => entry.problem);
	if (!failed.length)
		return { status: 'OK', message: `All ${enabled.length} enabled sites answered` };
	const list = failed.map(({ site, problem }) => `${site.name} (${problem})`).join(', ');
	return {
		status: 'Error',
		message: `${failed.length} of ${enabled.length} sites failed: ${list}`,
	};
}
