import type { IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { WordPressClient } from '../../../core/wordpress/client';

export const CREDENTIAL_TYPE = 'wordPressAppPasswordApi';

interface SiteCredential {
	url: string;
	username: string;
	applicationPassword: string;
}

/** The credential's site, for a poll: four pages in flight, the default timeouts and retries. */
export async function connectPollClient(ctx: IPollFunctions): Promise<WordPressClient> {
	const credential = (await ctx.getCredentials(CREDENTIAL_TYPE)) as unknown as SiteCredential;
	try {
		return WordPressClient.create(credential, { concurrency: 4 });
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The credential's Site URL is not usable: ${(error as Error).message}`);
	}
}
