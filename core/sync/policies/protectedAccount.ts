import type { WpUser } from '../../schemas/wpUser';
import type { SyncPolicyConfig } from '../config';
import type { Policy } from './types';

/**
 * Accounts sync never updates, re-roles, gives a password or deletes: a target user holding a role outside
 * Synced Roles, and any administrator unless Synced Roles names administrator explicitly. Such an account can
 * only be changed on its own site, so a registration elsewhere can never reach it.
 */
export const targetAccountNotProtected: Policy = ({ config, targetUser }) => {
	if (!targetUser) return undefined;
	const outside = rolesOutsideSync(targetUser, config);
	if (!outside.length) return undefined;
	return {
		status: 'rejected',
		reason: 'protected_account',
		message: `${targetUser.username} (#${targetUser.id}) on ${config.target} holds [${outside.join(', ')}], outside the synced roles: sync never changes this account`,
		detail: outside.includes('administrator') ? 'administrator' : 'role_outside_sync',
	};
};

/** The target user's roles that sync may not touch. */
export function rolesOutsideSync(
	user: Pick<WpUser, 'roles'>,
	config: Pick<SyncPolicyConfig, 'roles'>,
): string[] {
	return user.roles.filter((role) => !roleSyncable(role, config));
}

/** A role sync may grant or change: one of Synced Roles, or (none chosen) any role but administrator. */
export function roleSyncable(role: string, config: Pick<SyncPolicyConfig, 'roles'>): boolean {
	if (config.roles.length) return config.roles.includes(role);
	return role !== 'administrator';
}
