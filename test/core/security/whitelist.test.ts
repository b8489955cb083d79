import { isWhitelisted, parseWhitelist } from '../../../core/security/whitelist';

describe('parseWhitelist', () => {
	it('parses URLs, IPs and CIDR ranges, normalizing URLs', () => {
		const rules = parseWhitelist([
			'HTTPS://Source.Example/',
			'10.0.0.1',
			'192.168.0.0/16',
			'2001:db8::1',
			'2001:db8::/32',
		]);
		expect(rules.map((rule) => rule.kind)).toEqual(['url', 'ip', 'ip', 'ip', 'ip']);
		expect(rules[0]).toEqual({
			kind: 'url',
			entry: 'HTTPS://Source.Example/',
			url: 'https://source.example',
		});
		const ranges = rules
			.slice(1)
			.map((rule) => (rule.kind === 'ip' ? [rule.range[0].toString(), rule.range[1]] : null));
		expect(ranges).toEqual([
			['10.0.0.1', 32],
			['192.168.0.0', 16],
			['2001:db8::1', 128],
			['2001:db8::', 32],
		]);
	});

	it('ignores blank entries and trims the others', () => {
		const rules = parseWhitelist(['', '   ', '\t', ' 10.0.0.1 ']);
		expect(rules).toHaveLength(1);
		expect(rules[0].entry).toBe('10.0.0.1');
	});

	it('returns no rules for an empty list', () => {
		expect(parseWhitelist([])).toEqual([]);
	});

	it('stores IPv4-mapped IPv6 entries as IPv4, with the prefix shifted', () => {
		const [single, range] = parseWhitelist(['::ffff:10.0.0.1', '::ffff:10.0.0.0/104']);
		expect(
			single.kind === 'ip' && [single.range[0].kind(), single.range[0].toString(), single.range[1]],
		).toEqual(['ipv4', '10.0.0.1', 32]);
		expect(range.kind === 'ip' && [range.range[0].kind(), range.range[1]]).toEqual(['ipv4', 8]);
	});

	it.each([
		'not-a-site',
		'example.com',
		'ftp://example.com',
		'10.0.0.1/33',
		'10.0.0.256',
		'https://',
		'2001:db8::/129',
		'2001:db8::g',
	])('throws a message naming the bad entry %p', (entry) => {
		expect(() => parseWhitelist(['10.0.0.1', entry])).toThrow(
			`Whitelist entry "${entry}" is neither an http(s) URL nor an IP address or CIDR range`,
		);
	});

	// ipaddr.js alone would read these as other hosts: 10.0.0.010 is octal 10.0.0.8, 192.168.1 is 192.168.0.1.
	it.each([
		'10.0.0.010',
		'010.0.0.1',
		'192.168.1',
		'12345',
		'0x0a.0.0.1',
		'010.0.0.0/8',
		'10.1/16',
	])('refuses the non-decimal IPv4 spelling %p instead of trusting another host', (entry) => {
		expect(() => parseWhitelist([entry])).toThrow(`Whitelist entry "${entry}"`);
	});

	it('accepts a zero prefix and IPv6 with a zone-free compressed form', () => {
		expect(parseWhitelist(['0.0.0.0/0', '::/0', '::1']).map((rule) => rule.kind)).toEqual([
			'ip',
			'ip',
			'ip',
		]);
	});
});

describe('isWhitelisted', () => {
	const rules = parseWhitelist([
		'https://source.example/',
		'http://blog.example/wp',
		'10.1.0.0/16',
		'203.0.113.7',
		'2001:db8:abcd::/48',
		'::ffff:198.51.100.0/120',
	]);

	it('matches nothing against an empty list', () => {
		expect(isWhitelisted([], { url: 'https://source.example', ip: '10.1.2.3' })).toBe(false);
	});

	it('matches nothing without source information', () => {
		expect(isWhitelisted(rules, {})).toBe(false);
	});

	it.each([
		'https://source.example',
		'https://source.example/',
		'HTTPS://SOURCE.EXAMPLE//',
		'https://source.example:443',
	])('matches the URL %p after normalization', (url) => {
		expect(isWhitelisted(rules, { url })).toBe(true);
	});

	it('matches a URL with a path only on that path', () => {
		expect(isWhitelisted(rules, { url: 'http://blog.example/wp/' })).toBe(true);
		expect(isWhitelisted(rules, { url: 'http://blog.example' })).toBe(false);
	});

	it.each([
		'http://source.example',
		'https://other.example',
		'https://source.example.evil.test',
		'not a url',
	])('does not match the URL %p', (url) => {
		expect(isWhitelisted(rules, { url })).toBe(false);
	});

	it('matches IPv4 addresses inside a CIDR range and not outside it', () => {
		expect(isWhitelisted(rules, { ip: '10.1.0.0' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '10.1.255.254' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '10.2.0.1' })).toBe(false);
	});

	it('matches a single IPv4 address exactly', () => {
		expect(isWhitelisted(rules, { ip: '203.0.113.7' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '203.0.113.8' })).toBe(false);
	});

	it('matches IPv6 addresses inside a CIDR range and not outside it', () => {
		expect(isWhitelisted(rules, { ip: '2001:db8:abcd:12::1' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '2001:DB8:ABCD::FFFF' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '2001:db8:abce::1' })).toBe(false);
	});

	it('treats an IPv4-mapped IPv6 source as its IPv4 address', () => {
		expect(isWhitelisted(rules, { ip: '::ffff:10.1.2.3' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '::ffff:203.0.113.7' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '::ffff:10.2.0.1' })).toBe(false);
	});

	it('matches plain IPv4 sources against an IPv4-mapped range entry', () => {
		expect(isWhitelisted(rules, { ip: '198.51.100.42' })).toBe(true);
		expect(isWhitelisted(rules, { ip: '198.51.101.1' })).toBe(false);
	});

	it('never matches an IPv4 source against an IPv6 rule or the reverse', () => {
		const v6 = parseWhitelist(['::/0']);
		const v4 = parseWhitelist(['0.0.0.0/0']);
		expect(isWhitelisted(v6, { ip: '10.0.0.1' })).toBe(false);
		expect(isWhitelisted(v4, { ip: '2001:db8::1' })).toBe(false);
		expect(isWhitelisted(v6, { ip: '2001:db8::1' })).toBe(true);
		expect(isWhitelisted(v4, { ip: '10.0.0.1' })).toBe(true);
	});

	it('ignores an invalid source IP', () => {
		expect(isWhitelisted(rules, { ip: '10.1.0.999' })).toBe(false);
		expect(isWhitelisted(rules, { ip: 'localhost' })).toBe(false);
	});

	it('matches when either the URL or the IP is listed', () => {
		expect(isWhitelisted(rules, { url: 'https://other.example', ip: '10.1.0.5' })).toBe(true);
		expect(isWhitelisted(rules, { url: 'https://source.example', ip: '192.0.2.1' })).toBe(true);
		expect(isWhitelisted(rules, { url: 'https://other.example', ip: '192.0.2.1' })).toBe(false);
	});

	it('does not treat an IP rule as matching a URL with that host', () => {
		expect(isWhitelisted(parseWhitelist(['203.0.113.7']), { url: 'http://203.0.113.7' })).toBe(
			false,
		);
	});
});
