/** The WordPress bridge plugin against a real lab site: meta rules, profile switches, lookup, changed-since, webhooks CRUD, batch. */
import { randomUUID } from 'node:crypto';
import * as lab from '../../lab/lab';
import type { LabAccount, Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';
import {
	AdminSession,
	NS,
	clearWebhooks,
	createAccount,
	inputValue,
	installBridge,
	profileForm,
	removeBridge,
	uniqueLogin,
	userMeta,
} from '../../lab/harness/bridge';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('bridge plugin: REST API and profile screen', () => {
	let site: Site;
	let subscriber: LabAccount;
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		await installBridge(site);
		await clearWebhooks(site);
		subscriber = await createAccount(site, uniqueLogin('bsub'), 'subscriber');
	});
	afterAll(async () => {
		for (const id of [subscriber.id, ...made])
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		await removeBridge(site);
	});

	const createUser = async (extra: Record<string, unknown> = {}) => {
		const login = uniqueLogin('bapi');
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@bridge.test`, password: 'Bridge-pass-1', ...extra },
		});
		expect(r.status).toBe(201);
		made.push(r.body.id);
		return r.body as {
			id: number;
			username: string;
			email: string;
			meta: Record<string, string>;
			roles: string[];
		};
	};

	test('registers the meta keys REST-visibly and assigns a UUID v4 sync id on create', async () => {
		const user = await createUser();
		expect(Object.keys(user.meta)).toEqual(
			expect.arrayContaining([
				'harmonyuser_sync_id',
				'harmonyuser_sync_linked',
				'harmonyuser_prohibit_propagation',
				'harmonyuser_reject_incoming',
				'harmonyuser_last_changed',
			]),
		);
		expect(user.meta.harmonyuser_sync_id).toMatch(UUID4);
		expect(user.meta.harmonyuser_last_changed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		const again = await rest(site, site.admin, `/wp/v2/users/${user.id}?context=edit`);
		expect(again.body.meta.harmonyuser_sync_id).toBe(user.meta.harmonyuser_sync_id);
		expect(again.body.meta.harmonyuser_last_changed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
	});

	test('an admin sets the switches over REST; last_changed is read-only', async () => {
		const user = await createUser();
		const r = await rest(site, site.admin, `/wp/v2/users/${user.id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_prohibit_propagation: '1', harmonyuser_reject_incoming: '1' } },
		});
		expect(r.status).toBe(200);
		expect(r.body.meta).toMatchObject({
			harmonyuser_prohibit_propagation: '1',
			harmonyuser_reject_incoming: '1',
		});
		// Switching reject-incoming off is itself a change to a protected user: refused to application passwords
		// (the bridge's guard); an administrator switches it off in wp-admin.
		const off = await rest(site, site.admin, `/wp/v2/users/${user.id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_reject_incoming: '' } },
		});
		expect([off.status, off.body.code]).toEqual([403, 'harmonyuser_user_rejects_incoming']);
		expect(await userMeta(site, user.id, 'harmonyuser_reject_incoming')).toBe('1');
		const other = await createUser();
		const ro = await rest(site, site.admin, `/wp/v2/users/${other.id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_last_changed: '1999-01-01T00:00:00Z' } },
		});
		expect(ro.status).toBe(403);
		expect(await userMeta(site, other.id, 'harmonyuser_last_changed')).not.toBe(
			'1999-01-01T00:00:00Z',
		);
	});

	test('a subscriber cannot set any harmonyuser_* meta on themself', async () => {
		const before = (await rest(site, site.admin, `/wp/v2/users/${subscriber.id}?context=edit`)).body
			.meta;
		for (const [key, value] of [
			['harmonyuser_prohibit_propagation', '1'],
			['harmonyuser_reject_incoming', '1'],
			['harmonyuser_sync_id', '11111111-2222-4333-8444-555555555555'],
			['harmonyuser_last_changed', '2000-01-01T00:00:00Z'],
		]) {
			const r = await rest(site, subscriber, '/wp/v2/users/me', {
				method: 'POST',
				body: { meta: { [key]: value } },
			});
			expect(r.status).toBe(403);
		}
		const after = (await rest(site, site.admin, `/wp/v2/users/${subscriber.id}?context=edit`)).body
			.meta;
		expect(after).toEqual(before);
		// and a subscriber does not even see them
		const own = await rest(site, subscriber, '/wp/v2/users/me');
		expect(own.status).toBe(200);
		expect(own.body.meta?.harmonyuser_sync_id).toBeUndefined();
	});

	test('the sync id can be set once while empty (create or adopt), never changed afterwards', async () => {
		const chosen = randomUUID();
		const created = await createUser({ meta: { harmonyuser_sync_id: chosen } });
		expect(created.meta.harmonyuser_sync_id).toBe(chosen);

		// adopt an existing user without a sync id (e.g. one that existed before the plugin)
		const other = await createUser();
		await lab.sql(
			site,
			`DELETE FROM wp_usermeta WHERE user_id = ${other.id} AND meta_key = 'harmonyuser_sync_id'`,
		);
		await lab.wpEval(site, `wp_cache_delete(${other.id}, 'user_meta');`);
		const adopted = randomUUID();
		const a = await rest(site, site.admin, `/wp/v2/users/${other.id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_sync_id: adopted } },
		});
		expect(a.status).toBe(200);
		expect(a.body.meta.harmonyuser_sync_id).toBe(adopted);

		// the same value again is harmless; another value is refused
		const same = await rest(site, site.admin, `/wp/v2/users/${other.id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_sync_id: adopted } },
		});
		expect(same.status).toBe(200);
		const change = await rest(site, site.admin, `/wp/v2/users/${other.id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_sync_id: randomUUID() } },
		});
		expect(change.status).toBe(409);
		expect(change.body.code).toBe('harmonyuser_sync_id_immutable');
		// nor removable, nor settable to another user's id
		const cleared = await rest(site, site.admin, `/wp/v2/users/${other.id}`, {
			method: 'POST',
			body: { meta: { harmonyuser_sync_id: '' } },
		});
		expect(cleared.status).toBe(409);
		expect(await userMeta(site, other.id, 'harmonyuser_sync_id')).toBe(adopted);
		const dup = await createUser().then(async (u) => {
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${u.id} AND meta_key = 'harmonyuser_sync_id'`,
			);
			await lab.wpEval(site, `wp_cache_delete(${u.id}, 'user_meta');`);
			return rest(site, site.admin, `/wp/v2/users/${u.id}`, {
				method: 'POST',
				body: { meta: { harmonyuser_sync_id: adopted } },
			});
		});
		expect(dup.status).toBe(409);
		expect(dup.body.code).toBe('harmonyuser_sync_id_taken');
	});

	test('profile screen: an admin saves the switches with a real wp-admin form post; a non-admin cannot', async () => {
		const user = await createUser();
		const admin = new AdminSession(site);
		await admin.login(site.admin.username, site.admin.password);
		const page = await admin.request(`/wp-admin/user-edit.php?user_id=${user.id}`);
		expect(page.status).toBe(200);
		expect(page.text).toContain('Prohibit sync propagation');
		expect(page.text).toContain('Reject incoming sync modifications');
		expect(page.text).toContain(user.meta.harmonyuser_sync_id);
		const nonce = inputValue(page.text, 'harmonyuser_profile_nonce');
		expect(nonce).toBeTruthy();
		const form = {
			...profileForm(page.text),
			harmonyuser_profile_nonce: nonce!,
			harmonyuser_prohibit_propagation: '1',
			harmonyuser_reject_incoming: '1',
		};
		const saved = await admin.request(`/wp-admin/user-edit.php`, form);
		expect(saved.status).toBe(302);
		expect(await userMeta(site, user.id, 'harmonyuser_prohibit_propagation')).toBe('1');
		expect(await userMeta(site, user.id, 'harmonyuser_reject_incoming')).toBe('1');

		// unchecking clears them
		const page2 = await admin.request(`/wp-admin/user-edit.php?user_id=${user.id}`);
		const form2 = {
			...profileForm(page2.text),
			harmonyuser_profile_nonce: inputValue(page2.text, 'harmonyuser_profile_nonce')!,
			harmonyuser_reject_incoming: '1',
		};
		await admin.request(`/wp-admin/user-edit.php`, form2);
		expect(await userMeta(site, user.id, 'harmonyuser_prohibit_propagation')).toBe('');
		expect(await userMeta(site, user.id, 'harmonyuser_reject_incoming')).toBe('1');

		// the lab editor (no edit_users) sees no switches, and posting them has no effect
		const editor = new AdminSession(site);
		await editor.login(site.editor.username, site.editor.password);
		const own = await editor.request('/wp-admin/profile.php');
		expect(own.status).toBe(200);
		expect(own.text).not.toContain('Prohibit sync propagation');
		const before = await userMeta(site, site.editor.id, 'harmonyuser_prohibit_propagation');
		const forged = {
			...profileForm(own.text),
			harmonyuser_profile_nonce: nonce!,
			harmonyuser_prohibit_propagation: '1',
			harmonyuser_reject_incoming: '1',
		};
		await editor.request('/wp-admin/profile.php', forged);
		expect(await userMeta(site, site.editor.id, 'harmonyuser_prohibit_propagation')).toBe(before);
		expect(await userMeta(site, site.editor.id, 'harmonyuser_reject_incoming')).not.toBe('1');
		// nor can the editor open another user's screen
		const otherScreen = await editor.request(`/wp-admin/user-edit.php?user_id=${user.id}`);
		expect(otherScreen.text).not.toContain('Prohibit sync propagation');
	});

	test('lookup by sync id returns exactly the /wp/v2/users?context=edit shape', async () => {
		const user = await createUser({ first_name: 'Look', last_name: 'Up', roles: ['author'] });
		const r = await rest(site, site.admin, `${NS}/users?sync_id=${user.meta.harmonyuser_sync_id}`);
		expect(r.status).toBe(200);
		expect(r.body).toHaveLength(1);
		const core = await rest(site, site.admin, `/wp/v2/users?include=${user.id}&context=edit`);
		expect(r.body).toEqual(core.body);
		const none = await rest(
			site,
			site.admin,
			`${NS}/users?sync_id=00000000-0000-4000-8000-000000000000`,
		);
		expect(none.status).toBe(200);
		expect(none.body).toEqual([]);
		expect((await rest(site, site.admin, `${NS}/users?sync_id=nope`)).status).toBe(400);
		expect(
			(await rest(site, subscriber, `${NS}/users?sync_id=${user.meta.harmonyuser_sync_id}`)).status,
		).toBe(403);
		expect(
			(await rest(site, null, `${NS}/users?sync_id=${user.meta.harmonyuser_sync_id}`)).status,
		).toBe(401);
	});

	test('resolve finds a user in one request by sync id, else email, else previous email, else login', async () => {
		const user = await createUser();
		const other = await createUser();
		const resolve = (query: Record<string, string>) =>
			rest(site, site.admin, `${NS}/users/resolve?${new URLSearchParams(query)}`);
		const nobody = { email: 'nobody@bridge.test', login: 'nobody-here' };
		const cases: Array<[Record<string, string>, number | null, string | null]> = [
			[
				{ ...nobody, sync_id: user.meta.harmonyuser_sync_id, email: other.email },
				user.id,
				'syncId',
			],
			[
				{
					...nobody,
					sync_id: '00000000-0000-4000-8000-000000000000',
					email: other.email.toUpperCase(),
				},
				other.id,
				'email',
			],
			[{ ...nobody, previous_email: user.email }, user.id, 'previousEmail'],
			[{ ...nobody, login: other.username }, other.id, 'login'],
			[nobody, null, null],
		];
		for (const [query, id, how] of cases) {
			const reply = await resolve(query);
			expect(reply.status).toBe(200);
			expect({ id: reply.body.user?.id ?? null, how: reply.body.matchedBy }).toEqual({ id, how });
		}
		const core = await rest(site, site.admin, `/wp/v2/users?include=${user.id}&context=edit`);
		expect((await resolve({ email: user.email })).body.user).toEqual(core.body[0]);
		expect(
			(await rest(site, subscriber, `${NS}/users/resolve?email=${encodeURIComponent(user.email)}`))
				.status,
		).toBe(403);
	});

	test('changed-since lists changed users (paged) and deletions', async () => {
		const since = new Date(Date.now() - 1000).toISOString();
		const a = await createUser();
		const b = await createUser();
		const gone = await createUser();
		const del = await rest(site, site.admin, `/wp/v2/users/${gone.id}?force=true&reassign=1`, {
			method: 'DELETE',
		});
		expect(del.status).toBe(200);
		const r = await rest(
			site,
			site.admin,
			`${NS}/users/changed?since=${encodeURIComponent(since)}&per_page=100`,
		);
		expect(r.status).toBe(200);
		expect(r.body.now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		const logins = (r.body.users as Array<{ username: string }>).map((u) => u.username);
		expect(logins).toEqual(expect.arrayContaining([a.username, b.username]));
		expect(logins).not.toContain(gone.username);
		const core = await rest(site, site.admin, `/wp/v2/users?include=${a.id}&context=edit`);
		expect(r.body.users.find((u: { id: number }) => u.id === a.id)).toEqual(core.body[0]);
		expect(r.body.deleted).toEqual(
			expect.arrayContaining([
				{
					id: gone.id,
					login: gone.username,
					email: gone.email,
					syncId: gone.meta.harmonyuser_sync_id,
					time: expect.any(String),
					version: expect.stringMatching(/^\d{17}\.\d{4}\.[0-9a-f]{8}$/),
				},
			]),
		);
		const paged = await rest(
			site,
			site.admin,
			`${NS}/users/changed?since=${encodeURIComponent(since)}&per_page=1`,
		);
		expect(paged.body.users).toHaveLength(1);
		expect(paged.body.totalPages).toBeGreaterThanOrEqual(2);
		const later = await rest(
			site,
			site.admin,
			`${NS}/users/changed?since=${encodeURIComponent(new Date(Date.now() + 3600e3).toISOString())}`,
		);
		expect(later.body).toMatchObject({ users: [], deleted: [], totalPages: 0 });
		expect((await rest(site, site.admin, `${NS}/users/changed?since=garbage`)).status).toBe(400);
	});

	test('changed-since: oldest change first, users who prohibit propagation left out, a scan when the newest change is not on record', async () => {
		const since = new Date(Date.now() - 1000).toISOString();
		const first = await createUser();
		const second = await createUser();
		const hidden = await createUser({ meta: { harmonyuser_prohibit_propagation: '1' } });
		const changed = async () => {
			const reply = await rest(
				site,
				site.admin,
				`${NS}/users/changed?since=${encodeURIComponent(since)}&per_page=100`,
			);
			expect(reply.status).toBe(200);
			return (reply.body.users as Array<{ id: number }>)
				.map((user) => user.id)
				.filter((id) => [first.id, second.id, hidden.id].includes(id));
		};
		expect(await changed()).toEqual([first.id, second.id]);
		// A site whose bridge predates the recorded newest change: no shortcut, the users are still found.
		await lab.sql(
			site,
			"DELETE FROM wp_options WHERE option_name = 'harmonyuser_bridge_last_change'",
		);
		expect(await changed()).toEqual([first.id, second.id]);
		// The next change records it again.
		await rest(site, site.admin, `/wp/v2/users/${first.id}`, {
			method: 'POST',
			body: { first_name: 'Changed' },
		});
		expect(
			await lab.sql(
				site,
				"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_last_change'",
			),
		).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect((await changed()).sort((a, b) => a - b)).toEqual([first.id, second.id]);
	});

	test('info', async () => {
		const r = await rest(site, site.admin, `${NS}/info`);
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({ version: '1.0.0', batch: true, maxBatch: 25 });
		expect(r.body.features).toEqual(
			expect.arrayContaining(['lookup', 'changed', 'webhooks', 'passwordHash', 'batch']),
		);
		expect((await rest(site, subscriber, `${NS}/info`)).status).toBe(403);
	});

	test('webhooks CRUD: secrets never returned, validation, admins only', async () => {
		const secret = 'a-very-secret-secret-123';
		const created = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: 'http://127.0.0.1:9/hook', secret, events: ['user.created', 'user.deleted'] },
		});
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({
			id: expect.any(String),
			url: 'http://127.0.0.1:9/hook',
			events: ['user.created', 'user.deleted'],
		});
		expect(JSON.stringify(created.body)).not.toContain(secret);
		const list = await rest(site, site.admin, `${NS}/webhooks`);
		expect(list.status).toBe(200);
		expect(list.body.map((h: { id: string }) => h.id)).toContain(created.body.id);
		expect(JSON.stringify(list.body)).not.toContain(secret);

		for (const bad of [
			{ url: 'ftp://x.test/h', secret },
			{ url: 'not a url', secret },
			{ url: 'http://127.0.0.1:9/hook', secret: 'short' },
			{ url: 'http://127.0.0.1:9/hook', secret, events: ['user.exploded'] },
		]) {
			expect(
				(await rest(site, site.admin, `${NS}/webhooks`, { method: 'POST', body: bad })).status,
			).toBe(400);
		}
		expect((await rest(site, site.editor, `${NS}/webhooks`)).status).toBe(403);
		expect(
			(
				await rest(site, site.editor, `${NS}/webhooks`, {
					method: 'POST',
					body: { url: 'http://127.0.0.1:9/h', secret },
				})
			).status,
		).toBe(403);
		expect(
			(await rest(site, subscriber, `${NS}/webhooks/${created.body.id}`, { method: 'DELETE' }))
				.status,
		).toBe(403);

		const del = await rest(site, site.admin, `${NS}/webhooks/${created.body.id}`, {
			method: 'DELETE',
		});
		expect(del.status).toBe(200);
		expect(
			(await rest(site, site.admin, `${NS}/webhooks/${created.body.id}`, { method: 'DELETE' }))
				.status,
		).toBe(404);
		const after = await rest(site, site.admin, `${NS}/webhooks`);
		expect(after.body.map((h: { id: string }) => h.id)).not.toContain(created.body.id);
		// the secret is stored only server-side
		expect(
			await lab.sql(
				site,
				`SELECT COUNT(*) FROM wp_options WHERE option_name = 'harmonyuser_bridge_webhooks' AND autoload = 'no'`,
			),
		).toMatch(/^[01]/);
	});

	test('batch: /batch/v1 accepts user writes', async () => {
		const logins = [uniqueLogin('bbat'), uniqueLogin('bbat'), uniqueLogin('bbat')];
		const r = await rest(site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: logins.map((login) => ({
					method: 'POST',
					path: '/wp/v2/users',
					body: {
						username: login,
						email: `${login}@bridge.test`,
						password: 'Batch-pass-1',
						roles: ['subscriber'],
					},
				})),
			},
		});
		expect(r.status).toBe(207);
		expect(r.body.responses).toHaveLength(3);
		for (const [i, item] of (
			r.body.responses as Array<{
				status: number;
				body: { username: string; meta: Record<string, string> };
			}>
		).entries()) {
			expect(item.status).toBe(201);
			expect(item.body.username).toBe(logins[i]);
			expect(item.body.meta.harmonyuser_sync_id).toMatch(UUID4);
			made.push((item.body as unknown as { id: number }).id);
		}
		const id = (r.body.responses[0].body as { id: number }).id;
		const upd = await rest(site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: [{ method: 'POST', path: `/wp/v2/users/${id}`, body: { first_name: 'Batched' } }],
			},
		});
		expect(upd.body.responses[0].status).toBe(200);
		expect(upd.body.responses[0].body.first_name).toBe('Batched');
	});
});
