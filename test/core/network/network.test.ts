import {
	coversNetwork,
	fanOutPath,
	findSite,
	parseNetwork,
	selectTargets,
	siteNames,
	type SiteNetwork,
} from '../../../core/network/network';

const row = (name: string, port: number, extra: Record<string, unknown> = {}) => ({
	name,
	url: `http://127.0.0.1:${port}/`,
	username: 'admin',
	applicationPassword: `${name}: pw-${name}`,
	...extra,
});

const network = (rows: unknown[]): SiteNetwork => {
	const parsed = parseNetwork({ sites: { site: rows } });
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.value;
};

describe('parseNetwork', () => {
	it('reads n8n’s fixedCollection rows, normalizing URLs; sites are enabled unless switched off', () => {
		const parsed = parseNetwork({
			sites: { site: [row('Blog', 8001), row('Shop', 8002, { readOnly: true, enabled: false })] },
		});
		expect(parsed).toEqual({
			ok: true,
			value: {
				sites: [
					{
						name: 'Blog',
						url: 'http://127.0.0.1:8001',
						username: 'admin',
						applicationPassword: 'pw-Blog',
						readOnly: false,
						enabled: true,
					},
					{
						name: 'Shop',
						url: 'http://127.0.0.1:8002',
						username: 'admin',
						applicationPassword: 'pw-Shop',
						readOnly: true,
						enabled: false,
					},
				],
			},
		});
	});

	it('names every bad row by position and name, never a password', () => {
		const parsed = parseNetwork({
			sites: {
				site: [
					row('Blog', 8001),
					row('blog', 8002),
					row('Copy', 8001, { applicationPassword: 'Copy: secret-never-shown' }),
					{ name: '', url: 'ftp://x', username: '', applicationPassword: '' },
					row('Bad/Name', 8005),
				],
			},
		});
		expect(parsed.ok).toBe(false);
		const error = (parsed as { error: string }).error;
		expect(error).toContain('site 2 ("blog"): the name is already used by site 1');
		expect(error).toContain('site 3 ("Copy"): http://127.0.0.1:8001 is already site 1');
		expect(error).toContain('site 4: the name must be');
		expect(error).toContain('site 4: the Site URL is not usable');
		expect(error).toContain('site 4: the username is empty');
		expect(error).toContain('site 4: the application password is empty');
		expect(error).toContain('site 5 ("Bad/Name"): the name must be');
		expect(error).not.toContain('secret-never-shown');
	});

	it('refuses an empty network and data that is not a list of sites', () => {
		expect(parseNetwork({ sites: { site: [] } })).toEqual({
			ok: false,
			error: 'the network has no sites',
		});
		expect(parseNetwork({})).toEqual({ ok: false, error: 'the network has no sites' });
		expect(parseNetwork({ sites: 'x' })).toEqual({
			ok: false,
			error: 'the credential has no list of sites',
		});
		expect(parseNetwork({ sites: { site: ['x'] } })).toMatchObject({
			ok: false,
			error: 'site 1: not a site row',
		});
	});

	it('a password bound to another row’s name is refused before anything is sent (n8n restores hidden values by position)', () => {
		const swapped = parseNetwork({
			sites: {
				site: [
					row('Blog', 8001, { applicationPassword: 'Shop: pw-shop' }),
					row('Shop', 8002, { applicationPassword: 'Blog: pw-blog' }),
				],
			},
		});
		expect(swapped.ok).toBe(false);
		const error = (swapped as { error: string }).error;
		expect(error).toContain(
			'site 1 ("Blog"): its application password is bound to "Shop", not to this site',
		);
		expect(error).toContain('site 2 ("Shop"): its application password is bound to "Blog"');
		expect(error).not.toContain('pw-');
		expect(
			parseNetwork({ sites: { site: [row('Blog', 8001, { applicationPassword: 'abcd efgh' })] } }),
		).toMatchObject({
			ok: false,
			error: expect.stringContaining(
				'write the application password as "Blog: <application password>"',
			),
		});
		expect(
			parseNetwork({
				sites: { site: [row('Blog', 8001, { applicationPassword: ' blog :  ab:cd ' })] },
			}),
		).toMatchObject({
			ok: true,
			value: { sites: [expect.objectContaining({ applicationPassword: 'ab:cd' })] },
		});
	});

	it('a switched-off site may have no password', () => {
		expect(
			parseNetwork({
				sites: {
					site: [row('A', 8001), row('B', 8002, { applicationPassword: '', enabled: false })],
				},
			}).ok,
		).toBe(true);
	});
});

describe('selectTargets', () => {
	const net = network([
		row('A', 8001),
		row('B', 8002),
		row('C', 8003, { enabled: false }),
		row('D', 8004),
	]);
	const url = (port: number) => `http://127.0.0.1:${port}`;

	it('the whole network: every enabled site but the source and those already in the path', () => {
		expect(selectTargets(net, { kind: 'network' }, [], url(8001)).sites.map((s) => s.name)).toEqual(
			['B', 'D'],
		);
		expect(
			selectTargets(net, { kind: 'network' }, [url(8001), url(8004)], url(8001)).sites.map(
				(s) => s.name,
			),
		).toEqual(['B']);
		expect(selectTargets(net, { kind: 'network' }, [], null).sites.map((s) => s.name)).toEqual([
			'A',
			'B',
			'D',
		]);
	});

	it('named sites, by name (any case) or URL, in the network’s order; unknown and disabled ones are reported', () => {
		const picked = selectTargets(
			net,
			{ kind: 'named', names: ['d', url(8002), 'C', 'Nowhere'] },
			[url(8002)],
			url(8001),
		);
		expect(picked.sites.map((s) => s.name)).toEqual(['B', 'D']);
		expect(picked.unknown).toEqual(['Nowhere']);
		expect(picked.disabled.map((s) => s.name)).toEqual(['C']);
	});

	it('findSite and siteNames', () => {
		expect(findSite(net, ' b ')?.name).toBe('B');
		expect(findSite(net, 'http://127.0.0.1:8004/')?.name).toBe('D');
		expect(findSite(net, '')).toBeUndefined();
		expect(findSite(net, 'not a url')).toBeUndefined();
		expect(siteNames('A, B\nC,,A')).toEqual(['A', 'B', 'C']);
		expect(siteNames(['A', ' B ', null])).toEqual(['A', 'B']);
		expect(siteNames(undefined)).toEqual([]);
	});
});

describe('paths of a fan-out', () => {
	const net = network([
		row('A', 8001),
		row('B', 8002),
		row('C', 8003),
		row('Off', 8009, { enabled: false }),
	]);
	const [A, B, C] = net.sites;

	it('every write of a fan-out carries the path plus every site written', () => {
		expect(fanOutPath([A.url], [B, C])).toEqual([A.url, B.url, C.url]);
		expect(fanOutPath([A.url, B.url], [B, C])).toEqual([A.url, B.url, C.url]);
	});

	it('an echo whose source and path cover every enabled site is covered; a new change is not', () => {
		expect(coversNetwork(net, [A.url, B.url, C.url], B.url)).toBe(true);
		expect(coversNetwork(net, [A.url, B.url], B.url)).toBe(false);
		expect(coversNetwork(net, [], B.url)).toBe(false);
		expect(coversNetwork(network([row('Off', 8009, { enabled: false })]), [], null)).toBe(false);
	});
});
