import { normalizeSiteUrl, tryNormalizeSiteUrl } from '../../core/sites';

describe('normalizeSiteUrl', () => {
	it.each([
		['https://example.com', 'https://example.com'],
		['HTTPS://Example.COM/', 'https://example.com'],
		['https://example.com///', 'https://example.com'],
		['  https://example.com/  ', 'https://example.com'],
		['https://example.com:443/', 'https://example.com'],
		['http://example.com:80', 'http://example.com'],
		['http://example.com:8080/', 'http://example.com:8080'],
		['https://example.com/Blog/', 'https://example.com/Blog'],
		['https://example.com/blog/?page=2#top', 'https://example.com/blog'],
		['http://[::1]:8080/', 'http://[::1]:8080'],
	])('%s → %s', (raw, expected) => {
		expect(normalizeSiteUrl(raw)).toBe(expected);
	});

	it('gives the same identity to spellings of one site', () => {
		expect(normalizeSiteUrl('HTTPS://A.example:443//')).toBe(normalizeSiteUrl('https://a.example'));
	});

	it('keeps http and https apart', () => {
		expect(normalizeSiteUrl('http://a.example')).not.toBe(normalizeSiteUrl('https://a.example'));
	});

	it('rejects other schemes with a message naming the scheme', () => {
		expect(() => normalizeSiteUrl('ftp://example.com')).toThrow(
			'Site URL must start with http:// or https:// (got "ftp:")',
		);
		expect(() => normalizeSiteUrl('mailto:someone@example.com')).toThrow('(got "mailto:")');
	});

	it('throws on text that is not a URL', () => {
		expect(() => normalizeSiteUrl('example.com')).toThrow();
		expect(() => normalizeSiteUrl('')).toThrow();
	});
});

describe('tryNormalizeSiteUrl', () => {
	it('normalizes a valid URL', () => {
		expect(tryNormalizeSiteUrl('HTTPS://Example.com/')).toBe('https://example.com');
	});

	it.each([undefined, null, '', 'example.com', 'ftp://example.com', 'https://'])(
		'returns undefined for %p',
		(raw) => {
			expect(tryNormalizeSiteUrl(raw)).toBeUndefined();
		},
	);
});
