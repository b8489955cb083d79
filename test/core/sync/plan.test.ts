import { diffUser } from '../../../core/sync/diff';
import type { IdentityMatch } from '../../../core/sync/identity';
import { planChange, type PlanOptions } from '../../../core/sync/plan';
import { syncEvent, wpUser } from '../fixtures';

const options: PlanOptions = { createMissing: false, undeletable: [1] };
const match = (overrides: Parameters<typeof wpUser>[0] = {}): IdentityMatch => ({
	user: wpUser({ id: 7, ...overrides }),
	matchedBy: 'email',
});

describe('planChange', () => {
	it('creates a user that a create finds missing', () => {
		const plan = planChange(syncEvent({ action: 'create', user: { firstName: 'Alice' } }), undefined, options);
		expect(plan).toEqual({
			kind: 'create',
			payload: expect.objectContaining({ username: 'alice', email: 'alice@example.com', first_name: 'Alice' }),
		});
	});

	it('updates an existing user with only what differs', () => {
		const event = syncEvent({ action: 'update', user: { firstName: 'Alice', lastName: 'Archer' } });
		const found = match({ first_name: 'Alice', last_name: 'Old' });
		expect(planChange(event, found, options)).toEqual({ kind: 'update', match: found, payload: { last_name: 'Archer' } });
		expect(diffUser(found.user, event.user)).toEqual({ last_name: 'Archer' });
	});

	it('turns a create for an existing user into an update', () => {
		const found = match();
		expect(planChange(syncEvent({ action: 'create', user: { nickname: 'ali' } }), found, options)).toEqual({
			kind: 'update',
			match: found,
			payload: { nickname: 'ali' },
		});
	});

	it.each(['create', 'update'] as const)('reports an already matching user as unchanged on %s', (action) => {
		const found = match();
		expect(planChange(syncEvent({ action }), found, options)).toEqual({ kind: 'unchanged', match: found });
	});

	it('deletes an existing user', () => {
		const found = match();
		expect(planChange(syncEvent({ action: 'delete' }), found, options)).toEqual({ kind: 'delete', match: found });
	});

	it('skips a delete of a missing user as user_not_found', () => {
		expect(planChange(syncEvent({ action: 'delete' }), undefined, { ...options, createMissing: true })).toEqual({
			kind: 'refused',
			refusal: {
				status: 'skipped',
				reason: 'user_not_found',
				message: 'the user does not exist on the target: nothing to delete',
			},
		});
	});

	it('rejects a delete of an undeletable account as protected_account', () => {
		const found = match({ id: 1, username: 'admin' });
		expect(planChange(syncEvent({ action: 'delete' }), found, { createMissing: false, undeletable: [5, 1] })).toEqual({
			kind: 'refused',
			refusal: { status: 'rejected', reason: 'protected_account', message: 'admin (#1) is the credential user or the content heir' },
			match: found,
		});
	});

	it('skips an update of a missing user when createMissing is off', () => {
		expect(planChange(syncEvent({ action: 'update' }), undefined, { ...options, createMissing: false })).toEqual({
			kind: 'refused',
			refusal: {
				status: 'skipped',
				reason: 'user_not_found',
				message: 'alice does not exist on the target and create-on-update is off',
			},
		});
	});

	it('creates a user that an update finds missing when createMissing is on', () => {
		const plan = planChange(syncEvent({ action: 'update' }), undefined, { ...options, createMissing: true });
		expect(plan.kind).toBe('create');
		expect(plan.kind === 'create' && plan.payload.username).toBe('alice');
	});
});
