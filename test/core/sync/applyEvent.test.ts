/** applyEvent against the in-process fake of WordPress's users API: each rule it decides, and what it costs. */
import { randomUUID } from 'node:crypto';
import { applyEvent } from '../../../core/sync/applyEvent';
import { TargetSite } from '../../../core/sync/target';
import { WordPressClient } from '../../../core/wordpress/client';
import { policyConfig, SOURCE } from '../fixtures';
import { FakeWordPress, SYNC_META, userEvent } from './fakeWordPress';

const RESOLVE = 'GET /harmonyuser/v1/users/resolve';
const SEARCH = 'GET /wp/v2/users';
const CREATE = 'POST /wp/v2/users';
const UPDATE = 'POST /wp/v2/users/:id';

describe('a site without the bridge', () => {
	let wp: FakeWordPress;
	beforeAll(async () => {
		wp = await new FakeWordPress({ registeredMeta: ['favorite_color'] }).start();
	});
	afterAll(() => wp.stop());
	beforeEach(() => wp.reset());

	test('creates a missing user with profile, roles and meta; the path grows by the target', async () => {
		const event = userEvent('ada', {
			user: {
				firstName: 'Ada',
				lastName: 'Lovelace',
				roles: ['editor'],
				meta: { favorite_color: 'teal' },
			},
		});
		const result = await applyEvent(wp.target(), event);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'create',
			requestedAction: 'create',
			reason: 'created',
			source: SOURCE,
			target: wp.url,
			path: [SOURCE, wp.url],
			notSynced: [],
			user: { login: 'ada', email: 'ada@example.test', targetId: wp.user('ada')?.id },
		});
		expect(result.changes).toEqual(
			expect.arrayContaining([
				'username',
				'email',
				'first_name',
				'last_name',
				'roles',
				'meta.favorite_color',
			]),
		);
		expect(result.changes).not.toContain('password');
		expect(wp.user('ada')).toMatchObject({
			first_name: 'Ada',
			last_name: 'Lovelace',
			name: 'Ada Lovelace',
			roles: ['editor'],
			meta: { favorite_color: 'teal' },
		});
		// The bridge's one-request lookup (absent), email, login, then the create; the write carries the path.
		expect(wp.routesServed()).toEqual([RESOLVE, SEARCH, SEARCH, CREATE]);
		expect(result.requests).toBe(4);
		expect(wp.writes()[0].pathHeader).toBe(`${SOURCE},${wp.url}`);
	});

	test('updates only the fields that changed, and sends only those', async () => {
		const grace = wp.addUser({
			username: 'grace',
			first_name: 'Grace',
			last_name: 'Hopper',
			name: 'Grace Hopper',
		});
		const event = userEvent('grace', {
			action: 'update',
			user: { firstName: 'Gracie', lastName: 'Hopper' },
		});
		const result = await applyEvent(wp.target(), event);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			reason: 'updated',
			changes: ['first_name'],
			user: { targetId: grace.id, matchedBy: 'email' },
		});
		expect(wp.writes().map((write) => [write.route, write.body])).toEqual([
			[UPDATE, { first_name: 'Gracie' }],
		]);
		expect(wp.user('grace')).toMatchObject({ first_name: 'Gracie', last_name: 'Hopper' });
		expect(result.requests).toBe(3);
	});

	test('a target that already matches: nothing written', async () => {
		wp.addUser({ username: 'same', first_name: 'Sam' });
		const result = await applyEvent(
			wp.target(),
			userEvent('same', { action: 'update', user: { firstName: 'Sam' } }),
		);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'none',
			reason: 'unchanged',
			changes: [],
			notSynced: [],
		});
		expect(wp.writes()).toEqual([]);
		expect(result.requests).toBe(2); // the bridge's lookup (absent) and the email search
	});

	test('follows an email change through the previous email: the same user, no second one', async () => {
		const moved = wp.addUser({ username: 'mover' });
		const event = userEvent('mover-renamed', {
			action: 'update',
			user: { email: 'mover@moved.test', previousEmail: 'mover@example.test' },
		});
		const result = await applyEvent(wp.target(), event);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			user: { targetId: moved.id, matchedBy: 'previousEmail' },
		});
		// WordPress never renames a login: the result says so.
		expect(result.notSynced).toEqual([
			expect.objectContaining({ field: 'login', reason: 'login_immutable' }),
		]);
		expect(wp.user('mover')?.email).toBe('mover@moved.test');
		expect(wp.user('mover-renamed')).toBeUndefined();
	});

	test('deletes the user for good and gives their content to the credential user, or the configured heir', async () => {
		const leaving = wp.addUser({ username: 'leaving' });
		const result = await applyEvent(wp.target(), userEvent('leaving', { action: 'delete' }));
		expect(result).toMatchObject({
			status: 'synced',
			action: 'delete',
			reason: 'deleted',
			user: { targetId: leaving.id },
		});
		expect(wp.user('leaving')).toBeUndefined();
		expect(wp.deletions).toEqual([{ id: leaving.id, reassign: 1 }]);
		const deleteRequest = wp.writes()[0];
		expect(deleteRequest).toMatchObject({
			route: 'DELETE /wp/v2/users/:id',
			query: { force: 'true', reassign: '1' },
		});
		expect(wp.count('GET /wp/v2/users/me')).toBe(1);

		const heir = wp.addUser({ username: 'heir', roles: ['editor'] });
		const other = wp.addUser({ username: 'leaving2' });
		wp.reset();
		await applyEvent(wp.target({}, heir.id), userEvent('leaving2', { action: 'delete' }));
		expect(wp.deletions).toEqual([{ id: other.id, reassign: heir.id }]);
	});

	test('a delete for a user the target lacks is skipped, and writes nothing', async () => {
		const result = await applyEvent(wp.target(), userEvent('never-there', { action: 'delete' }));
		expect(result).toMatchObject({ status: 'skipped', action: 'none', reason: 'user_not_found' });
		expect(wp.writes()).toEqual([]);
	});

	test('an update for a missing user is skipped unless create-on-update (or an upsert) says create', async () => {
		const update = userEvent('late', { action: 'update' });
		expect(await applyEvent(wp.target(), update)).toMatchObject({
			status: 'skipped',
			reason: 'user_not_found',
		});
		expect(wp.user('late')).toBeUndefined();
		expect(await applyEvent(wp.target({ createOnUpdate: true }), update)).toMatchObject({
			status: 'synced',
			action: 'create',
		});
		expect(
			await applyEvent(wp.target(), userEvent('later', { action: 'update' }), { upsert: true }),
		).toMatchObject({ action: 'create' });
		expect(wp.user('later')).toBeDefined();
	});

	test('an invalid event fails as invalid_event without a single request', async () => {
		const target = wp.target();
		const bad = await applyEvent(target, { ...userEvent('bad'), action: 'merge' });
		expect(bad).toMatchObject({
			status: 'failed',
			reason: 'invalid_event',
			action: 'none',
			requests: 0,
			user: null,
			eventId: null,
		});
		expect(bad.message).toMatch(/action: must be one of create, update, delete/);
		expect(await applyEvent(target, 'not an event')).toMatchObject({
			status: 'failed',
			reason: 'invalid_event',
		});
		expect(wp.count()).toBe(0);
	});

	test('a policy refusal costs no request (read-only target, loop)', async () => {
		wp.addUser({ username: 'guarded' });
		const readOnly = await applyEvent(
			wp.target({ readOnly: true }),
			userEvent('guarded', { action: 'update', user: { firstName: 'X' } }),
		);
		expect(readOnly).toMatchObject({ status: 'rejected', reason: 'target_read_only', requests: 0 });
		const loop = await applyEvent(
			wp.target(),
			userEvent('guarded', { action: 'update', path: [wp.url] }),
		);
		expect(loop).toMatchObject({ status: 'skipped', reason: 'loop_detected', requests: 0 });
		expect(wp.count()).toBe(0);
	});

	test('an administrator on the target is never changed by a sync', async () => {
		const boss = wp.addUser({ username: 'boss', roles: ['administrator'] });
		const result = await applyEvent(
			wp.target(),
			userEvent('boss', { action: 'update', user: { firstName: 'Pwned', roles: ['subscriber'] } }),
		);
		expect(result).toMatchObject({
			status: 'rejected',
			reason: 'protected_account',
			detail: 'administrator',
			user: { targetId: boss.id },
		});
		expect(wp.writes()).toEqual([]);
		expect(wp.user('boss')).toMatchObject({ first_name: '', roles: ['administrator'] });
	});

	test('a namesake with the same login but another email is a different person: refused, never merged', async () => {
		const lee = wp.addUser({ username: 'lee', email: 'lee@one.test' });
		const result = await applyEvent(
			wp.target(),
			userEvent('lee', { user: { email: 'lee@two.test' } }),
		);
		expect(result).toMatchObject({
			status: 'rejected',
			reason: 'conflict',
			detail: 'login_taken',
			user: { targetId: lee.id, matchedBy: 'login' },
		});
		expect(wp.writes()).toEqual([]);
		expect(wp.user('lee')?.email).toBe('lee@one.test');
	});

	test('a role the target lacks: the user is written without it, the result names it, and later writes leave it out at once', async () => {
		const target = wp.target();
		const first = await applyEvent(
			target,
			userEvent('mia', { user: { roles: ['subscriber', 'shop_manager'] } }),
		);
		const missing = {
			field: 'roles',
			reason: 'role_missing_on_target',
			values: ['shop_manager'],
			message: 'the target has no role shop_manager',
		};
		expect(first).toMatchObject({
			status: 'synced',
			action: 'create',
			reason: 'created',
			notSynced: [missing],
		});
		expect(first.message).toMatch(/not synced: roles \(the target has no role shop_manager\)/);
		expect(wp.user('mia')?.roles).toEqual(['subscriber']);
		// WordPress refused the first create (400 rest_user_invalid_role); the second went without the role.
		expect(wp.count(CREATE)).toBe(2);

		wp.reset();
		const second = await applyEvent(
			target,
			userEvent('nia', { user: { roles: ['subscriber', 'shop_manager'] } }),
		);
		expect(second).toMatchObject({ status: 'synced', action: 'create', notSynced: [missing] });
		expect(wp.count(CREATE)).toBe(1);
	});

	test('an update whose only change is a role the target lacks writes nothing more, and says so', async () => {
		wp.addUser({ username: 'ron' });
		const result = await applyEvent(
			wp.target(),
			userEvent('ron', { action: 'update', user: { roles: ['shop_manager'] } }),
		);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'none',
			reason: 'unchanged',
			notSynced: [
				expect.objectContaining({ reason: 'role_missing_on_target', values: ['shop_manager'] }),
			],
		});
		expect(wp.user('ron')?.roles).toEqual(['subscriber']);
	});

	test('a create none of whose roles exists on the target fails as no_valid_role', async () => {
		const result = await applyEvent(
			wp.target(),
			userEvent('zed', { user: { roles: ['shop_manager'] } }),
		);
		expect(result).toMatchObject({ status: 'failed', reason: 'no_valid_role' });
		expect(wp.user('zed')).toBeUndefined();
	});

	test('a language the target has not installed is left out, the rest written', async () => {
		const result = await applyEvent(
			wp.target(),
			userEvent('lu', { user: { locale: 'de_DE', firstName: 'Lu' } }),
		);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'create',
			notSynced: [
				expect.objectContaining({
					field: 'locale',
					reason: 'locale_missing_on_target',
					values: ['de_DE'],
				}),
			],
		});
		expect(wp.user('lu')).toMatchObject({ first_name: 'Lu', locale: '' });
	});

	test('a password hash cannot travel without the bridge: the rest syncs and the result says so', async () => {
		wp.addUser({ username: 'pw' });
		const result = await applyEvent(
			wp.target(),
			userEvent('pw', {
				action: 'update',
				user: { passwordHash: '$P$BabcdefghijklmnopqrstuvwxyzABCD', firstName: 'Pat' },
			}),
		);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			changes: ['first_name'],
			notSynced: [expect.objectContaining({ field: 'password', reason: 'password_no_bridge' })],
		});
		expect(JSON.stringify(result)).not.toContain('$P$');
	});

	test('wrong credentials: a failed result carrying WordPress’s answer, no secret in it', async () => {
		const client = WordPressClient.create(
			{ url: wp.url, username: 'admin', applicationPassword: 'wrong-secret-1234' },
			{ retry: { retries: 0 } },
		);
		const result = await applyEvent(
			new TargetSite(client, policyConfig({ target: wp.url })),
			userEvent('intruder'),
		);
		expect(result).toMatchObject({
			status: 'failed',
			reason: 'wordpress_error',
			error: { kind: 'auth', status: 401, code: 'rest_forbidden_context' },
		});
		expect(JSON.stringify(result)).not.toContain('wrong-secret');
		expect(wp.writes()).toEqual([]);
	});
});

