import { isWhitelisted } from '../../security/whitelist';
import type { Policy } from './types';

/** With the whitelist on, only listed source URLs and IPs may change the target. */
export const sourceWhitelisted: Policy = ({ event, config }) => {
	if (!config.whitelist.enabled || isWhitelisted(config.whitelist.rules, event.source))
		return undefined;
	const from =
		[event.source.url, event.source.ip].filter(Boolean).join(' / ') || 'an unknown source';
	return {
		status: 'rejected',
		reason: 'source_not_whitelisted',
		message: `${from} is not in the whitelist of ${config.target}`,
	};
};
