import {
	firstRefusal,
	POLICIES_AFTER_LOOKUP,
	POLICIES_BEFORE_LOOKUP,
	type Policy,
} from '../../../../core/sync/policies';
import { identifiedUser } from '../../../../core/sync/policies/identifiedUser';
import { notInPropagationPath } from '../../../../core/sync/policies/loop';
import { propagationAllowed } from '../../../../core/sync/policies/propagation';
import { targetWritable } from '../../../../core/sync/policies/readOnly';
import { targetAccountNotProtected } from '../../../../core/sync/policies/protectedAccount';
import { targetUserAcceptsChanges } from '../../../../core/sync/policies/rejectIncoming';
import { roleAllowed } from '../../../../core/sync/policies/roleFilter';
import { sourceWhitelisted } from '../../../../core/sync/policies/sourceWhitelist';
import { policyConfig, syncEvent, TARGET, wpUser } from '../../fixtures';

describe('policy order', () => {
	it('checks an identified user, loop, whitelist, read-only, role, then propagation before the lookup', () => {
		expect(POLICIES_BEFORE_LOOKUP).toEqual([
			identifiedUser,
			notInPropagationPath,
			sourceWhitelisted,
			targetWritable,
			roleAllowed,
			propagationAllowed,
		]);
	});

	it("checks the target user's switch, then the protection rule, after the lookup", () => {
		expect(POLICIES_AFTER_LOOKUP).toEqual([targetUserAcceptsChanges, targetAccountNotProtected]);
	});
});

describe('firstRefusal', () => {
	it('returns undefined when every policy lets the change through', () => {
		expect(
			firstRefusal(POLICIES_BEFORE_LOOKUP, { event: syncEvent(), config: policyConfig() }),
		).toBeUndefined();
		expect(firstRefusal([], { event: syncEvent(), config: policyConfig() })).toBeUndefined();
	});

	it('returns the first refusal and asks no later policy', () => {
		const calls: string[] = [];
		const pass =
			(name: string): Policy =>
			() => {
				calls.push(name);
				return undefined;
			};
		const refuse =
			(name: string): Policy =>
			() => {
				calls.push(name);
				return { status: 'skipped', reason: 'role_filtered', message: name };
			};
		const refusal = firstRefusal([pass('a'), refuse('b'), refuse('c')], {
			event: syncEvent(),
			config: policyConfig(),
		});
		expect(refusal?.message).toBe('b');
		expect(calls).toEqual(['a', 'b']);
	});

	it('reports a loop before everything else the real policies would refuse', () => {
		const event = syncEvent({
			source: { url: TARGET, ip: '192.0.2.1' },
			user: { roles: ['subscriber'], flags: { prohibitPropagation: true } },
		});
		const config = policyConfig({
			whitelistEnabled: true,
			whitelist: [],
			readOnly: true,
			roles: ['editor'],
		});
		expect(firstRefusal(POLICIES_BEFORE_LOOKUP, { event, config })?.reason).toBe('loop_detected');
	});

	it.each([
		[{ whitelistEnabled: true, readOnly: true, roles: ['editor'] }, 'source_not_whitelisted'],
		[{ readOnly: true, roles: ['editor'] }, 'target_read_only'],
		[{ roles: ['editor'] }, 'role_filtered'],
		[{}, 'propagation_prohibited'],
	])('with %p the first refusal is %s', (settings, reason) => {
		const event = syncEvent({
			user: { roles: ['subscriber'], flags: { prohibitPropagation: true } },
		});
		expect(
			firstRefusal(POLICIES_BEFORE_LOOKUP, { event, config: policyConfig(settings) })?.reason,
		).toBe(reason);
	});

	it('runs the after-lookup policies with the target user', () => {
		const config = policyConfig({ protectedUsers: ['alice'] });
		expect(
			firstRefusal(POLICIES_AFTER_LOOKUP, { event: syncEvent(), config, targetUser: wpUser() })
				?.reason,
		).toBe('target_user_protected');
	});
});
