import { roleAllowed } from '../../../../core/sync/policies/roleFilter';
import { policyConfig, syncEvent } from '../../fixtures';

describe('roleAllowed', () => {
	it('lets every user through when no role is selected', () => {
		expect(
			roleAllowed({
				event: syncEvent({ user: { roles: ['administrator'] } }),
				config: policyConfig(),
			}),
		).toBeUndefined();
		expect(
			roleAllowed({
				event: syncEvent({ user: { roles: [] } }),
				config: policyConfig({ roles: [' ', ''] }),
			}),
		).toBeUndefined();
	});

	it('lets a user through when one of their roles is selected', () => {
		const event = syncEvent({ user: { roles: ['subscriber', 'customer'] } });
		expect(
			roleAllowed({ event, config: policyConfig({ roles: ['customer', 'editor'] }) }),
		).toBeUndefined();
	});

	it('skips a user none of whose roles is selected', () => {
		const event = syncEvent({ user: { roles: ['subscriber', 'author'] } });
		expect(roleAllowed({ event, config: policyConfig({ roles: ['customer', 'editor'] }) })).toEqual(
			{
				status: 'skipped',
				reason: 'role_filtered',
				message: 'roles [subscriber, author] are not among the synced roles [customer, editor]',
			},
		);
	});

	it('skips a user with no roles when roles are selected', () => {
		const event = syncEvent({ user: { roles: [] } });
		expect(roleAllowed({ event, config: policyConfig({ roles: ['customer'] }) })).toMatchObject({
			reason: 'role_filtered',
		});
	});
});