describe('a site that exposes sync ids', () => {
	let wp: FakeWordPress;
	beforeAll(async () => {
		wp = await new FakeWordPress({ registeredMeta: SYNC_META }).start();
	});
	afterAll(() => wp.stop());
	beforeEach(() => wp.reset());

	test('the same email linked to another sync id is another person: refused, nothing written', async () => {
		const theirs = randomUUID();
		const sam = wp.addUser({
			username: 'sam',
			meta: { harmonyuser_sync_id: theirs, harmonyuser_sync_linked: '1' },
		});
		const result = await applyEvent(
			wp.target(),
			userEvent('samuel', {
				user: { email: 'sam@example.test', syncId: randomUUID(), firstName: 'Other' },
			}),
		);
		expect(result).toMatchObject({
			status: 'rejected',
			action: 'none',
			reason: 'conflict',
			detail: 'sync_id_mismatch',
			user: { targetId: sam.id, matchedBy: 'email' },
		});
		expect(wp.writes()).toEqual([]);
		expect(wp.user('sam')?.meta.harmonyuser_sync_id).toBe(theirs);
	});

	test('the same email and the same sync id is the same person: updated', async () => {
		const ours = randomUUID();
		wp.addUser({
			username: 'kim',
			meta: { harmonyuser_sync_id: ours, harmonyuser_sync_linked: '1' },
		});
		const result = await applyEvent(
			wp.target(),
			userEvent('kim', { action: 'update', user: { syncId: ours, firstName: 'Kim' } }),
		);
		expect(result).toMatchObject({ status: 'synced', action: 'update', changes: ['first_name'] });
	});
});

