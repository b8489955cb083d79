import {
	META_PROHIBIT_PROPAGATION,
	META_REJECT_INCOMING,
	META_SYNC_ID,
	syncUserSchema,
} from '../../../core/schemas/syncUser';
import { parseWpUser, toUserRecord, WP_USER_FIELDS } from '../../../core/schemas/wpUser';

const restUser = {
	id: 12,
	username: 'carol',
	email: 'carol@example.com',
	name: 'Carol C.',
	first_name: 'Carol',
	last_name: 'Cole',
	nickname: 'cc',
	url: 'https://carol.example',
	description: 'Hi',
	locale: 'fr_FR',
	roles: ['editor'],
	registered_date: '2020-01-02T03:04:05+00:00',
	meta: {
		[META_SYNC_ID]: 'sync-123',
		[META_PROHIBIT_PROPAGATION]: '1',
		[META_REJECT_INCOMING]: '',
		harmonyuser_last_changed: '1700000000',
		billing_city: 'Lyon',
	},
	_links: { self: [] },
};

describe('parseWpUser', () => {
	it('parses a REST user and keeps unknown fields', () => {
		const result = parseWpUser(restUser);
		expect(result.ok).toBe(true);
		expect(result.ok && result.value._links).toEqual({ self: [] });
	});

	it("turns WordPress's empty meta array into an object", () => {
		const result = parseWpUser({ id: 1, username: 'a', email: 'a@example.com', meta: [] });
		expect(result.ok && result.value.meta).toEqual({});
	});

	it('defaults missing fields', () => {
		const result = parseWpUser({ id: 1, username: 'a', email: 'a@example.com' });
		expect(result.ok && result.value).toMatchObject({
			name: '',
			first_name: '',
			locale: '',
			roles: [],
			meta: {},
		});
	});

	it('names the field that is wrong', () => {
		const result = parseWpUser({ id: 'x', username: 'a', email: 'a@example.com' });
		expect(result).toEqual({
			ok: false,
			error: expect.stringContaining('Invalid WordPress user: id: Expected number'),
		});
		const missing = parseWpUser({ id: 1, email: 'a@example.com' });
		expect(!missing.ok && missing.error).toContain('username: Required');
	});

	it('lists the REST fields it reads', () => {
		expect(WP_USER_FIELDS.split(',')).toEqual(
			expect.arrayContaining(['id', 'username', 'email', 'roles', 'meta']),
		);
	});
});

describe('toUserRecord', () => {
	function record(overrides: Record<string, unknown> = {}) {
		const parsed = parseWpUser({ ...restUser, ...overrides });
		if (!parsed.ok) throw new Error(parsed.error);
		return toUserRecord('https://site.example', parsed.value);
	}

	it('maps the REST fields to the sync user shape', () => {
		expect(record()).toEqual({
			site: 'https://site.example',
			id: 12,
			login: 'carol',
			email: 'carol@example.com',
			displayName: 'Carol C.',
			firstName: 'Carol',
			lastName: 'Cole',
			nickname: 'cc',
			url: 'https://carol.example',
			description: 'Hi',
			locale: 'fr_FR',
			roles: ['editor'],
			meta: { billing_city: 'Lyon' },
			syncId: 'sync-123',
			sourceId: 12,
			flags: { prohibitPropagation: true, rejectIncoming: false },
			registeredDate: '2020-01-02T03:04:05+00:00',
		});
	});

	it('drops the harmonyuser_* keys from meta, surfacing the sync id as syncId', () => {
		const { meta, syncId } = record();
		expect(Object.keys(meta).filter((key) => key.startsWith('harmonyuser_'))).toEqual([]);
		expect(syncId).toBe('sync-123');
	});

	it('has no sync id when the meta value is empty or not a string', () => {
		expect(record({ meta: { [META_SYNC_ID]: '' } }).syncId).toBeUndefined();
		expect(record({ meta: { [META_SYNC_ID]: 5 } }).syncId).toBeUndefined();
		expect(record({ meta: [] }).syncId).toBeUndefined();
	});

	it('reads the switches from meta', () => {
		expect(record({ meta: { [META_REJECT_INCOMING]: 'yes' } }).flags).toEqual({
			prohibitPropagation: false,
			rejectIncoming: true,
		});
	});

	it('is a valid sync user', () => {
		expect(syncUserSchema.safeParse(record()).success).toBe(true);
	});
});
