import { notInPropagationPath } from '../../../../core/sync/policies/loop';
import { policyConfig, syncEvent, TARGET } from '../../fixtures';

describe('notInPropagationPath', () => {
	const config = policyConfig();

	it('lets a change through when the target is not in the path', () => {
		expect(
			notInPropagationPath({ event: syncEvent({ path: ['https://hop.example'] }), config }),
		).toBeUndefined();
	});

	it('skips a change whose path already holds the target', () => {
		const event = syncEvent({ path: ['https://hop.example', `${TARGET}/`] });
		expect(notInPropagationPath({ event, config })).toEqual({
			status: 'skipped',
			reason: 'loop_detected',
			message: `${TARGET} is already in the propagation path (https://source.example → https://hop.example → ${TARGET})`,
		});
	});

	it('skips a change coming from the target itself', () => {
		const event = syncEvent({ source: { url: 'HTTPS://TARGET.example/' }, path: [] });
		expect(notInPropagationPath({ event, config })).toMatchObject({
			status: 'skipped',
			reason: 'loop_detected',
		});
	});

	it('does not confuse a site with another path on the same host', () => {
		const event = syncEvent({ path: [`${TARGET}/other`] });
		expect(notInPropagationPath({ event, config })).toBeUndefined();
	});
});