describe('a site running the bridge', () => {
	let wp: FakeWordPress;
	beforeAll(async () => {
		wp = await new FakeWordPress({ bridge: {} }).start();
	});
	afterAll(() => wp.stop());
	beforeEach(() => wp.reset());

	test('a new user: one identity resolve and one create; the sync id is kept', async () => {
		const syncId = randomUUID();
		const result = await applyEvent(wp.target(), userEvent('bri', { user: { syncId } }));
		expect(result).toMatchObject({ status: 'synced', action: 'create', requests: 2 });
		expect(wp.routesServed()).toEqual([RESOLVE, CREATE]);
		// The resolve said the bridge is there: the random password is a throwaway, not a change.
		expect(wp.writes()[0].body).toMatchObject({
			harmonyuser_throwaway_password: true,
			meta: { harmonyuser_sync_id: syncId, harmonyuser_sync_linked: '1' },
		});
		expect(result.changes).not.toContain('harmonyuser_throwaway_password');
		expect(wp.user('bri')?.meta).toMatchObject({
			harmonyuser_sync_id: syncId,
			harmonyuser_sync_linked: '1',
		});
	});

	test('a later change finds the user by sync id whatever their email and login now are', async () => {
		const syncId = randomUUID();
		const user = wp.addUser({
			username: 'old-login',
			meta: { harmonyuser_sync_id: syncId, harmonyuser_sync_linked: '1' },
		});
		const result = await applyEvent(
			wp.target(),
			userEvent('new-login', { action: 'update', user: { syncId, email: 'new@example.test' } }),
		);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			user: { targetId: user.id, matchedBy: 'syncId' },
		});
		expect(wp.routesServed()).toEqual([RESOLVE, UPDATE]);
		expect(wp.user('old-login')?.email).toBe('new@example.test');
	});

	test('first contact with an account registered on the target: only the link is recorded', async () => {
		const provisional = randomUUID();
		wp.addUser({
			username: 'pre',
			first_name: 'Own',
			meta: { harmonyuser_sync_id: provisional, harmonyuser_sync_linked: '' },
		});
		const syncId = randomUUID();
		const result = await applyEvent(
			wp.target(),
			userEvent('pre', { action: 'update', user: { syncId, firstName: 'Overwritten' } }),
		);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			reason: 'linked',
			notSynced: [expect.objectContaining({ reason: 'first_contact' })],
		});
		expect(result.changes.sort()).toEqual([
			'meta.harmonyuser_sync_id',
			'meta.harmonyuser_sync_linked',
		]);
		expect(wp.user('pre')).toMatchObject({
			first_name: 'Own',
			meta: { harmonyuser_sync_id: syncId, harmonyuser_sync_linked: '1' },
		});
	});

	test('a reported delete leaves an account no sync ever linked', async () => {
		wp.addUser({
			username: 'local',
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '' },
		});
		const result = await applyEvent(wp.target(), userEvent('local', { action: 'delete' }));
		expect(result).toMatchObject({ status: 'rejected', reason: 'not_linked' });
		expect(wp.user('local')).toBeDefined();
		expect(wp.writes()).toEqual([]);
	});

	test('a password hash rides on the write itself', async () => {
		const syncId = randomUUID();
		wp.addUser({
			username: 'hashy',
			meta: { harmonyuser_sync_id: syncId, harmonyuser_sync_linked: '1' },
		});
		const hash = '$P$BabcdefghijklmnopqrstuvwxyzABCD';
		const result = await applyEvent(
			wp.target(),
			userEvent('hashy', { action: 'update', user: { syncId, passwordHash: hash } }),
		);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			changes: ['password'],
			notSynced: [],
		});
		// phpass: every WordPress verifies it, so the bridge's formats are not asked.
		expect(wp.routesServed()).toEqual([RESOLVE, UPDATE]);
		expect(wp.user('hashy')?.password).toBe(hash);
		expect(JSON.stringify(result)).not.toContain(hash);
	});
});
