import type {
	IExecuteFunctions,
	IHookFunctions,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { WordPressClient, type ClientOptions } from '../../core/wordpress/client';

/** The "WordPress Application Password API" credential every node of the package uses for its site. */
export const SITE_CREDENTIAL = 'wordPressAppPasswordApi';

interface SiteCredential {
	url: string;
	username: string;
	applicationPassword: string;
	readOnly?: boolean;
}

type Context = IExecuteFunctions | IHookFunctions | IPollFunctions | IWebhookFunctions;

/**
 * The one way a node turns its site credential into a REST client: an unusable Site URL becomes a
 * NodeOperationError naming the problem (never the password). `readOnly` is the credential's kill switch.
 */
export async function connectSite(
	ctx: Context,
	options: ClientOptions = {},
): Promise<{ client: WordPressClient; readOnly: boolean }> {
	const credential = (await ctx.getCredentials(SITE_CREDENTIAL)) as unknown as SiteCredential;
	try {
		return {
			client: WordPressClient.create(credential, options),
			readOnly: credential.readOnly === true,
		};
	} catch (error) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The credential's Site URL is not usable: ${(error as Error).message}`,
		);
	}
}
