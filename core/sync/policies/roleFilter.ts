import { mapRoles } from '../roles';
import type { Policy } from './types';

/** Only users holding at least one selected role (after the Role Mapping) are synced; no selection means every role. */
export const roleAllowed: Policy = ({ event, config }) => {
	if (!config.roles.length) return undefined;
	const roles = mapRoles(event.user.roles, config.roleMapping);
	if (roles.some((role) => config.roles.includes(role))) return undefined;
	return {
		status: 'skipped',
		reason: 'role_filtered',
		message: `roles [${event.user.roles.join(', ')}] are not among the synced roles [${config.roles.join(', ')}]`,
	};
};
