import { buildPolicyConfig, splitList } from '../../../core/sync/config';

describe('buildPolicyConfig', () => {
	it('fills safe defaults', () => {
		expect(buildPolicyConfig({ target: 'https://target.example' })).toEqual({
			target: 'https://target.example',
			readOnly: false,
			whitelist: { enabled: false, rules: [] },
			roles: [],
			prohibitedUsers: [],
			protectedUsers: [],
			createOnUpdate: false,
			roleMapping: {},
			linkByLogin: false,
			maxDeletePercent: 10,
		});
	});

	it('builds the role mapping and refuses what is not a role key, or a role mapped twice', () => {
		const mapping = [
			{ from: ' customer ', to: 'subscriber' },
			{ from: '', to: '' },
			{ from: 'shop_manager', to: 'editor' },
		];
		expect(
			buildPolicyConfig({ target: 'https://t.example', roleMapping: mapping }).roleMapping,
		).toEqual({ customer: 'subscriber', shop_manager: 'editor' });
		expect(() =>
			buildPolicyConfig({
				target: 'https://t.example',
				roleMapping: [{ from: 'Shop Manager', to: 'editor' }],
			}),
		).toThrow('not a WordPress role key');
		expect(() =>
			buildPolicyConfig({
				target: 'https://t.example',
				roleMapping: [{ from: 'customer', to: '' }],
			}),
		).toThrow('not a WordPress role key');
		const twice = [
			{ from: 'customer', to: 'subscriber' },
			{ from: 'customer', to: 'author' },
		];
		expect(() => buildPolicyConfig({ target: 'https://t.example', roleMapping: twice })).toThrow(
			'"customer" is mapped twice',
		);
	});

	it('refuses a Max Deletes outside 0–100 %', () => {
		expect(
			buildPolicyConfig({ target: 'https://t.example', maxDeletePercent: 0 }).maxDeletePercent,
		).toBe(0);
		expect(() => buildPolicyConfig({ target: 'https://t.example', maxDeletePercent: 101 })).toThrow(
			'Max Deletes',
		);
		expect(() =>
			buildPolicyConfig({ target: 'https://t.example', maxDeletePercent: Number.NaN }),
		).toThrow('Max Deletes');
	});

	it('normalizes the target URL', () => {
		expect(buildPolicyConfig({ target: ' HTTPS://Target.Example:443/ ' }).target).toBe(
			'https://target.example',
		);
	});

	it('throws on a target that is not an http(s) URL', () => {
		expect(() => buildPolicyConfig({ target: 'ftp://target.example' })).toThrow(
			'http:// or https://',
		);
	});

	it('trims, de-duplicates and drops blank list entries; lower-cases user lists only', () => {
		const config = buildPolicyConfig({
			target: 'https://target.example',
			roles: [' editor', 'editor ', '', 'Shop_Manager'],
			prohibitedUsers: ['Bob', ' bob@Example.com ', '  '],
			protectedUsers: ['ADMIN', ' ADMIN', 'admin'],
		});
		expect(config.roles).toEqual(['editor', 'Shop_Manager']);
		expect(config.prohibitedUsers).toEqual(['bob', 'bob@example.com']);
		// Lists are only searched, so a case-variant duplicate is harmless; every entry is lower-cased.
		expect(new Set(config.protectedUsers)).toEqual(new Set(['admin']));
	});

	it('parses the whitelist and keeps its switch', () => {
		const config = buildPolicyConfig({
			target: 'https://target.example',
			whitelistEnabled: true,
			whitelist: ['https://source.example/', '', '10.0.0.0/8'],
		});
		expect(config.whitelist.enabled).toBe(true);
		expect(config.whitelist.rules.map((rule) => rule.entry)).toEqual([
			'https://source.example/',
			'10.0.0.0/8',
		]);
	});

	it('throws a message naming a bad whitelist entry', () => {
		expect(() =>
			buildPolicyConfig({
				target: 'https://target.example',
				whitelist: ['10.0.0.1', 'source.example'],
			}),
		).toThrow('Whitelist entry "source.example"');
	});

	it('passes the switches through', () => {
		const config = buildPolicyConfig({
			target: 'https://target.example',
			readOnly: true,
			createOnUpdate: true,
		});
		expect([config.readOnly, config.createOnUpdate]).toEqual([true, true]);
	});
});

describe('splitList', () => {
	it('splits on commas, semicolons and whitespace', () => {
		expect(splitList('a, b\nc;d\t e,,')).toEqual(['a', 'b', 'c', 'd', 'e']);
	});

	it('returns an empty list for empty or missing text', () => {
		expect(splitList('')).toEqual([]);
		expect(splitList(undefined)).toEqual([]);
		expect(splitList(' ,\n ')).toEqual([]);
	});
});
