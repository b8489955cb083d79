import { parseSyncEvent } from '../../../core/schemas/syncEvent';
import { META_SYNC_ID } from '../../../core/schemas/syncUser';
import { diffUser } from '../../../core/sync/diff';
import { toEventInput } from '../../../core/sync/eventInput';
import { wpUser } from '../fixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function asEvent(value: unknown) {
	const parsed = parseSyncEvent(value);
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.value;
}

describe('toEventInput', () => {
	it('passes an event through untouched', () => {
		const event = { id: 'e', action: 'delete', time: 'x', source: {}, user: { login: 'a' } };
		expect(toEventInput(event, 'update', 'https://fallback.example')).toBe(event);
	});

	it.each([null, 'text', 42, [{ login: 'a' }]])('passes the non-object %p through', (item) => {
		expect(toEventInput(item, 'update')).toBe(item);
	});

	it("wraps a user record in an event with the given action and the record's site as source", () => {
		const record = {
			site: 'https://shop.example',
			id: 5,
			login: 'alice',
			email: 'alice@example.com',
			roles: ['customer'],
		};
		const before = Date.now();
		const out = toEventInput(record, 'create', 'https://fallback.example') as Record<
			string,
			unknown
		>;
		expect(out).toEqual({
			id: expect.stringMatching(UUID),
			action: 'create',
			time: expect.any(String),
			source: { url: 'https://shop.example' },
			path: [],
			user: record,
		});
		expect(Date.parse(out.time as string)).toBeGreaterThanOrEqual(before - 1000);
		const event = asEvent(out);
		expect(event.path).toEqual(['https://shop.example']);
		expect(event.user).not.toHaveProperty('site');
		expect(event.user.roles).toEqual(['customer']);
	});

	it('gives every wrapped record its own id', () => {
		const record = { login: 'alice', email: 'alice@example.com' };
		const a = toEventInput(record, 'update') as { id: string };
		const b = toEventInput(record, 'update') as { id: string };
		expect(a.id).not.toBe(b.id);
	});

	it.each([undefined, ''])("uses the fallback URL when the record's site is %p", (site) => {
		const out = toEventInput(
			{ site, login: 'alice', email: 'alice@example.com' },
			'update',
			'https://fallback.example',
		);
		expect(asEvent(out).source.url).toBe('https://fallback.example');
	});

	it('leaves the source URL out when neither names a site', () => {
		const out = toEventInput({ login: 'alice', email: 'alice@example.com' }, 'delete', '') as {
			source: unknown;
		};
		expect(out.source).toEqual({ url: undefined });
		expect(asEvent(out).path).toEqual([]);
	});

	it('converts the WordPress REST shape', () => {
		const rest = {
			id: 31,
			username: 'bob',
			email: 'bob@example.com',
			first_name: 'Bob',
			last_name: 'Baker',
			name: 'Bob B.',
			roles: ['editor'],
			meta: { [META_SYNC_ID]: 'sync-b', harmonyuser_prohibit_propagation: '1', city: 'Oslo' },
		};
		const event = asEvent(toEventInput(rest, 'update', 'https://wp.example'));
		expect(event.action).toBe('update');
		expect(event.source.url).toBe('https://wp.example');
		expect(event.user).toMatchObject({
			login: 'bob',
			email: 'bob@example.com',
			firstName: 'Bob',
			lastName: 'Baker',
			displayName: 'Bob B.',
			roles: ['editor'],
			meta: { city: 'Oslo' },
			syncId: 'sync-b',
			sourceId: 31,
			flags: { prohibitPropagation: true, rejectIncoming: false },
		});
		expect(event.user).not.toHaveProperty('username');
		expect(event.user).not.toHaveProperty('first_name');
	});

	it('leaves profile fields a partial REST user does not carry absent, so they are not cleared', () => {
		const rest = {
			id: 31,
			username: 'bob',
			email: 'bob@example.com',
			first_name: '',
			roles: ['editor'],
		};
		const event = asEvent(toEventInput(rest, 'update', 'https://wp.example'));
		expect(event.user.firstName).toBe('');
		for (const field of ['displayName', 'lastName', 'nickname', 'url', 'description', 'locale']) {
			expect(event.user).not.toHaveProperty(field);
		}
		const target = wpUser({
			username: 'bob',
			email: 'bob@example.com',
			last_name: 'Baker',
			description: 'Bio',
			roles: ['editor'],
		});
		expect(diffUser(target, event.user)).toEqual({});
	});

	it("takes the source from a REST user's site field", () => {
		const rest = {
			site: 'https://wp.example/',
			id: 31,
			username: 'bob',
			email: 'bob@example.com',
			meta: [],
		};
		expect(asEvent(toEventInput(rest, 'update', 'https://fallback.example')).source.url).toBe(
			'https://wp.example',
		);
	});

	it('prefers login over username when a record has both', () => {
		const out = toEventInput(
			{ login: 'alice', username: 'other', email: 'alice@example.com' },
			'update',
		) as {
			user: { login: string };
		};
		expect(out.user.login).toBe('alice');
	});

	it('leaves an invalid REST shape for validation to report', () => {
		const out = toEventInput(
			{ username: 'bob', email: 'bob@example.com' },
			'update',
			'https://wp.example',
		);
		const parsed = parseSyncEvent(out);
		expect(!parsed.ok && parsed.error).toContain('user.login: Required');
	});
});
