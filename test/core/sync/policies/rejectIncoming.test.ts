import { META_REJECT_INCOMING } from '../../../../core/schemas/syncUser';
import { targetUserAcceptsChanges } from '../../../../core/sync/policies/rejectIncoming';
import { policyConfig, syncEvent, TARGET, wpUser } from '../../fixtures';

describe('targetUserAcceptsChanges', () => {
	const event = syncEvent();

	it('lets a change through when the target has no copy of the user', () => {
		expect(
			targetUserAcceptsChanges({ event, config: policyConfig({ protectedUsers: ['alice'] }) }),
		).toBeUndefined();
	});

	it('lets a change through to an unprotected target user', () => {
		const targetUser = wpUser({ meta: { [META_REJECT_INCOMING]: '' } });
		expect(
			targetUserAcceptsChanges({
				event,
				config: policyConfig({ protectedUsers: ['bob'] }),
				targetUser,
			}),
		).toBeUndefined();
	});

	it.each(['1', 'yes', true])('rejects a change to a target user whose switch is %p', (value) => {
		const targetUser = wpUser({ username: 'alice', meta: { [META_REJECT_INCOMING]: value } });
		expect(targetUserAcceptsChanges({ event, config: policyConfig(), targetUser })).toEqual({
			status: 'rejected',
			reason: 'target_user_protected',
			message: `alice on ${TARGET} rejects incoming modifications`,
		});
	});

	it('reads the switch on the target user, not on the incoming one', () => {
		const incoming = syncEvent({
			user: { meta: { [META_REJECT_INCOMING]: '1' }, flags: { rejectIncoming: true } },
		});
		expect(
			targetUserAcceptsChanges({ event: incoming, config: policyConfig(), targetUser: wpUser() }),
		).toBeUndefined();
	});

	it('rejects a change to a target user listed by login', () => {
		const targetUser = wpUser({ username: 'Alice', email: 'other@example.com' });
		expect(
			targetUserAcceptsChanges({
				event,
				config: policyConfig({ protectedUsers: ['ALICE'] }),
				targetUser,
			}),
		).toMatchObject({
			reason: 'target_user_protected',
		});
	});

	it('rejects a change to a target user listed by email', () => {
		const targetUser = wpUser({ username: 'someone', email: 'Alice@Example.com' });
		const config = policyConfig({ protectedUsers: ['alice@example.COM'] });
		expect(targetUserAcceptsChanges({ event, config, targetUser })).toMatchObject({
			status: 'rejected',
		});
	});
});
