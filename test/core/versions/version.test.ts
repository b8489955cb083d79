import {
	compareVersions,
	isVersion,
	newestVersion,
	siteKey,
	versionFromTime,
} from '../../../core/versions/version';

const v = (micros: number, counter = 0, site = 'aaaa0000') =>
	`${String(micros).padStart(17, '0')}.${String(counter).padStart(4, '0')}.${site}`;

describe('versions', () => {
	it('recognises the format', () => {
		expect(isVersion(v(1764700000123456))).toBe(true);
		expect(isVersion('2026-12-02T10:00:00Z')).toBe(false);
		expect(isVersion(undefined)).toBe(false);
	});

	it('orders by wall time, then counter, then site id; absent is oldest', () => {
		expect(compareVersions(v(2), v(10))).toBeLessThan(0);
		expect(compareVersions(v(5, 2), v(5, 1))).toBeGreaterThan(0);
		expect(compareVersions(v(5, 1, 'bbbb0000'), v(5, 1, 'aaaa0000'))).toBeGreaterThan(0);
		expect(compareVersions(v(5), v(5))).toBe(0);
		expect(compareVersions(undefined, v(1))).toBeLessThan(0);
		expect(newestVersion([v(3), undefined, v(7), v(5)])).toBe(v(7));
	});

	it('makes a version from a modification time, a site key from a URL', () => {
		expect(versionFromTime('2026-12-02T10:00:00Z', 'https://shop.example')).toBe(
			`${String(Date.parse('2026-12-02T10:00:00Z') * 1000).padStart(17, '0')}.0000.${siteKey('https://shop.example')}`,
		);
		expect(versionFromTime('not a date', 'https://x')).toBeUndefined();
		expect(siteKey('https://a.example')).toMatch(/^[0-9a-f]{8}$/);
	});
});

describe('poll events', () => {
	it('carry the bridge field versions when the site reports them, else the time the poll saw the change', async () => {
		const { changeToEvent } = await import('../../../core/polling/events');
		const { wpUser } = await import('../fixtures');
		const user = wpUser({ harmonyuser_versions: { email: v(9), first_name: v(12) } });
		const bridged = changeToEvent(
			'https://a.example',
			{ kind: 'created', id: 7, user } as never,
			'2026-12-02T10:00:00.000Z',
		);
		expect(bridged.version).toBe(v(12));
		const plain = changeToEvent(
			'https://a.example',
			{ kind: 'created', id: 7, user: wpUser() } as never,
			'2026-12-02T10:00:00.000Z',
		);
		expect(plain.version).toBe(versionFromTime('2026-12-02T10:00:00.000Z', 'https://a.example'));
	});
});
