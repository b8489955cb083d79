import {
	roleSyncable,
	rolesOutsideSync,
	targetAccountNotProtected,
} from '../../../../core/sync/policies/protectedAccount';
import { policyConfig, syncEvent, wpUser } from '../../fixtures';

describe('the protection rule', () => {
	it('protects administrators unless Synced Roles names administrator', () => {
		const boss = wpUser({ username: 'boss', roles: ['administrator'] });
		expect(
			targetAccountNotProtected({ event: syncEvent(), config: policyConfig(), targetUser: boss }),
		).toMatchObject({
			status: 'rejected',
			reason: 'protected_account',
			detail: 'administrator',
		});
		expect(
			targetAccountNotProtected({
				event: syncEvent(),
				config: policyConfig({ roles: ['administrator'] }),
				targetUser: boss,
			}),
		).toBeUndefined();
	});

	it('protects a user holding any role outside Synced Roles', () => {
		const editor = wpUser({ roles: ['subscriber', 'editor'] });
		const config = policyConfig({ roles: ['subscriber'] });
		expect(
			targetAccountNotProtected({ event: syncEvent(), config, targetUser: editor }),
		).toMatchObject({ reason: 'protected_account', detail: 'role_outside_sync' });
		expect(
			targetAccountNotProtected({
				event: syncEvent(),
				config: policyConfig({ roles: ['subscriber', 'editor'] }),
				targetUser: editor,
			}),
		).toBeUndefined();
	});

	it('lets other users through, and has nothing to say before the lookup', () => {
		expect(
			targetAccountNotProtected({
				event: syncEvent(),
				config: policyConfig(),
				targetUser: wpUser({ roles: ['editor'] }),
			}),
		).toBeUndefined();
		expect(
			targetAccountNotProtected({ event: syncEvent(), config: policyConfig() }),
		).toBeUndefined();
	});

	it('names the roles outside sync', () => {
		expect(rolesOutsideSync({ roles: ['administrator', 'subscriber'] }, { roles: [] })).toEqual([
			'administrator',
		]);
		expect(roleSyncable('shop_manager', { roles: [] })).toBe(true);
		expect(roleSyncable('shop_manager', { roles: ['customer'] })).toBe(false);
	});
});
