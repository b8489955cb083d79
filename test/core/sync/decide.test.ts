import { META_SYNC_ID, META_SYNC_LINKED } from '../../../core/schemas/syncUser';
import { decide, decideFor, isFirstContact, ownedBySync } from '../../../core/sync/decide';
import type { IdentityMatch } from '../../../core/sync/identity';
import type { TargetSite } from '../../../core/sync/target';
import { policyConfig, syncEvent, wpUser } from '../fixtures';

/** The parts of a target the rules read: its config, the undeletable accounts and the roles it lacks. */
function target(settings: Parameters<typeof policyConfig>[0] = {}): TargetSite {
	return {
		config: policyConfig(settings),
		undeletable: async () => [1],
		missingRoles: new Set<string>(),
	} as unknown as TargetSite;
}
const PROVISIONAL = { [META_SYNC_ID]: 'local', [META_SYNC_LINKED]: '' };
const LINKED = { [META_SYNC_ID]: 'sync-x', [META_SYNC_LINKED]: '1' };
const candidate = (
	matchedBy: IdentityMatch['matchedBy'],
	fields: Parameters<typeof wpUser>[0] = {},
): IdentityMatch => ({
	user: wpUser({
		id: 40,
		username: 'alice',
		email: 'alice@example.com',
		roles: ['subscriber'],
		first_name: 'Old',
		...fields,
	}),
	matchedBy,
});
const event = { mode: 'event' as const, createMissing: false };
const manual = { mode: 'manual' as const, createMissing: true };

describe('decide', () => {
	it('refuses before the lookup without asking the target', async () => {
		let asked = false;
		const plan = await decide(
			target({ readOnly: true }),
			syncEvent(),
			async () => ((asked = true), {}),
			event,
		);
		expect(plan).toMatchObject({ kind: 'refused', refusal: { reason: 'target_read_only' } });
		expect(asked).toBe(false);
	});

	it('a login-only namesake is a conflict, for events and manual runs alike', async () => {
		const namesake = candidate('login', { email: 'boss@b.example', roles: ['subscriber'] });
		for (const options of [event, manual]) {
			const plan = await decideFor(
				target(),
				syncEvent({ user: { firstName: 'Eve' } }),
				namesake,
				options,
			);
			expect(plan).toMatchObject({
				kind: 'refused',
				refusal: { reason: 'conflict', detail: 'login_taken' },
				match: namesake,
			});
		}
	});

	it('an administrator is protected from every operation', async () => {
		const boss = candidate('email', { roles: ['administrator'], meta: LINKED });
		for (const action of ['update', 'delete'] as const) {
			const plan = await decideFor(
				target(),
				syncEvent({ action, user: { syncId: 'sync-x', roles: ['subscriber'] } }),
				boss,
				manual,
			);
			expect(plan).toMatchObject({ kind: 'refused', refusal: { reason: 'protected_account' } });
		}
	});

	it('a reported change meeting an unlinked account only links it', async () => {
		const editor = candidate('email', { roles: ['editor'], meta: PROVISIONAL });
		const registration = syncEvent({
			action: 'create',
			user: { syncId: 'sync-a', firstName: '', roles: ['subscriber'], passwordHash: '$P$abc' },
		});
		const plan = await decideFor(target(), registration, editor, event);
		expect(plan).toMatchObject({
			kind: 'update',
			linkOnly: true,
			payload: { meta: { [META_SYNC_ID]: 'sync-a', [META_SYNC_LINKED]: '1' } },
		});
		expect(plan.kind === 'update' && Object.keys(plan.payload)).toEqual(['meta']);
		// An administrator's own run aligns it (within the protection rule).
		expect(await decideFor(target(), registration, editor, manual)).toMatchObject({
			kind: 'update',
			payload: { roles: ['subscriber'] },
		});
	});

	it('later reported changes of a linked account sync normally', async () => {
		const linked = candidate('syncId', { meta: LINKED });
		const plan = await decideFor(
			target(),
			syncEvent({ user: { syncId: 'sync-x', firstName: 'New' } }),
			linked,
			event,
		);
		expect(plan).toMatchObject({ kind: 'update', linkOnly: false, payload: { first_name: 'New' } });
	});

	it('a reported delete never removes an account no sync linked', async () => {
		const plan = await decideFor(
			target(),
			syncEvent({ action: 'delete', user: { syncId: 'sync-a' } }),
			candidate('email', { meta: PROVISIONAL }),
			event,
		);
		expect(plan).toMatchObject({
			kind: 'refused',
			refusal: { status: 'rejected', reason: 'not_linked' },
		});
		const owned = await decideFor(
			target(),
			syncEvent({ action: 'delete', user: { syncId: 'sync-x' } }),
			candidate('syncId', { meta: LINKED }),
			event,
		);
		expect(owned).toMatchObject({ kind: 'delete' });
	});

	it('first contact and ownership on sites that cannot tell (no bridge)', () => {
		const plain = {
			kind: 'linked' as const,
			match: candidate('email'),
			state: 'unknown' as const,
			adopt: false,
		};
		expect(isFirstContact(syncEvent({ action: 'create' }), plain)).toBe(true);
		expect(isFirstContact(syncEvent({ action: 'update' }), plain)).toBe(false);
		expect(ownedBySync(plain)).toBe(true);
		expect(ownedBySync({ ...plain, state: 'provisional' })).toBe(false);
		expect(ownedBySync({ ...plain, state: 'provisional', match: candidate('syncId') })).toBe(true);
	});
});
