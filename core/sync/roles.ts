import type { SyncPolicyConfig } from './config';
import { roleSyncable } from './policies/protectedAccount';

/** Something of a user that was not written to the target, and why (a stable code workflows can branch on). */
export interface NotSynced {
	field: string;
	reason: NotSyncedReason;
	/** The values left out, where they are not personal (role names). */
	values?: string[];
	message: string;
}

export type NotSyncedReason =
	| 'role_mapped_out'
	| 'role_not_allowed'
	| 'role_missing_on_target'
	| 'locale_missing_on_target'
	| 'login_immutable'
	| 'no_woocommerce'
	| 'woocommerce_error'
	| 'password_no_bridge'
	| 'hash_unsupported'
	| 'omitted_at_source'
	| 'stale'
	| 'first_contact';

/** Source roles renamed by the Role Mapping (e.g. customer → subscriber); unmapped roles stay as they are. */
export function mapRoles(roles: string[], mapping: Record<string, string>): string[] {
	return [...new Set(roles.map((role) => mapping[role] ?? role).filter(Boolean))];
}

export interface RoleSelection {
	roles: string[];
	dropped: NotSynced[];
}

/**
 * The roles an event may give on the target: mapped, then only those sync may grant (no event grants a role
 * outside Synced Roles, nor administrator unless named there), minus those the target is known to lack.
 */
export function rolesToWrite(
	roles: string[],
	config: Pick<SyncPolicyConfig, 'roles' | 'roleMapping'>,
	missing: ReadonlySet<string> = new Set(),
): RoleSelection {
	const mapped = mapRoles(roles, config.roleMapping);
	const notAllowed = mapped.filter((role) => !roleSyncable(role, config));
	const absent = mapped.filter((role) => roleSyncable(role, config) && missing.has(role));
	const dropped: NotSynced[] = [];
	if (notAllowed.length)
		dropped.push(notSyncedRoles('role_not_allowed', notAllowed, 'sync may not grant'));
	if (absent.length)
		dropped.push(notSyncedRoles('role_missing_on_target', absent, 'the target has no role'));
	return {
		roles: mapped.filter((role) => !notAllowed.includes(role) && !absent.includes(role)),
		dropped,
	};
}

export function notSyncedRoles(reason: NotSyncedReason, roles: string[], why: string): NotSynced {
	return { field: 'roles', reason, values: roles, message: `${why} ${roles.join(', ')}` };
}

/**
 * Which of the roles sent a WordPress `rest_user_invalid_role` error names ("The role X does not exist.", in
 * the site's language: the role key itself is never translated). The longest name wins (shop_manager, not manager).
 */
export function roleNamedInError(message: string, roles: string[]): string | undefined {
	const named = roles.filter((role) =>
		new RegExp(`(^|[^a-z0-9_-])${escape(role)}($|[^a-z0-9_-])`, 'i').test(message),
	);
	return named.sort((a, b) => b.length - a.length)[0];
}

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
