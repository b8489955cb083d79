import { sourceWhitelisted } from '../../../../core/sync/policies/sourceWhitelist';
import { policyConfig, SOURCE, syncEvent, TARGET } from '../../fixtures';

describe('sourceWhitelisted', () => {
	const on = (whitelist: string[]) => policyConfig({ whitelistEnabled: true, whitelist });

	it('lets everything through when the whitelist is off, even with no rules', () => {
		const event = syncEvent({ source: { url: 'https://stranger.example', ip: '192.0.2.1' } });
		expect(
			sourceWhitelisted({
				event,
				config: policyConfig({ whitelistEnabled: false, whitelist: [] }),
			}),
		).toBeUndefined();
		expect(
			sourceWhitelisted({ event, config: policyConfig({ whitelist: ['https://other.example'] }) }),
		).toBeUndefined();
	});

	it('lets a listed source URL through, whatever its trailing slash and case', () => {
		expect(
			sourceWhitelisted({ event: syncEvent(), config: on(['HTTPS://Source.Example/']) }),
		).toBeUndefined();
		const event = syncEvent({ source: { url: 'https://SOURCE.example//' } });
		expect(sourceWhitelisted({ event, config: on(['https://source.example']) })).toBeUndefined();
	});

	it('lets an IPv4 source inside a listed CIDR range through', () => {
		const event = syncEvent({ source: { ip: '10.20.30.40' } });
		expect(sourceWhitelisted({ event, config: on(['10.20.0.0/16']) })).toBeUndefined();
	});

	it('lets an IPv6 source inside a listed CIDR range through', () => {
		const event = syncEvent({ source: { ip: '2001:db8:1::5' } });
		expect(sourceWhitelisted({ event, config: on(['2001:db8::/32']) })).toBeUndefined();
	});

	it('lets an IPv4-mapped IPv6 source through an IPv4 range', () => {
		const event = syncEvent({ source: { ip: '::ffff:10.20.30.40' } });
		expect(sourceWhitelisted({ event, config: on(['10.20.0.0/16']) })).toBeUndefined();
	});

	it('rejects a source that matches no rule, naming it and the target', () => {
		const event = syncEvent({ source: { url: 'https://stranger.example', ip: '192.0.2.1' } });
		expect(
			sourceWhitelisted({ event, config: on([SOURCE, '10.0.0.0/8', '2001:db8::/32']) }),
		).toEqual({
			status: 'rejected',
			reason: 'source_not_whitelisted',
			message: `https://stranger.example / 192.0.2.1 is not in the whitelist of ${TARGET}`,
		});
	});

	it('rejects an IP just outside the range', () => {
		const event = syncEvent({ source: { ip: '10.21.0.1' } });
		expect(sourceWhitelisted({ event, config: on(['10.20.0.0/16']) })).toMatchObject({
			reason: 'source_not_whitelisted',
		});
	});

	it('rejects every source when the whitelist is on and empty', () => {
		expect(sourceWhitelisted({ event: syncEvent(), config: on([]) })).toMatchObject({
			status: 'rejected',
			reason: 'source_not_whitelisted',
		});
	});

	it('rejects a source with no URL and no IP', () => {
		const event = syncEvent({ source: {} });
		expect(sourceWhitelisted({ event, config: on([SOURCE, '0.0.0.0/0', '::/0']) })).toEqual({
			status: 'rejected',
			reason: 'source_not_whitelisted',
			message: `an unknown source is not in the whitelist of ${TARGET}`,
		});
	});
});
