import { META_PROHIBIT_PROPAGATION } from '../../../../core/schemas/syncUser';
import { propagationAllowed } from '../../../../core/sync/policies/propagation';
import { policyConfig, syncEvent } from '../../fixtures';

describe('propagationAllowed', () => {
	const refusal = {
		status: 'skipped',
		reason: 'propagation_prohibited',
		message: 'alice has "prohibit propagation" on at the source',
	};

	it('lets a user through with no switch and no list', () => {
		expect(propagationAllowed({ event: syncEvent(), config: policyConfig() })).toBeUndefined();
	});

	it('skips a user whose flag is set', () => {
		const event = syncEvent({ user: { flags: { prohibitPropagation: true } } });
		expect(propagationAllowed({ event, config: policyConfig() })).toEqual(refusal);
	});

	it.each(['1', 'yes', true, 1])('skips a user whose meta switch is %p', (value) => {
		const event = syncEvent({ user: { meta: { [META_PROHIBIT_PROPAGATION]: value } } });
		expect(propagationAllowed({ event, config: policyConfig() })).toEqual(refusal);
	});

	it.each(['0', '', 'no', false, null])('lets a user through whose meta switch is %p', (value) => {
		const event = syncEvent({ user: { meta: { [META_PROHIBIT_PROPAGATION]: value } } });
		expect(propagationAllowed({ event, config: policyConfig() })).toBeUndefined();
	});

	it('skips a user listed by login, case-insensitively', () => {
		const event = syncEvent({ user: { login: 'Alice' } });
		expect(
			propagationAllowed({ event, config: policyConfig({ prohibitedUsers: ['bob', 'ALICE'] }) }),
		).toMatchObject({
			reason: 'propagation_prohibited',
		});
	});

	it('skips a user listed by email, case-insensitively', () => {
		const event = syncEvent({ user: { email: 'Alice@Example.com' } });
		expect(
			propagationAllowed({
				event,
				config: policyConfig({ prohibitedUsers: [' ALICE@EXAMPLE.COM '] }),
			}),
		).toMatchObject({
			reason: 'propagation_prohibited',
		});
	});

	it('lets an unlisted user through', () => {
		const config = policyConfig({ prohibitedUsers: ['bob', 'carol@example.com', 'alic'] });
		expect(propagationAllowed({ event: syncEvent(), config })).toBeUndefined();
	});
});
