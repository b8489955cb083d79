/** The User Sync node in n8n's real engine, applying events to real WordPress sites A, B and C. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { credentialOf, runSync, uniqueLogin, userEvent } from '../../../lab/harness/sync';
import { findUser, rest } from '../../../lab/harness/wp';

/** A well-formed application password that no site knows. */
const wrongPassword = randomBytes(12).toString('hex');
const META_PLUGIN = path.join(__dirname, '../../fixtures/wp/expose-sync-meta.php');
let A: Site;
let B: Site;
let C: Site;

beforeAll(() => {
	[A, B, C] = lab.sites();
	for (const site of [A, B, C]) lab.installMuPlugin(site, META_PLUGIN, 'expose-sync-meta.php');
});
afterAll(() => {
	for (const site of [A, B, C]) lab.removeMuPlugin(site, 'expose-sync-meta.php');
});

const apply = (site: Site, input: object[], parameters = {}, credential?: object) =>
	runSync({
		site,
		operation: 'applyEvent',
		input: input as never,
		parameters,
		credential: credential as never,
	});

const userCount = async (site: Site) =>
	Number(await lab.sql(site, 'SELECT COUNT(*) FROM wp_users'));

describe('create, update, delete', () => {
	test('creates the user on the target with profile, roles and meta; the path grows', async () => {
		const login = uniqueLogin('create');
		const event = userEvent(A, login, {
			user: { roles: ['editor'], meta: { favorite_color: 'teal' } },
		});
		const { results, pairedItems } = await apply(B, [event]);
		expect(results).toHaveLength(1);
		expect(results[0]).toMatchObject({
			status: 'synced',
			action: 'create',
			reason: 'created',
			source: A.url,
			target: B.url,
		});
		expect(results[0].path).toEqual([A.url, B.url]);
		expect(results[0].requests).toBeGreaterThanOrEqual(2);
		expect(pairedItems).toEqual([{ item: 0 }]);
		const onB = await findUser(B, login);
		expect(onB).toMatchObject({
			email: `${login}@example.test`,
			first_name: 'Ada',
			last_name: 'Lovelace',
			name: 'Ada Lovelace',
			roles: ['editor'],
		});
		expect((onB?.meta as Record<string, string>).favorite_color).toBe('teal');
	});

	test('updates only the changed fields, then writes nothing when the target matches', async () => {
		const login = uniqueLogin('update');
		await apply(B, [userEvent(A, login)]);
		const changed = userEvent(A, login, {
			action: 'update',
			// A source reports the address it had (previousEmail): a login alone never identifies a person.
			user: {
				firstName: 'Grace',
				lastName: 'Hopper',
				roles: ['author'],
				meta: { favorite_color: 'navy' },
				email: `${login}.new@example.test`,
				previousEmail: `${login}@example.test`,
			},
		});
		const first = await apply(B, [changed]);
		expect(first.results[0]).toMatchObject({
			status: 'synced',
			action: 'update',
			reason: 'updated',
		});
		expect(first.results[0].changes.sort()).toEqual([
			'email',
			'first_name',
			'last_name',
			'meta.favorite_color',
			'roles',
		]);
		const onB = await findUser(B, login);
		expect(onB).toMatchObject({
			email: `${login}.new@example.test`,
			first_name: 'Grace',
			last_name: 'Hopper',
			roles: ['author'],
		});
		const again = await apply(B, [changed]);
		expect(again.results[0]).toMatchObject({
			status: 'synced',
			action: 'none',
			reason: 'unchanged',
			changes: [],
		});
	});

	test('follows an email change through the previous email: no second user', async () => {
		const login = uniqueLogin('mail');
		await apply(B, [userEvent(A, login)]);
		const before = await userCount(B);
		// The login differs too, so only the previous email can identify the user.
		const moved = userEvent(A, `${login}x`, {
			action: 'update',
			user: { email: `${login}@moved.test`, previousEmail: `${login}@example.test` },
		});
		const { results } = await apply(B, [moved]);
		expect(results[0]).toMatchObject({
			status: 'synced',
			action: 'update',
			user: { matchedBy: 'previousEmail' },
		});
		expect(await userCount(B)).toBe(before);
		expect((await findUser(B, login))?.email).toBe(`${login}@moved.test`);
	});

	test('deletes the user and reassigns their posts to the configured heir', async () => {
		const login = uniqueLogin('del');
		const created = await apply(B, [userEvent(A, login, { user: { roles: ['author'] } })]);
		const userId = created.results[0].user?.targetId as number;
		const post = await rest(B, B.admin, '/wp/v2/posts', {
			method: 'POST',
			body: { title: 'by author', status: 'publish', author: userId },
		});
		expect(post.status).toBe(201);

		const { results } = await apply(B, [userEvent(A, login, { action: 'delete' })], {
			policies: { reassignTo: B.editor.id },
		});
		expect(results[0]).toMatchObject({ status: 'synced', action: 'delete', reason: 'deleted' });
		expect(await findUser(B, login)).toBeUndefined();
		const after = await rest(B, B.admin, `/wp/v2/posts/${post.body.id}?context=edit`);
		expect(after.body.author).toBe(B.editor.id);
	});

	test('never deletes the credential user', async () => {
		const email = (await findUser(B, 'admin'))?.email as string;
		// Synced Roles naming administrator lifts the protection of administrators, not of the credential user.
		const parameters = { policies: { roles: 'administrator, subscriber' } };
		const input = [userEvent(A, 'admin', { action: 'delete', user: { email } })];
		// An event is refused earlier (no sync linked this account); an administrator's Delete Users reaches this rule.
		expect((await apply(B, input, parameters)).results[0]).toMatchObject({
			status: 'rejected',
			reason: 'not_linked',
		});
		const { results } = await runSync({
			site: B,
			operation: 'deleteUsers',
			input: input as never,
			parameters,
		});
		expect(results[0]).toMatchObject({
			status: 'rejected',
			reason: 'protected_account',
			detail: 'credential_or_heir',
		});
		expect(await findUser(B, 'admin')).toBeDefined();
	});
});

