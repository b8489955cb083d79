import {
	isMetaOn,
	META_LAST_CHANGED,
	META_PROHIBIT_PROPAGATION,
	META_REJECT_INCOMING,
	META_SYNC_ID,
	portableMeta,
	syncUserSchema,
} from '../../../core/schemas/syncUser';

describe('syncUserSchema', () => {
	it('fills roles, meta and flags with defaults', () => {
		expect(syncUserSchema.parse({ login: 'bob', email: 'bob@example.com' })).toEqual({
			login: 'bob',
			email: 'bob@example.com',
			roles: [],
			meta: {},
			flags: { prohibitPropagation: false, rejectIncoming: false },
		});
	});

	it('rejects an email over 100 characters', () => {
		const email = `${'a'.repeat(95)}@example.com`;
		expect(syncUserSchema.safeParse({ login: 'bob', email }).success).toBe(false);
	});

	it('rejects a non-positive source id and an empty sync id', () => {
		expect(
			syncUserSchema.safeParse({ login: 'bob', email: 'bob@example.com', sourceId: 0 }).success,
		).toBe(false);
		expect(
			syncUserSchema.safeParse({ login: 'bob', email: 'bob@example.com', syncId: ' ' }).success,
		).toBe(false);
	});
});

describe('portableMeta', () => {
	it('drops every harmonyuser_* key and keeps the rest', () => {
		const meta = {
			[META_SYNC_ID]: 'abc',
			[META_PROHIBIT_PROPAGATION]: '1',
			[META_REJECT_INCOMING]: '1',
			[META_LAST_CHANGED]: '2024',
			harmonyuser_anything: 'x',
			billing_city: 'Lyon',
			score: 3,
			vip: false,
			cleared: null,
		};
		expect(portableMeta(meta)).toEqual({
			billing_city: 'Lyon',
			score: 3,
			vip: false,
			cleared: null,
		});
	});

	it('keeps keys that only contain the prefix elsewhere', () => {
		expect(portableMeta({ my_harmonyuser_note: 'x' })).toEqual({ my_harmonyuser_note: 'x' });
	});

	it('drops values that are not scalars', () => {
		expect(portableMeta({ nested: { a: 1 }, list: [1], fn: undefined, ok: 'y' })).toEqual({
			ok: 'y',
		});
	});
});

describe('isMetaOn', () => {
	it.each([true, 1, -1, '1', 'yes', 'YES', ' true ', 'on'])('%p is on', (value) => {
		expect(isMetaOn(value)).toBe(true);
	});

	it.each([false, 0, '0', '', 'no', 'false', 'off', null, undefined, {}, ['1']])(
		'%p is off',
		(value) => {
			expect(isMetaOn(value)).toBe(false);
		},
	);
});
