import { isMetaOn, META_PROHIBIT_PROPAGATION } from '../../schemas/syncUser';
import { listNames, type Policy } from './types';

/** Outgoing control: a user whose "prohibit propagation" switch is on at the source is not synced anywhere. */
export const propagationAllowed: Policy = ({ event, config }) => {
	const { user } = event;
	const prohibited =
		user.flags.prohibitPropagation ||
		isMetaOn(user.meta[META_PROHIBIT_PROPAGATION]) ||
		listNames(config.prohibitedUsers, user);
	if (!prohibited) return undefined;
	return {
		status: 'skipped',
		reason: 'propagation_prohibited',
		message: `${user.login} has "prohibit propagation" on at the source`,
	};
};