describe('topologies', () => {
	test('a chain A→B→C carries the path, and the ring back to A stops', async () => {
		const login = uniqueLogin('ring');
		const toB = await apply(B, [userEvent(A, login)]);
		expect(toB.results[0].path).toEqual([A.url, B.url]);

		// What B's trigger would emit for the change the sync made there: source B, the path so far.
		const fromB = userEvent(B, login, { path: toB.results[0].path });
		const toC = await apply(C, [fromB]);
		expect(toC.results[0]).toMatchObject({ status: 'synced', action: 'create' });
		expect(toC.results[0].path).toEqual([A.url, B.url, C.url]);

		const fromC = userEvent(C, login, {
			action: 'update',
			path: toC.results[0].path,
			user: { firstName: 'Changed' },
		});
		const backToA = await apply(A, [fromC]);
		expect(backToA.results[0]).toMatchObject({
			status: 'skipped',
			reason: 'loop_detected',
			requests: 0,
		});
		expect(await findUser(A, login)).toBeUndefined();
	});

	test('two-way A↔B settles without a path: the echo writes nothing', async () => {
		const login = uniqueLogin('echo');
		await apply(A, [userEvent(B, login)]);
		await apply(B, [userEvent(A, login)]);
		// B's copy changed, the change comes back to A as an event that carries no path beyond its source.
		const echo = await apply(A, [userEvent(B, login, { action: 'update', path: [] })]);
		expect(echo.results[0]).toMatchObject({
			status: 'synced',
			reason: 'unchanged',
			action: 'none',
		});
	});
});

