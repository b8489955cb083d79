import { META_PROHIBIT_PROPAGATION, META_SYNC_ID } from '../../../core/schemas/syncUser';
import { changedFields, createPayload, diffUser } from '../../../core/sync/diff';
import { syncUser, wpUser } from '../fixtures';

const profile = {
	displayName: 'Alice A.',
	firstName: 'Alice',
	lastName: 'Archer',
	nickname: 'ali',
	url: 'https://alice.example',
	description: 'Bio',
	locale: 'de_DE',
};

const target = () =>
	wpUser({
		name: 'Alice A.',
		first_name: 'Alice',
		last_name: 'Archer',
		nickname: 'ali',
		url: 'https://alice.example',
		description: 'Bio',
		locale: 'de_DE',
		roles: ['editor', 'author'],
		meta: { [META_SYNC_ID]: 'sync-1', billing_city: 'Lyon', score: '3' },
	});

const same = (overrides: Parameters<typeof syncUser>[0] = {}) =>
	syncUser({
		...profile,
		roles: ['editor', 'author'],
		meta: { billing_city: 'Lyon', score: 3 },
		syncId: 'sync-1',
		...overrides,
	});

describe('diffUser', () => {
	it('returns {} for a user that already matches', () => {
		expect(diffUser(target(), same())).toEqual({});
	});

	it('leaves absent fields alone', () => {
		expect(diffUser(target(), syncUser())).toEqual({});
	});

	it('sends a changed email', () => {
		expect(diffUser(target(), same({ email: 'alice@new.example' }))).toEqual({
			email: 'alice@new.example',
		});
	});

	it.each([
		['displayName', 'name'],
		['firstName', 'first_name'],
		['lastName', 'last_name'],
		['nickname', 'nickname'],
		['url', 'url'],
		['description', 'description'],
		['locale', 'locale'],
	])('sends a changed %s as %s', (key, field) => {
		expect(diffUser(target(), same({ [key]: 'changed' }))).toEqual({ [field]: 'changed' });
	});

	it('clears a profile field set to the empty string', () => {
		expect(diffUser(target(), same({ description: '', nickname: '' }))).toEqual({
			description: '',
			nickname: '',
		});
	});

	it('ignores an empty locale (the site language)', () => {
		expect(diffUser(target(), same({ locale: '' }))).toEqual({});
	});

	it('compares roles as a set', () => {
		expect(diffUser(target(), same({ roles: ['author', 'editor'] }))).toEqual({});
		expect(diffUser(target(), same({ roles: ['editor'] }))).toEqual({ roles: ['editor'] });
		expect(diffUser(target(), same({ roles: ['editor', 'author', 'customer'] }))).toEqual({
			roles: ['editor', 'author', 'customer'],
		});
		expect(diffUser(target(), same({ roles: ['editor', 'subscriber'] }))).toEqual({
			roles: ['editor', 'subscriber'],
		});
	});

	it('is not fooled by a duplicated role', () => {
		expect(diffUser(target(), same({ roles: ['editor', 'editor'] }))).toEqual({
			roles: ['editor', 'editor'],
		});
		expect(diffUser(target(), same({ roles: ['author', 'editor', 'author'] }))).toEqual({});
	});

	it('never sends empty roles', () => {
		expect(diffUser(target(), same({ roles: [] }))).toEqual({});
	});

	it("sends a copy of the roles, not the user's array", () => {
		const user = same({ roles: ['customer'] });
		const changes = diffUser(target(), user);
		expect(changes.roles).toEqual(['customer']);
		expect(changes.roles).not.toBe(user.roles);
	});

	it('sends changed meta only for keys the target exposes, comparing as text', () => {
		const user = same({ meta: { billing_city: 'Paris', score: 3, unknown_key: 'x' } });
		expect(diffUser(target(), user)).toEqual({ meta: { billing_city: 'Paris' } });
	});

	it('treats null and an empty string as the same meta value', () => {
		const t = wpUser({ meta: { note: '', other: null } });
		expect(diffUser(t, syncUser({ meta: { note: null, other: '' } }))).toEqual({});
	});

	it('never sends harmonyuser_* meta from the user', () => {
		const t = wpUser({ meta: { [META_PROHIBIT_PROPAGATION]: '' } });
		expect(
			diffUser(t, syncUser({ meta: { [META_PROHIBIT_PROPAGATION]: '1', [META_SYNC_ID]: 'x' } })),
		).toEqual({});
	});

	it('never writes the sync id: linking (plan.ts) decides that', () => {
		const user = syncUser({ syncId: 'sync-9' });
		expect(diffUser(wpUser({ meta: { [META_SYNC_ID]: '' } }), user)).toEqual({});
		expect(diffUser(wpUser({ meta: { [META_SYNC_ID]: 'sync-1' } }), user)).toEqual({});
		expect(diffUser(wpUser({ meta: {} }), user)).toEqual({});
		expect(diffUser(wpUser({ meta: { [META_SYNC_ID]: '' } }), syncUser())).toEqual({});
	});

	it('combines several changes', () => {
		const changes = diffUser(
			target(),
			same({ email: 'a@b.example', firstName: 'Al', roles: ['customer'], meta: { score: 4 } }),
		);
		expect(changes).toEqual({
			email: 'a@b.example',
			first_name: 'Al',
			roles: ['customer'],
			meta: { score: 4 },
		});
	});
});

describe('createPayload', () => {
	it('carries everything the user has', () => {
		const payload = createPayload(
			syncUser({
				...profile,
				roles: ['customer'],
				meta: { billing_city: 'Lyon', [META_PROHIBIT_PROPAGATION]: '1' },
				syncId: 's-1',
			}),
		);
		expect(payload).toEqual({
			username: 'alice',
			email: 'alice@example.com',
			password: expect.any(String),
			name: 'Alice A.',
			first_name: 'Alice',
			last_name: 'Archer',
			nickname: 'ali',
			url: 'https://alice.example',
			description: 'Bio',
			locale: 'de_DE',
			roles: ['customer'],
			meta: { billing_city: 'Lyon', [META_SYNC_ID]: 's-1' },
		});
	});

	it('leaves out empty fields, empty roles and empty meta', () => {
		const payload = createPayload(syncUser({ firstName: '', locale: '', roles: [], meta: {} }));
		expect(Object.keys(payload).sort()).toEqual(['email', 'password', 'username']);
	});

	it('sets a random password of at least 24 characters, different each time', () => {
		const passwords = Array.from(
			{ length: 20 },
			() => createPayload(syncUser()).password as string,
		);
		expect(new Set(passwords).size).toBe(passwords.length);
		for (const password of passwords) expect(password.length).toBeGreaterThanOrEqual(24);
	});
});

describe('changedFields', () => {
	it('names the written fields and meta keys, never the password', () => {
		const payload = createPayload(
			syncUser({ firstName: 'Alice', meta: { billing_city: 'Lyon' }, syncId: 's-1' }),
		);
		const fields = changedFields(payload);
		expect(fields).toEqual([
			'username',
			'email',
			'first_name',
			'meta.billing_city',
			`meta.${META_SYNC_ID}`,
		]);
		expect(fields).not.toContain('password');
	});

	it('names nothing for an empty write', () => {
		expect(changedFields({})).toEqual([]);
	});

	it('never carries values', () => {
		const fields = changedFields(diffUser(wpUser(), syncUser({ email: 'secret@example.com' })));
		expect(fields).toEqual(['email']);
	});
});
