import { diffUser } from '../../../core/sync/diff';
import type { IdentityMatch, LinkDecision } from '../../../core/sync/identity';
import {
	linkWrite,
	loginDifference,
	planChange,
	planLinkOnly,
	type PlanOptions,
} from '../../../core/sync/plan';
import { policyConfig, syncEvent, wpUser } from '../fixtures';

const options: PlanOptions = { createMissing: false, undeletable: [1], config: policyConfig() };
const match = (overrides: Parameters<typeof wpUser>[0] = {}): IdentityMatch => ({
	user: wpUser({ id: 7, ...overrides }),
	matchedBy: 'email',
});
type Linked = Extract<LinkDecision, { kind: 'linked' }>;
const linked = (
	found: IdentityMatch,
	state: Linked['state'] = 'unknown',
	adopt = false,
): Linked => ({ kind: 'linked', match: found, state, adopt });

describe('planChange', () => {
	it('creates a user that a create finds missing', () => {
		const plan = planChange(
			syncEvent({ action: 'create', user: { firstName: 'Alice' } }),
			undefined,
			options,
		);
		expect(plan).toEqual({
			kind: 'create',
			payload: expect.objectContaining({
				username: 'alice',
				email: 'alice@example.com',
				first_name: 'Alice',
			}),
			notSynced: [],
		});
	});

	it('updates an existing user with only what differs', () => {
		const event = syncEvent({ action: 'update', user: { firstName: 'Alice', lastName: 'Archer' } });
		const found = match({ first_name: 'Alice', last_name: 'Old' });
		expect(planChange(event, linked(found), options)).toEqual({
			kind: 'update',
			match: found,
			payload: { last_name: 'Archer' },
			notSynced: [],
			linkOnly: false,
		});
		expect(diffUser(found.user, event.user)).toEqual({ last_name: 'Archer' });
	});

	it('turns a create for an existing user into an update', () => {
		const found = match();
		expect(
			planChange(
				syncEvent({ action: 'create', user: { nickname: 'ali' } }),
				linked(found),
				options,
			),
		).toEqual({
			kind: 'update',
			match: found,
			payload: { nickname: 'ali' },
			notSynced: [],
			linkOnly: false,
		});
	});

	it.each(['create', 'update'] as const)(
		'reports an already matching user as unchanged on %s',
		(action) => {
			const found = match();
			expect(planChange(syncEvent({ action }), linked(found), options)).toEqual({
				kind: 'unchanged',
				match: found,
				notSynced: [],
				linkOnly: false,
			});
		},
	);

	it('deletes an existing user', () => {
		const found = match();
		expect(planChange(syncEvent({ action: 'delete' }), linked(found), options)).toEqual({
			kind: 'delete',
			match: found,
		});
	});

	it('skips a delete of a missing user as user_not_found', () => {
		expect(
			planChange(syncEvent({ action: 'delete' }), undefined, { ...options, createMissing: true }),
		).toEqual({
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
		expect(
			planChange(syncEvent({ action: 'delete' }), linked(found), {
				...options,
				undeletable: [5, 1],
			}),
		).toEqual({
			kind: 'refused',
			refusal: {
				status: 'rejected',
				reason: 'protected_account',
				message: 'admin (#1) is the credential user or the content heir',
				detail: 'credential_or_heir',
			},
			match: found,
		});
	});

	it('skips an update of a missing user when createMissing is off', () => {
		expect(
			planChange(syncEvent({ action: 'update' }), undefined, { ...options, createMissing: false }),
		).toEqual({
			kind: 'refused',
			refusal: {
				status: 'skipped',
				reason: 'user_not_found',
				message: 'alice does not exist on the target and create-on-update is off',
			},
		});
	});

	it('creates a user that an update finds missing when createMissing is on', () => {
		const plan = planChange(syncEvent({ action: 'update' }), undefined, {
			...options,
			createMissing: true,
		});
		expect(plan.kind).toBe('create');
		expect(plan.kind === 'create' && plan.payload.username).toBe('alice');
	});

	it('leaves out roles sync may not grant, or that are mapped, and says so', () => {
		const event = syncEvent({ action: 'update', user: { roles: ['customer', 'administrator'] } });
		const config = policyConfig({ roleMapping: [{ from: 'customer', to: 'subscriber' }] });
		const plan = planChange(event, linked(match({ roles: ['author'] })), { ...options, config });
		expect(plan).toMatchObject({ kind: 'update', payload: { roles: ['subscriber'] } });
		expect(plan.kind === 'update' && plan.notSynced).toEqual([
			{
				field: 'roles',
				reason: 'role_not_allowed',
				values: ['administrator'],
				message: 'sync may not grant administrator',
			},
		]);
	});

	it('fails a create left with no role it may give, and leaves the roles of an update alone', () => {
		const event = syncEvent({ action: 'create', user: { roles: ['administrator'] } });
		expect(planChange(event, undefined, options)).toMatchObject({
			kind: 'refused',
			refusal: { status: 'failed', reason: 'no_valid_role' },
		});
		const update = planChange(
			{ ...event, action: 'update' },
			linked(match({ roles: ['subscriber'] })),
			options,
		);
		expect(update).toMatchObject({
			kind: 'unchanged',
			notSynced: [{ reason: 'role_not_allowed' }],
		});
	});

	it('leaves out roles the target is known to lack', () => {
		const event = syncEvent({ action: 'create', user: { roles: ['shop_manager', 'subscriber'] } });
		const plan = planChange(event, undefined, {
			...options,
			missingRoles: new Set(['shop_manager']),
		});
		expect(plan).toMatchObject({
			kind: 'create',
			payload: { roles: ['subscriber'] },
			notSynced: [{ reason: 'role_missing_on_target', values: ['shop_manager'] }],
		});
	});

	it('creates with the event sync id flagged as linked', () => {
		const plan = planChange(
			syncEvent({ action: 'create', user: { syncId: 'abc' } }),
			undefined,
			options,
		);
		expect(plan.kind === 'create' && plan.payload.meta).toEqual({
			harmonyuser_sync_id: 'abc',
			harmonyuser_sync_linked: '1',
		});
	});

	it('adopts the event sync id over a provisional one when linking, with the rest of the update', () => {
		const found = match({ meta: { harmonyuser_sync_id: 'local', harmonyuser_sync_linked: '' } });
		const plan = planChange(
			syncEvent({ user: { syncId: 'ABC', firstName: 'Al' } }),
			linked(found, 'provisional', true),
			options,
		);
		expect(plan).toMatchObject({
			kind: 'update',
			payload: {
				first_name: 'Al',
				meta: { harmonyuser_sync_id: 'abc', harmonyuser_sync_linked: '1' },
			},
		});
	});

	it('a first contact writes only the link', () => {
		const found = match({
			first_name: 'Other',
			meta: { harmonyuser_sync_id: 'local', harmonyuser_sync_linked: '' },
		});
		const event = syncEvent({
			action: 'create',
			user: { syncId: 'abc', firstName: 'Al', roles: ['subscriber'], passwordHash: '$P$x' },
		});
		expect(planLinkOnly(event, linked(found, 'provisional', true))).toEqual({
			kind: 'update',
			match: found,
			payload: { meta: { harmonyuser_sync_id: 'abc', harmonyuser_sync_linked: '1' } },
			notSynced: [expect.objectContaining({ field: '*', reason: 'first_contact' })],
			linkOnly: true,
		});
		// Without a sync id to adopt, the local one is confirmed; a site without the bridge records nothing.
		expect(linkWrite(syncEvent(), linked(found, 'provisional'), true)).toEqual({
			meta: { harmonyuser_sync_linked: '1' },
		});
		expect(planLinkOnly(event, linked(match(), 'unknown'))).toMatchObject({
			kind: 'unchanged',
			linkOnly: true,
		});
	});

	it('names a login the target keeps', () => {
		expect(
			loginDifference(syncEvent({ user: { login: 'Alice' } }), wpUser({ username: 'alice' })),
		).toEqual([]);
		expect(
			loginDifference(syncEvent({ user: { login: 'jsmith' } }), wpUser({ username: 'jdoe' })),
		).toEqual([expect.objectContaining({ field: 'login', reason: 'login_immutable' })]);
	});
});
