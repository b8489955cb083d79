import { targetWritable } from '../../../../core/sync/policies/readOnly';
import { policyConfig, syncEvent, TARGET } from '../../fixtures';

describe('targetWritable', () => {
	it('lets changes through to a writable target', () => {
		expect(
			targetWritable({ event: syncEvent(), config: policyConfig({ readOnly: false }) }),
		).toBeUndefined();
		expect(targetWritable({ event: syncEvent(), config: policyConfig() })).toBeUndefined();
	});

	it.each(['create', 'update', 'delete'] as const)(
		'rejects a %s on a read-only target',
		(action) => {
			expect(
				targetWritable({ event: syncEvent({ action }), config: policyConfig({ readOnly: true }) }),
			).toEqual({
				status: 'rejected',
				reason: 'target_read_only',
				message: `${TARGET} is read-only for sync (set in its credential)`,
			});
		},
	);
});
