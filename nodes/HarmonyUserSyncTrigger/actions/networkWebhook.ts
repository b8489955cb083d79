import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import type { TriggerSettings } from '../../../core/triggers/delivery';
import {
	echoCovered,
	SITE_QUERY,
	siteOfDelivery,
} from '../../../core/triggers/networkSubscriptions';
import { verifyBridge } from '../../../core/triggers/verifyBridge';
import { staticData } from '../transport/client';
import { triggerSettings } from '../transport/settings';
import { answer, claimAndStart, incoming } from './respond';

/**
 * A delivery to a trigger on a site network. Its URL names the site (`?site=<name>`); it is verified exactly as a
 * single site's (whitelist 403, signature 401, timestamp 401, body 400, source 403), but with THAT site's secret
 * and URL: a body signed with another site's secret fails the signature, a body claiming another site fails the
 * source check. Then an echo of a fan-out (its source and path cover every site of the network) answers 200
 * `{ covered: true }` and starts nothing; anything else goes through the dedupe claim as usual. No credential is
 * read: the sites, URLs and secrets are the ones recorded at activation.
 */
export async function handleNetworkWebhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const recorded = staticData(this).networkSites ?? [];
	const named = (this.getQueryData() as IDataObject)[SITE_QUERY];
	const site = siteOfDelivery(recorded, named);
	if (!site) {
		const message =
			typeof named === 'string' && named.trim()
				? `No site named "${named.trim().slice(0, 64)}" is subscribed by this trigger`
				: `The delivery URL names no site (?${SITE_QUERY}=<name>)`;
		return answer(this, 404, { error: message });
	}
	if (!site.secret)
		return answer(this, 401, {
			error: `The site "${site.name}" is not subscribed yet: it will be at the next activation`,
		});
	let settings: TriggerSettings;
	try {
		settings = { ...triggerSettings(this, site.url), secrets: [site.secret] };
	} catch (error) {
		return answer(this, 500, { error: `Trigger misconfigured: ${(error as Error).message}` });
	}
	const verdict = verifyBridge(await incoming(this), settings);
	if (verdict.kind === 'reject') return answer(this, verdict.status, { error: verdict.message });
	if (verdict.kind === 'ignore') return answer(this, 200, verdict.body);
	if (echoCovered(recorded, verdict.event.path, verdict.event.source.url))
		return answer(this, 200, { covered: true });
	return claimAndStart(this, verdict);
}
