import { mapRoles, roleNamedInError, rolesToWrite } from '../../../core/sync/roles';

describe('roles', () => {
	it('maps source roles, dropping duplicates', () => {
		expect(mapRoles(['customer', 'subscriber', 'editor'], { customer: 'subscriber' })).toEqual([
			'subscriber',
			'editor',
		]);
	});

	it('keeps what sync may grant, naming what it leaves out and why', () => {
		const config = { roles: ['subscriber', 'editor'], roleMapping: { customer: 'subscriber' } };
		expect(rolesToWrite(['customer', 'author', 'editor'], config, new Set(['editor']))).toEqual({
			roles: ['subscriber'],
			dropped: [
				{
					field: 'roles',
					reason: 'role_not_allowed',
					values: ['author'],
					message: 'sync may not grant author',
				},
				{
					field: 'roles',
					reason: 'role_missing_on_target',
					values: ['editor'],
					message: 'the target has no role editor',
				},
			],
		});
		expect(rolesToWrite(['administrator', 'editor'], { roles: [], roleMapping: {} })).toMatchObject(
			{ roles: ['editor'], dropped: [{ values: ['administrator'] }] },
		);
	});

	it('finds the role a rest_user_invalid_role error names, in any language', () => {
		const roles = ['manager', 'shop_manager', 'subscriber'];
		expect(
			roleNamedInError(
				'WordPress answered 400 (rest_user_invalid_role): The role shop_manager does not exist.',
				roles,
			),
		).toBe('shop_manager');
		expect(
			roleNamedInError('Die Rolle customer existiert nicht.', ['subscriber', 'customer']),
		).toBe('customer');
		expect(
			roleNamedInError('Sorry, you are not allowed to give users that role.', roles),
		).toBeUndefined();
	});
});
