import { isMetaOn, META_REJECT_INCOMING } from '../../schemas/syncUser';
import { listNames, type Policy } from './types';

/** Incoming control: a target user with "reject incoming modifications" on is never updated or deleted by sync. */
export const targetUserAcceptsChanges: Policy = ({ config, targetUser }) => {
	if (!targetUser) return undefined;
	const protectedUser =
		isMetaOn(targetUser.meta[META_REJECT_INCOMING]) || listNames(config.protectedUsers, targetUser);
	if (!protectedUser) return undefined;
	return {
		status: 'rejected',
		reason: 'target_user_protected',
		message: `${targetUser.username} on ${config.target} rejects incoming modifications`,
	};
};