describe('policies', () => {
	test('a read-only target rejects create, update and delete and stays unchanged', async () => {
		const login = uniqueLogin('ro');
		await apply(B, [userEvent(A, login)]);
		const before = await findUser(B, login);
		const readOnly = credentialOf(B, B.admin, { readOnly: true });
		const events = [
			userEvent(A, uniqueLogin('ronew')),
			userEvent(A, login, { action: 'update', user: { firstName: 'Nope' } }),
			userEvent(A, login, { action: 'delete' }),
		];
		const countBefore = await userCount(B);
		const { results } = await apply(B, events, {}, readOnly);
		expect(results.map((r) => [r.status, r.reason, r.requests])).toEqual([
			['rejected', 'target_read_only', 0],
			['rejected', 'target_read_only', 0],
			['rejected', 'target_read_only', 0],
		]);
		expect(await userCount(B)).toBe(countBefore);
		expect(await findUser(B, login)).toEqual(before);
	});

	test('the source whitelist allows listed URLs and IPv4/IPv6 ranges and rejects the rest', async () => {
		const whitelist = {
			whitelistEnabled: true,
			whitelist: {
				entries: [{ value: `${A.url}/` }, { value: '10.20.0.0/16' }, { value: '2001:db8:42::/48' }],
			},
		};
		const cases: Array<[object, string]> = [
			[{ url: A.url }, 'synced'],
			[{ url: C.url }, 'rejected'],
			[{ url: 'https://elsewhere.example', ip: '10.20.3.4' }, 'synced'],
			[{ ip: '10.21.0.1' }, 'rejected'],
			[{ ip: '2001:db8:42::7' }, 'synced'],
			[{ ip: '2001:db8:43::7' }, 'rejected'],
		];
		const logins = cases.map(() => uniqueLogin('wl'));
		const events = cases.map(([source], i) =>
			userEvent(A, logins[i], { source: source as never, path: [] }),
		);
		const { results } = await apply(B, events, whitelist);
		expect(results.map((r) => r.status)).toEqual(cases.map(([, status]) => status));
		expect(
			results
				.filter((r) => r.status === 'rejected')
				.every((r) => r.reason === 'source_not_whitelisted'),
		).toBe(true);
		expect(await findUser(B, logins[1])).toBeUndefined();
		expect(await findUser(B, logins[0])).toBeDefined();
	});

	test('a whitelist entry that is neither URL nor IP fails the node with a clear message', async () => {
		const { error } = await apply(B, [userEvent(A, uniqueLogin('wlbad'))], {
			whitelistEnabled: true,
			whitelist: { entries: [{ value: 'not a site' }] },
		});
		expect(error?.message).toMatch(/Whitelist entry "not a site" is neither/);
	});

	test('the role filter syncs only the selected roles', async () => {
		const subscriber = uniqueLogin('rolesub');
		const editor = uniqueLogin('roleed');
		const { results } = await apply(
			B,
			[userEvent(A, subscriber), userEvent(A, editor, { user: { roles: ['editor'] } })],
			{
				policies: { roles: 'editor, shop_manager' },
			},
		);
		expect(results.map((r) => [r.status, r.reason])).toEqual([
			['skipped', 'role_filtered'],
			['synced', 'created'],
		]);
		expect(await findUser(B, subscriber)).toBeUndefined();
	});

	test('prohibit propagation (the source switch, or the node list) keeps a user from syncing', async () => {
		const flagged = uniqueLogin('noprop');
		const listed = uniqueLogin('noproplist');
		const { results } = await apply(
			B,
			[
				userEvent(A, flagged, {
					user: { flags: { prohibitPropagation: true, rejectIncoming: false } },
				}),
				userEvent(A, listed),
			],
			{ policies: { prohibitedUsers: `${listed.toUpperCase()}@EXAMPLE.TEST` } },
		);
		expect(results.map((r) => r.reason)).toEqual([
			'propagation_prohibited',
			'propagation_prohibited',
		]);
		expect(await findUser(B, flagged)).toBeUndefined();
	});

	test('reject incoming modifications (the target user switch, or the node list) protects the target user', async () => {
		const switched = uniqueLogin('protect');
		const listed = uniqueLogin('protectlist');
		await apply(B, [userEvent(A, switched), userEvent(A, listed)]);
		const id = (await findUser(B, switched))?.id;
		await rest(B, B.admin, `/wp/v2/users/${id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_reject_incoming: '1' } },
		});
		const updates = [switched, listed].map((login) =>
			userEvent(A, login, { action: 'update', user: { firstName: 'Overwritten' } }),
		);
		const deletes = [switched, listed].map((login) => userEvent(A, login, { action: 'delete' }));
		const { results } = await apply(B, [...updates, ...deletes], {
			policies: { protectedUsers: listed },
		});
		expect(results.map((r) => [r.status, r.reason])).toEqual(
			Array(4).fill(['rejected', 'target_user_protected']),
		);
		expect((await findUser(B, switched))?.first_name).toBe('Ada');
		expect((await findUser(B, listed))?.first_name).toBe('Ada');
	});

	test('create-on-update: off skips a missing user, on creates them', async () => {
		const login = uniqueLogin('cou');
		const update = userEvent(A, login, { action: 'update' });
		const off = await apply(B, [update]);
		expect(off.results[0]).toMatchObject({ status: 'skipped', reason: 'user_not_found' });
		expect(await findUser(B, login)).toBeUndefined();
		const on = await apply(B, [update], { createOnUpdate: true });
		expect(on.results[0]).toMatchObject({ status: 'synced', action: 'create' });
		expect(await findUser(B, login)).toBeDefined();
	});
});

describe('identity and errors', () => {
	test('a create whose email already belongs to a target user updates that user: no second user', async () => {
		const owner = uniqueLogin('owner');
		await apply(B, [userEvent(A, owner)]);
		const before = await userCount(B);
		const clash = userEvent(A, uniqueLogin('clash'), {
			user: { email: `${owner}@example.test`, firstName: 'Other' },
		});
		const { results } = await apply(B, [clash]);
		expect(results[0]).toMatchObject({
			status: 'synced',
			action: 'update',
			user: { matchedBy: 'email' },
		});
		expect(await userCount(B)).toBe(before);
	});

	test('an update to an email another target user owns fails clearly as a conflict', async () => {
		const first = uniqueLogin('cfa');
		const second = uniqueLogin('cfb');
		await apply(B, [userEvent(A, first), userEvent(A, second)]);
		const { results } = await apply(B, [
			userEvent(A, second, {
				action: 'update',
				user: { email: `${first}@example.test`, previousEmail: `${second}@example.test` },
			}),
		]);
		// The email now points at the first user, so identity matches that user by email: the change is a no-op for them.
		expect(results[0].status).toBe('synced');
		expect((await findUser(B, second))?.email).toBe(`${second}@example.test`);
	});

	test('bad credentials and a non-admin credential give clear failed results, with no secret in them', async () => {
		const events = [userEvent(A, uniqueLogin('auth'))];
		const wrong = await apply(
			B,
			events,
			{},
			credentialOf(B, { ...B.admin, appPassword: wrongPassword }),
		);
		expect(wrong.results[0]).toMatchObject({
			status: 'failed',
			reason: 'wordpress_error',
			error: { kind: 'auth', status: 401 },
		});
		expect(wrong.results[0].message).toMatch(/check the username and application password/);
		const editor = await apply(B, events, {}, credentialOf(B, B.editor));
		expect(editor.results[0]).toMatchObject({
			status: 'failed',
			error: { kind: 'forbidden', status: 403 },
		});
		const text = JSON.stringify([wrong, editor]);
		expect(text).not.toContain(wrongPassword);
		expect(text).not.toContain(B.editor.appPassword);
	});

	test('"Stop on Failed Sync" turns a failed sync into a node error, or an error item with continueOnFail', async () => {
		const credential = credentialOf(B, { ...B.admin, appPassword: wrongPassword });
		const parameters = { options: { stopOnFailure: true } };
		const stopped = await runSync({
			site: B,
			operation: 'applyEvent',
			input: [userEvent(A, uniqueLogin('stop'))],
			parameters,
			credential,
		});
		expect(stopped.error?.message).toMatch(/answered 401/);
		const continued = await runSync({
			site: B,
			operation: 'applyEvent',
			input: [userEvent(A, uniqueLogin('stop'))],
			parameters,
			credential,
			continueOnFail: true,
		});
		expect(continued.error).toBeUndefined();
		// n8n replaces an error item's json with the error's message.
		expect(continued.json).toEqual([{ error: expect.stringMatching(/answered 401/) }]);
	});

	test('malformed events each yield a failed result naming the problem, and send no request', async () => {
		const good = userEvent(A, uniqueLogin('good'));
		const bad: object[] = [
			{},
			{ ...good, action: 'merge' },
			{ ...good, user: { ...(good.user as object), email: 'not-an-email' } },
			{ ...good, user: { ...(good.user as object), login: '' } },
			{ ...good, time: 'yesterday' },
			{ ...good, source: { url: 'ftp://x' } },
		];
		const before = await userCount(B);
		const { results, pairedItems } = await apply(B, [...bad, good]);
		expect(results).toHaveLength(bad.length + 1);
		expect(pairedItems).toEqual([...bad, good].map((_, item) => ({ item })));
		const failed = results.slice(0, bad.length);
		expect(
			failed.every(
				(r) => r.status === 'failed' && r.reason === 'invalid_event' && r.requests === 0,
			),
		).toBe(true);
		expect(failed.map((r) => r.message)).toEqual([
			expect.stringMatching(/^Invalid sync event: id: Required/),
			expect.stringMatching(/action: must be one of create, update, delete/),
			expect.stringMatching(/user\.email: not a valid email address/),
			expect.stringMatching(/user\.login: the login is empty/),
			expect.stringMatching(/time: not an ISO 8601 date-time/),
			expect.stringMatching(/source\.url: not an http\(s\) URL/),
		]);
		expect(results[bad.length].status).toBe('synced');
		expect(await userCount(B)).toBe(before + 1);
	});
});
