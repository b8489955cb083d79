/** The bridge plugin's outgoing signed events, durable queue and password-hash transfer, against real lab sites. */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { allDeliveriesSettled } from '../../lab/harness/deliveries';
import { rest } from '../../lab/harness/wp';
import { runSync, userEvent } from '../../lab/harness/sync';
import {
	AdminSession,
	NS,
	clearWebhooks,
	openSealedHash,
	createAccount,
	inputValue,
	installBridge,
	profileForm,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const VERSION = /^\d{17}\.\d{4}\.[0-9a-f]{8}$/;
const META_FIXTURE = path.join(__dirname, 'fixtures', 'hus-bridge-test-meta.php');

describe('bridge plugin: outgoing events', () => {
	let site: Site;
	let site2: Site;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	let hookId: string;
	const made: Array<[Site, number]> = [];

	beforeAll(async () => {
		[site, site2] = lab.sites();
		lab.installMuPlugin(site, META_FIXTURE, 'hus-bridge-test-meta');
		await installBridge(site);
		await installBridge(site2);
		await clearWebhooks(site);
		await receiver.start();
		const r = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: {
				url: receiver.url,
				secret,
				events: ['user.created', 'user.updated', 'user.deleted', 'user.password_changed'],
			},
		});
		expect(r.status).toBe(201);
		hookId = r.body.id;
	});
	afterAll(async () => {
		await rest(site, site.admin, `${NS}/webhooks/${hookId}`, { method: 'DELETE' });
		await receiver.stop();
		for (const [s, id] of made)
			await lab.sql(
				s,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		lab.removeMuPlugin(site, 'hus-bridge-test-meta');
		await removeBridge(site);
		await removeBridge(site2);
	});

	const opened = openSealedHash;
	/** The events about a login the receiver has, once the sites' deliveries are done (they come after the response). */
	const eventsOf = async (login: string) => {
		await allDeliveriesSettled(site, site2);
		return receiver.eventsFor(login);
	};
	const dbHash = async (s: Site, id: number) =>
		(await lab.sql(s, `SELECT user_pass FROM wp_users WHERE ID = ${Number(id)}`)).trim();
	const create = async (body: Record<string, unknown> = {}, s: Site = site) => {
		const login = uniqueLogin('bev');
		const r = await rest(s, s.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@bridge.test`, password: 'Event-pass-1', ...body },
		});
		expect(r.status).toBe(201);
		made.push([s, r.body.id]);
		await allDeliveriesSettled(site, site2);
		return r.body as { id: number; username: string; email: string; meta: Record<string, string> };
	};

	test('create via REST: one signed user.created event with the final roles and meta', async () => {
		const u = await create({
			first_name: 'Eve',
			last_name: 'Ent',
			roles: ['author'],
			meta: { hus_bridge_test_color: 'teal', harmonyuser_reject_incoming: '1' },
		});
		const got = receiver.received.filter((r) => r.body?.user?.login === u.username);
		expect(got).toHaveLength(1);
		const [{ headers, body, raw, signatureValid }] = got;
		expect(signatureValid).toBe(true);
		expect(headers['content-type']).toMatch(/^application\/json/);
		expect(headers['x-harmonyuser-event-id']).toBe(body.id);
		expect(headers['user-agent']).toBe('HarmonyUserSync-Bridge/1.0.0');
		expect(Math.abs(Number(headers['x-harmonyuser-timestamp']) - Date.now() / 1000)).toBeLessThan(
			60,
		);
		expect(body).toEqual({
			id: expect.stringMatching(UUID4),
			event: 'user.created',
			action: 'create',
			time: expect.stringMatching(ISO),
			source: { url: site.url },
			path: [site.url],
			version: expect.stringMatching(VERSION),
			user: {
				login: u.username,
				email: u.email,
				firstName: 'Eve',
				lastName: 'Ent',
				displayName: 'Eve Ent',
				nickname: u.username,
				url: '',
				description: '',
				locale: '',
				roles: ['author'],
				meta: { hus_bridge_test_color: 'teal' },
				syncId: u.meta.harmonyuser_sync_id,
				sourceId: u.id,
				flags: { prohibitPropagation: false, rejectIncoming: true },
				passwordHash: expect.stringMatching(/^hus1:/),
				passwordHashFormat: expect.stringMatching(/^(phpass|wp-bcrypt)$/), // 6.1 or 6.8
				versions: expect.any(Object),
			},
		});
		// The hash travels sealed with the network key, bound to the user's sync id: only a bridge opens it.
		expect(await opened(site, body.user)).toBe(await dbHash(site, u.id));
		expect(raw).not.toContain(await dbHash(site, u.id));
		// A local create: one version for every field (bridge-versions.test.ts has the rules).
		expect(new Set(Object.values(body.user.versions))).toEqual(new Set([body.version]));
	});

	test('update via REST: user.updated with the full final state (no hash); no-op writes emit nothing', async () => {
		const u = await create({ roles: ['subscriber'] });
		receiver.clear();
		const r = await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { first_name: 'Changed', roles: ['editor'], meta: { hus_bridge_test_color: 'red' } },
		});
		expect(r.status).toBe(200);
		const events = await eventsOf(u.username);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ event: 'user.updated', action: 'update', path: [site.url] });
		expect(events[0].user).toMatchObject({
			firstName: 'Changed',
			roles: ['editor'],
			meta: { hus_bridge_test_color: 'red' },
			email: u.email,
		});
		expect(events[0].user).not.toHaveProperty('passwordHash');
		expect(events[0].user).not.toHaveProperty('previousEmail');
		expect(receiver.received.every((x) => x.signatureValid)).toBe(true);

		receiver.clear();
		await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { first_name: 'Changed' },
		});
		expect(await eventsOf(u.username)).toHaveLength(0);
	});

	test('a wp-admin profile form post emits user.updated with the final state; its switches are honoured by the sync', async () => {
		const u = await create({ roles: ['subscriber'], first_name: 'Before' });
		const admin = new AdminSession(site);
		await admin.login(site.admin.username, site.admin.password);
		const page = await admin.request(`/wp-admin/user-edit.php?user_id=${u.id}`);
		receiver.clear();
		const form = {
			...profileForm(page.text),
			first_name: 'FromTheForm',
			harmonyuser_profile_nonce: inputValue(page.text, 'harmonyuser_profile_nonce') as string,
			harmonyuser_reject_incoming: '1',
		};
		expect((await admin.request('/wp-admin/user-edit.php', form)).status).toBe(302);
		const events = await eventsOf(u.username);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			event: 'user.updated',
			action: 'update',
			user: { firstName: 'FromTheForm', roles: ['subscriber'] },
		});
		expect(events[0].user.flags).toEqual({ prohibitPropagation: false, rejectIncoming: true });

		// The switch set in the form protects this user from incoming syncs.
		const incoming = userEvent(site2, u.username, {
			action: 'update',
			user: { email: u.email, firstName: 'Overwritten' },
		});
		const { results } = await runSync({ site, operation: 'applyEvent', input: [incoming] });
		expect(results[0]).toMatchObject({ status: 'rejected', reason: 'target_user_protected' });
		expect(
			(await rest(site, site.admin, `/wp/v2/users/${u.id}?context=edit`)).body.first_name,
		).toBe('FromTheForm');
	});

	test('email change carries previousEmail; password change gives user.password_changed with the hash', async () => {
		const u = await create();
		receiver.clear();
		const newEmail = `new-${u.email}`;
		await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { email: newEmail },
		});
		let events = await eventsOf(u.username);
		expect(events).toHaveLength(1);
		expect(events[0].user).toMatchObject({ email: newEmail, previousEmail: u.email });

		receiver.clear();
		const oldHash = await dbHash(site, u.id);
		await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { password: 'A-new-password-2' },
		});
		events = await eventsOf(u.username);
		expect(events.map((e) => e.event)).toEqual(['user.password_changed']);
		const hash = await dbHash(site, u.id);
		expect(hash).not.toBe(oldHash);
		expect(await opened(site, events[0].user)).toBe(hash);
		expect(events[0].action).toBe('update');

		// wp_set_password() from PHP (no REST) is detected too
		receiver.clear();
		await lab.wpEval(site, `wp_set_password('Third-password-3', ${u.id});`);
		events = await eventsOf(u.username);
		expect(events.map((e) => e.event)).toEqual(['user.password_changed']);
		expect(await opened(site, events[0].user)).toBe(await dbHash(site, u.id));

		// and the lost-password flow (reset_password(): password_reset / after_password_reset)
		receiver.clear();
		await lab.wpEval(site, `reset_password(get_userdata(${u.id}), 'Fourth-password-4');`);
		events = await eventsOf(u.username);
		expect(events.map((e) => e.event)).toEqual(['user.password_changed']);
		expect(await opened(site, events[0].user)).toBe(await dbHash(site, u.id));
	});

	test('delete gives user.deleted', async () => {
		const u = await create();
		receiver.clear();
		const r = await rest(site, site.admin, `/wp/v2/users/${u.id}?force=true&reassign=1`, {
			method: 'DELETE',
		});
		expect(r.status).toBe(200);
		const events = await eventsOf(u.username);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			event: 'user.deleted',
			action: 'delete',
			user: { login: u.username, syncId: u.meta.harmonyuser_sync_id, sourceId: u.id },
		});
		expect(events[0].user).not.toHaveProperty('passwordHash');
	});

	test('a sync write with X-HarmonyUser-Path carries that path (and is still emitted)', async () => {
		const login = uniqueLogin('bpath');
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			headers: { 'X-HarmonyUser-Path': `http://a.example.test,${site.url}` },
			body: { username: login, email: `${login}@bridge.test`, password: 'Path-pass-1' },
		});
		expect(r.status).toBe(201);
		const events = await eventsOf(login);
		expect(events).toHaveLength(1);
		expect(events[0].path).toEqual(['http://a.example.test', site.url]);
		// a path that does not end with this site gets it appended; a non-admin's header is ignored
		receiver.clear();
		await rest(site, site.admin, `/wp/v2/users/${r.body.id}`, {
			method: 'POST',
			headers: { 'X-HarmonyUser-Path': 'http://a.example.test' },
			body: { first_name: 'Pathed' },
		});
		expect((await eventsOf(login))[0].path).toEqual(['http://a.example.test', site.url]);

		receiver.clear();
		const mark = `bridge path test ${Date.now()}`;
		const own = await rest(site, site.editor, '/wp/v2/users/me', {
			method: 'POST',
			headers: { 'X-HarmonyUser-Path': `http://a.example.test,${site.url}` },
			body: { description: mark },
		});
		expect(own.status).toBe(200);
		const mine = await eventsOf(site.editor.username);
		expect(mine).toHaveLength(1);
		expect(mine[0].user.description).toBe(mark);
		expect(mine[0].path).toEqual([site.url]);
		await rest(site, site.editor, '/wp/v2/users/me', { method: 'POST', body: { description: '' } });
	});

	test('a user with prohibit propagation emits nothing', async () => {
		const u = await create({ meta: { harmonyuser_prohibit_propagation: '1' } });
		await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { first_name: 'Quiet', password: 'Quiet-pass-9' },
		});
		await rest(site, site.admin, `/wp/v2/users/${u.id}?force=true&reassign=1`, {
			method: 'DELETE',
		});
		expect(await eventsOf(u.username)).toHaveLength(0);
	});

	test('receiver down: the event waits in the queue and is delivered exactly once later', async () => {
		await receiver.stop();
		const u = await create();
		const rows = await lab.sql(
			site,
			`SELECT status, attempts FROM wp_harmonyuser_queue WHERE webhook_id = '${hookId}' AND user_id = ${u.id}`,
		);
		expect(rows.trim()).toBe('pending\t1');
		// not due yet (backoff): a normal run leaves it alone
		await receiver.start();
		const early = await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST' });
		expect(early.status).toBe(200);
		expect(await eventsOf(u.username)).toHaveLength(0);
		// an external cron with force (or the backoff elapsing) delivers it
		const run = await rest(site, site.admin, `${NS}/queue/run`, {
			method: 'POST',
			body: { force: true },
		});
		expect(run.status).toBe(200);
		expect(run.body.delivered).toBeGreaterThanOrEqual(1);
		const again = await rest(site, site.admin, `${NS}/queue/run`, {
			method: 'POST',
			body: { force: true },
		});
		expect(again.status).toBe(200);
		const events = await eventsOf(u.username);
		expect(events).toHaveLength(1);
		expect(events[0].event).toBe('user.created');
		expect(
			receiver.received
				.filter((x) => x.body?.user?.login === u.username)
				.every((x) => x.signatureValid),
		).toBe(true);
		expect(
			(
				await lab.sql(
					site,
					`SELECT status, attempts FROM wp_harmonyuser_queue WHERE user_id = ${u.id} AND webhook_id = '${hookId}'`,
				)
			).trim(),
		).toBe('delivered\t2');
		expect((await rest(site, site.editor, `${NS}/queue/run`, { method: 'POST' })).status).toBe(403);
	});

	test('a failing receiver (HTTP 500) is retried with backoff', async () => {
		receiver.status = 500;
		try {
			const u = await create();
			const row = (
				await lab.sql(
					site,
					`SELECT status, attempts, last_status, next_attempt_at - UNIX_TIMESTAMP() FROM wp_harmonyuser_queue WHERE user_id = ${u.id} AND webhook_id = '${hookId}'`,
				)
			)
				.trim()
				.split('\t');
			expect(row.slice(0, 3)).toEqual(['pending', '1', '500']);
			expect(Number(row[3])).toBeGreaterThan(20);
			expect(Number(row[3])).toBeLessThanOrEqual(31);
			receiver.status = 200;
			await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST', body: { force: true } });
			expect(
				(
					await lab.sql(
						site,
						`SELECT status FROM wp_harmonyuser_queue WHERE user_id = ${u.id} AND webhook_id = '${hookId}'`,
					)
				).trim(),
			).toBe('delivered');
		} finally {
			receiver.status = 200;
		}
	});

	test('a slow receiver does not hold the request for long (3 s timeout), the event is retried', async () => {
		receiver.delayMs = 8000;
		try {
			const started = Date.now();
			const u = await create();
			expect(Date.now() - started).toBeLessThan(6000);
			const row = (
				await lab.sql(
					site,
					`SELECT status, attempts FROM wp_harmonyuser_queue WHERE user_id = ${u.id} AND webhook_id = '${hookId}'`,
				)
			).trim();
			expect(row).toBe('pending\t1');
			receiver.delayMs = 0;
			await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST', body: { force: true } });
			expect(
				(
					await lab.sql(
						site,
						`SELECT status FROM wp_harmonyuser_queue WHERE user_id = ${u.id} AND webhook_id = '${hookId}'`,
					)
				).trim(),
			).toBe('delivered');
		} finally {
			receiver.delayMs = 0;
		}
	});

	test('password hash transfer: the user logs in on another site with the original password', async () => {
		const u = await create({ password: 'Original-pass-42' });
		const hash = await dbHash(site, u.id);
		// The site's own format: phpass up to 6.7, bcrypt ($wp$2y$) from 6.8.
		expect(hash).toMatch(site.wpVersion.startsWith('6.1') ? /^\$P\$/ : /^\$wp\$2y\$/);
		const there = await create(
			{ password: 'Something-else-1', email: `there-${uniqueLogin('x')}@bridge.test` },
			site2,
		);
		const r = await rest(site2, site2.admin, `${NS}/users/${there.id}/password-hash`, {
			method: 'POST',
			body: { hash },
		});
		expect(r.status).toBe(200);
		expect(JSON.stringify(r.body)).not.toContain(hash);
		expect(await dbHash(site2, there.id)).toBe(hash);
		const check = await lab.wpEval(
			site2,
			`$u = get_user_by('id', ${there.id}); echo wp_check_password('Original-pass-42', $u->user_pass, $u->ID) ? 'yes' : 'no';`,
		);
		expect(check.trim()).toBe('yes');
		// a real login with the original password
		const login = await fetch(`${site2.url}/wp-login.php`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				'Content-Type': 'application/x-www-form-urlencoded',
				Cookie: 'wordpress_test_cookie=WP%20Cookie%20check',
			},
			body: new URLSearchParams({
				log: there.username,
				pwd: 'Original-pass-42',
				testcookie: '1',
			}).toString(),
		});
		expect(login.status).toBe(302);

		expect(
			(
				await rest(site2, site2.admin, `${NS}/users/${there.id}/password-hash`, {
					method: 'POST',
					body: { hash: 'plaintext-password' },
				})
			).status,
		).toBe(400);
		expect(
			(
				await rest(site2, site2.editor, `${NS}/users/${there.id}/password-hash`, {
					method: 'POST',
					body: { hash },
				})
			).status,
		).toBe(403);
		expect(
			(
				await rest(site2, site2.admin, `${NS}/users/999999/password-hash`, {
					method: 'POST',
					body: { hash },
				})
			).status,
		).toBe(404);
		const sub = await createAccount(site2, uniqueLogin('bhsub'), 'subscriber');
		expect(
			(
				await rest(site2, sub, `${NS}/users/${sub.id}/password-hash`, {
					method: 'POST',
					body: { hash },
				})
			).status,
		).toBe(403);
	});

	test('the password-hash route emits user.password_changed with the request path (receivers stop loops)', async () => {
		const u = await create();
		receiver.clear();
		const other = await create();
		const hash = await dbHash(site, other.id);
		receiver.clear();
		const r = await rest(site, site.admin, `${NS}/users/${u.id}/password-hash`, {
			method: 'POST',
			headers: { 'X-HarmonyUser-Path': `${site2.url},${site.url}` },
			body: { hash },
		});
		expect(r.status).toBe(200);
		const events = await eventsOf(u.username);
		expect(events.map((e) => e.event)).toEqual(['user.password_changed']);
		expect(events[0].path).toEqual([site2.url, site.url]);
		expect(await opened(site, events[0].user)).toBe(hash);
	});
});
