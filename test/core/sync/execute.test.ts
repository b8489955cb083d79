import { omittedAtSource, withVersions } from '../../../core/sync/execute';
import { syncEvent } from '../fixtures';

const v = (micros: number) => `${String(micros).padStart(17, '0')}.0000.aaaa0000`;

describe('execute helpers', () => {
	it('reports what the source left out of an event', () => {
		const event = syncEvent({ omitted: [{ field: 'passwordHash', reason: 'no_network_key' }, { field: 'meta.bio', reason: 'field_too_large' }] });
		expect(omittedAtSource(event)).toEqual([
			{ field: 'password', reason: 'omitted_at_source', values: ['no_network_key'], message: 'the source left it out (no_network_key)' },
			{ field: 'meta.bio', reason: 'omitted_at_source', values: ['field_too_large'], message: 'the source left it out (field_too_large)' },
		]);
		expect(omittedAtSource(syncEvent())).toEqual([]);
	});

	it('sends each written field with its version for the compare-and-set, and nothing for an unversioned event', () => {
		expect(withVersions(syncEvent({ version: v(4) }), { email: 'x@y.test', password: 'random' })).toEqual({
			email: 'x@y.test',
			password: 'random',
			harmonyuser_versions: { email: v(4) },
		});
		expect(withVersions(syncEvent(), { email: 'x@y.test' })).toEqual({ email: 'x@y.test' });
	});
});
