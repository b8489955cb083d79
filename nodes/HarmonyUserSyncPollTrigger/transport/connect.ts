import type { IPollFunctions } from 'n8n-workflow';
import type { WordPressClient } from '../../../core/wordpress/client';
import { connectSite } from '../../shared/siteClient';

/** The credential's site, for a poll: four pages in flight, the default timeouts and retries. */
export async function connectPollClient(ctx: IPollFunctions): Promise<WordPressClient> {
	return (await connectSite(ctx, { concurrency: 4 })).client;
}
