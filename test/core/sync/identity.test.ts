import { META_SYNC_ID } from '../../../core/schemas/syncUser';
import {
	IndexedDirectory,
	resolveTargetUser,
	type TargetDirectory,
} from '../../../core/sync/identity';
import { syncUser, wpUser } from '../fixtures';

const alice = wpUser({
	id: 2,
	username: 'alice',
	email: 'alice@example.com',
	meta: { [META_SYNC_ID]: 'sync-a' },
});
const bob = wpUser({
	id: 3,
	username: 'Bob',
	email: 'Bob@Example.com',
	meta: { [META_SYNC_ID]: '' },
});
const carol = wpUser({
	id: 4,
	username: 'carol',
	email: 'carol@old.example',
	meta: { [META_SYNC_ID]: 'sync-c' },
});

describe('IndexedDirectory', () => {
	const directory = new IndexedDirectory([alice, bob, carol]);

	it('finds users by sync id when the site exposes the key', async () => {
		await expect(directory.bySyncId('sync-a')).resolves.toBe(alice);
		await expect(directory.bySyncId('sync-zzz')).resolves.toBeUndefined();
	});

	it('never indexes an empty sync id', async () => {
		await expect(directory.bySyncId('')).resolves.toBeUndefined();
	});

	it('answers null for sync ids when no user exposes the key', async () => {
		const plain = new IndexedDirectory([
			wpUser({ meta: {} }),
			wpUser({ id: 8, username: 'x', email: 'x@example.com' }),
		]);
		await expect(plain.bySyncId('sync-a')).resolves.toBeNull();
		await expect(new IndexedDirectory([]).bySyncId('sync-a')).resolves.toBeNull();
	});

	it('finds users by email and login case-insensitively', async () => {
		await expect(directory.byEmail('bob@example.COM')).resolves.toBe(bob);
		await expect(directory.byLogin('BOB')).resolves.toBe(bob);
		await expect(directory.byEmail('nobody@example.com')).resolves.toBeUndefined();
		await expect(directory.byLogin('nobody')).resolves.toBeUndefined();
	});
});

describe('resolveTargetUser', () => {
	const directory = new IndexedDirectory([alice, bob, carol]);

	it('matches by sync id first, even when the email names someone else', async () => {
		const user = syncUser({ login: 'bob', email: 'bob@example.com', syncId: 'sync-a' });
		await expect(resolveTargetUser(directory, user)).resolves.toEqual({
			user: alice,
			matchedBy: 'syncId',
		});
	});

	it('falls back to email when the sync id is unknown', async () => {
		const user = syncUser({ login: 'x', email: 'bob@example.com', syncId: 'sync-unknown' });
		await expect(resolveTargetUser(directory, user)).resolves.toEqual({
			user: bob,
			matchedBy: 'email',
		});
	});

	it('falls back to email when the site cannot look up sync ids', async () => {
		const plain = new IndexedDirectory([
			wpUser({ id: 9, username: 'dave', email: 'dave@example.com' }),
		]);
		const user = syncUser({ login: 'dave', email: 'dave@example.com', syncId: 'sync-d' });
		await expect(resolveTargetUser(plain, user)).resolves.toMatchObject({ matchedBy: 'email' });
	});

	it('matches the exact email case-insensitively', async () => {
		const user = syncUser({ login: 'robert', email: 'BOB@example.com' });
		await expect(resolveTargetUser(directory, user)).resolves.toEqual({
			user: bob,
			matchedBy: 'email',
		});
	});

	it('follows an email change through the previous email', async () => {
		const user = syncUser({
			login: 'caroline',
			email: 'carol@new.example',
			previousEmail: 'Carol@Old.example',
		});
		await expect(resolveTargetUser(directory, user)).resolves.toEqual({
			user: carol,
			matchedBy: 'previousEmail',
		});
	});

	it('matches by login last', async () => {
		const user = syncUser({
			login: 'ALICE',
			email: 'alice@elsewhere.example',
			previousEmail: 'gone@example.com',
		});
		await expect(resolveTargetUser(directory, user)).resolves.toEqual({
			user: alice,
			matchedBy: 'login',
		});
	});

	it('prefers the email match when the email and the login name different users', async () => {
		const user = syncUser({ login: 'alice', email: 'bob@example.com' });
		await expect(resolveTargetUser(directory, user)).resolves.toEqual({
			user: bob,
			matchedBy: 'email',
		});
	});

	it('returns undefined when nothing matches', async () => {
		const user = syncUser({
			login: 'nobody',
			email: 'nobody@example.com',
			previousEmail: 'none@example.com',
			syncId: 'sync-n',
		});
		await expect(resolveTargetUser(directory, user)).resolves.toBeUndefined();
	});

	it('asks only what it needs, in order', async () => {
		const calls: string[] = [];
		const spy: TargetDirectory = {
			bySyncId: async (id) => {
				calls.push(`syncId:${id}`);
				return null;
			},
			byEmail: async (email) => {
				calls.push(`email:${email}`);
				return undefined;
			},
			byLogin: async (login) => {
				calls.push(`login:${login}`);
				return undefined;
			},
		};
		await resolveTargetUser(
			spy,
			syncUser({ login: 'eve', email: 'eve@example.com', previousEmail: 'EVE@example.com' }),
		);
		expect(calls).toEqual(['email:eve@example.com', 'login:eve']);
		calls.length = 0;
		await resolveTargetUser(
			spy,
			syncUser({
				login: 'eve',
				email: 'eve@new.example',
				previousEmail: 'eve@old.example',
				syncId: 's',
			}),
		);
		expect(calls).toEqual([
			'syncId:s',
			'email:eve@new.example',
			'email:eve@old.example',
			'login:eve',
		]);
	});

	it('takes a one-request resolve when the site offers it, and asks one by one only when it cannot', async () => {
		const calls: string[] = [];
		const lookups = {
			bySyncId: async () => (calls.push('syncId'), undefined),
			byEmail: async () => (calls.push('email'), undefined),
			byLogin: async () => (calls.push('login'), undefined),
		};
		const eve = syncUser({ login: 'eve', email: 'eve@example.com', syncId: 's' });
		const found = { user: alice, matchedBy: 'login' as const };
		await expect(resolveTargetUser({ ...lookups, resolve: async () => found }, eve)).resolves.toBe(
			found,
		);
		await expect(
			resolveTargetUser({ ...lookups, resolve: async () => undefined }, eve),
		).resolves.toBeUndefined();
		expect(calls).toEqual([]);
		await resolveTargetUser({ ...lookups, resolve: async () => null }, eve);
		expect(calls).toEqual(['syncId', 'email', 'login']);
	});
});
