import { fanOut, replayPath } from '../../../core/network/fanOut';
import { parseNetwork, type NetworkSite, type SiteNetwork } from '../../../core/network/network';
import type { SyncResult } from '../../../core/sync/result';

const url = (port: number) => `http://127.0.0.1:${port}`;
const net = (() => {
	const rows = ['A', 'B', 'C', 'D'].map((name, i) => ({
		name,
		url: url(8001 + i),
		username: 'admin',
		applicationPassword: `${name}: pw`,
		enabled: name !== 'D',
	}));
	const parsed = parseNetwork({ sites: { site: rows } });
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.value as SiteNetwork;
})();

const event = (login: string, source: string | null, path: string[] = []) => ({
	id: `e-${login}`,
	action: 'update',
	time: '2026-12-01T00:00:00Z',
	source: source ? { url: source } : {},
	path,
	user: { login, email: `${login}@example.test` },
});

/** A fake per-site apply: records calls; site C fails every pair. */
function recorder(options: { slow?: number } = {}) {
	const calls: Array<{ site: string; login: string; fanOutSites: string[] }> = [];
	let running = 0;
	let peak = 0;
	const apply = async (
		site: NetworkSite,
		input: unknown,
		fanOutSites: string[],
	): Promise<SyncResult> => {
		running++;
		peak = Math.max(peak, running);
		await new Promise((resolve) => setTimeout(resolve, options.slow ?? 1));
		running--;
		const login = (input as { user: { login: string } }).user.login;
		calls.push({ site: site.name, login, fanOutSites });
		const failed = site.name === 'C';
		return {
			status: failed ? 'failed' : 'synced',
			reason: failed ? 'wordpress_error' : 'updated',
			target: site.url,
			user: { login },
		} as unknown as SyncResult;
	};
	return { calls, apply, peak: () => peak };
}

describe('fanOut', () => {
	it('one result per input × target, item by item in the network’s order; each write names all the fan-out’s sites', async () => {
		const { calls, apply } = recorder();
		const inputs = [event('ann', url(8001)), event('bob', url(8002), [url(8001), url(8002)])];
		const pairs = await fanOut({
			network: net,
			inputs,
			selection: () => ({ kind: 'network' }),
			targetFor: (site) => site,
			apply,
			parallel: 4,
		});
		expect(pairs.map((p) => [p.item, p.site, p.result.status, p.result.targetName])).toEqual([
			[0, 'B', 'synced', 'B'],
			[0, 'C', 'failed', 'C'],
			[1, 'C', 'failed', 'C'],
		]);
		// Every target of an item is told the same set of sites, in the network's order.
		expect(calls.find((c) => c.site === 'B' && c.login === 'ann')?.fanOutSites).toEqual([
			url(8002),
			url(8003),
		]);
		expect(calls.find((c) => c.site === 'C' && c.login === 'ann')?.fanOutSites).toEqual([
			url(8002),
			url(8003),
		]);
		expect(calls.find((c) => c.login === 'bob')?.fanOutSites).toEqual([url(8003)]);
		// Each result says the whole fan-out, for a replay.
		expect(pairs[0].result.fanOut).toEqual([url(8002), url(8003)]);
		// The disabled site D is never written.
		expect(calls.some((c) => c.site === 'D')).toBe(false);
	});

	it('named sites: unknown names fail, switched-off ones are rejected, both without a request, and keep the event for a replay', async () => {
		const { calls, apply } = recorder();
		const pairs = await fanOut({
			network: net,
			inputs: [event('cyd', null)],
			selection: () => ({ kind: 'named', names: ['b', 'D', 'Nowhere'] }),
			targetFor: (site) => site,
			apply,
			parallel: 2,
		});
		expect(pairs.map((p) => [p.site, p.result.status, p.result.reason])).toEqual([
			['B', 'synced', 'updated'],
			['D', 'rejected', 'site_disabled'],
			['Nowhere', 'failed', 'unknown_site'],
		]);
		expect(pairs[2].result).toMatchObject({
			target: 'Nowhere',
			requests: 0,
			user: { login: 'cyd' },
			event: expect.objectContaining({ id: 'e-cyd' }),
		});
		expect(calls.map((c) => c.site)).toEqual(['B']);
	});

	it('works on at most `parallel` sites at once', async () => {
		const { apply, peak } = recorder({ slow: 20 });
		await fanOut({
			network: net,
			inputs: [event('dee', null)],
			selection: () => ({ kind: 'network' }),
			targetFor: (site) => site,
			apply,
			parallel: 1,
		});
		expect(peak()).toBe(1);
		const wide = recorder({ slow: 20 });
		await fanOut({
			network: net,
			inputs: [event('dee', null)],
			selection: () => ({ kind: 'network' }),
			targetFor: (site) => site,
			apply: wide.apply,
			parallel: 3,
		});
		expect(wide.peak()).toBe(3);
	});

	it('an invalid item still gets one result per target (each says invalid_event)', async () => {
		const apply = async (site: NetworkSite): Promise<SyncResult> =>
			({ status: 'failed', reason: 'invalid_event', target: site.url }) as unknown as SyncResult;
		const pairs = await fanOut({
			network: net,
			inputs: [{ nope: true }],
			selection: () => ({ kind: 'network' }),
			targetFor: (site) => site,
			apply,
			parallel: 2,
		});
		expect(pairs.map((p) => [p.site, p.result.reason])).toEqual([
			['A', 'invalid_event'],
			['B', 'invalid_event'],
			['C', 'invalid_event'],
		]);
	});
});

describe('replayPath', () => {
	it('a replayed network pair carries the other sites of its fan-out, so the echo of its write is covered', () => {
		expect(replayPath([url(8001)], [url(8002), url(8003), url(8004)], url(8004))).toEqual([
			url(8001),
			url(8002),
			url(8003),
		]);
		expect(replayPath([url(8001), url(8002)], [url(8002), url(8003)], url(8003))).toEqual([
			url(8001),
			url(8002),
		]);
	});
	it('a single-site pair keeps its path', () => {
		expect(replayPath([url(8001)], undefined, url(8002))).toEqual([url(8001)]);
		expect(replayPath([url(8001)], 'nonsense', url(8002))).toEqual([url(8001)]);
	});
});
