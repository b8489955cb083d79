/**
 * Webhook subscriptions live and die with the application password (and the user) that created them; receivers on
 * loopback/private addresses need the admin's opt-in; delivery errors are stored as classes, never as transport text.
 * Real lab sites, real HTTP receivers.
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../lab/lab';
import type { LabAccount, Site } from '../../lab/lab';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { deliveriesSettled } from '../../lab/harness/deliveries';
import { rest } from '../../lab/harness/wp';
import {
	AdminSession,
	NS,
	clearWebhooks,
	createAccount,
	installBridge,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';
import { OPT, deleteOptions, dropUsers, setOption } from './guard-lab';

interface PublicHook {
	id: string;
	url: string;
	createdBy: {
		userId: number | null;
		login: string | null;
		appPassword: string | null;
		appPasswordName: string | null;
	};
}

describe('bridge guard: webhook subscriptions and their receivers', () => {
	let site: Site;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		await installBridge(site);
		await clearWebhooks(site);
		await receiver.start();
	});
	afterEach(async () => {
		await deleteOptions(site, OPT.allowLocal); // back to the lab's default (allowed)
	});
	afterAll(async () => {
		await clearWebhooks(site);
		await receiver.stop();
		await deleteOptions(site, OPT.allowLocal);
		await dropUsers(site, made);
		await removeBridge(site);
	});

	const hooks = async () => (await rest(site, site.admin, `${NS}/webhooks`)).body as PublicHook[];
	const subscribe = async (account: LabAccount, url = receiver.url) => {
		const r = await rest(site, account, `${NS}/webhooks`, {
			method: 'POST',
			body: { url, secret },
		});
		expect(r.status).toBe(201);
		return r.body as PublicHook;
	};
	const admin = async (role = 'administrator') => {
		const account = await createAccount(site, uniqueLogin('gowner'), role);
		made.push(account.id);
		return account;
	};
	const appPasswordUuid = async (account: LabAccount) => {
		const list = await rest(site, site.admin, `/wp/v2/users/${account.id}/application-passwords`);
		return (list.body as Array<{ uuid: string; name: string }>)[0].uuid;
	};
	/** A user change on the site; resolves the logins of the events the receiver got for it. */
	const change = async () => {
		const login = uniqueLogin('gchg');
		receiver.clear();
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@guard.test`, password: 'Pw-guard-1' },
		});
		expect(r.status).toBe(201);
		made.push(r.body.id);
		await deliveriesSettled(site); // the first attempts come after the response (PHP-FPM, the bridge's runner)
		return receiver.eventsFor(login);
	};
	const queueRows = async (hookId: string) =>
		(
			await lab.sql(
				site,
				`SELECT COUNT(*) FROM wp_harmonyuser_queue WHERE webhook_id = '${hookId}'`,
			)
		).trim();

	test('a subscription records its creator and application password, and is removed when that password is revoked', async () => {
		const control = await subscribe(site.admin);
		const owner = await admin();
		const uuid = await appPasswordUuid(owner);
		const hook = await subscribe(owner);
		expect(hook.createdBy).toEqual({
			userId: owner.id,
			login: owner.username,
			appPassword: uuid,
			appPasswordName: 'bridge-test',
		});
		expect(await change()).toHaveLength(2); // both subscriptions deliver
		expect(Number(await queueRows(hook.id))).toBeGreaterThan(0);

		const revoke = await rest(
			site,
			site.admin,
			`/wp/v2/users/${owner.id}/application-passwords/${uuid}`,
			{ method: 'DELETE' },
		);
		expect(revoke.status).toBe(200);
		expect((await rest(site, owner, '/wp/v2/users/me')).status).toBe(401);
		expect((await hooks()).map((h) => h.id)).toEqual([control.id]);
		expect(await queueRows(hook.id)).toBe('0');
		expect(await change()).toHaveLength(1); // only the control subscription still receives

		// "Revoke all" in wp-admin fires the same action for each password
		const owner2 = await admin();
		const hook2 = await subscribe(owner2);
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${owner2.id}/application-passwords`, {
					method: 'DELETE',
				})
			).status,
		).toBe(200);
		expect((await hooks()).map((h) => h.id)).not.toContain(hook2.id);
	});

	test('removed when its creator is demoted (no longer manages options and lists users) or deleted', async () => {
		const demoted = await admin();
		const deleted = await admin();
		const kept = await admin();
		const [h1, h2, h3] = [
			await subscribe(demoted),
			await subscribe(deleted),
			await subscribe(kept),
		];
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${demoted.id}`, {
					method: 'POST',
					body: { roles: ['editor'] },
				})
			).status,
		).toBe(200);
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${deleted.id}?force=true&reassign=1`, {
					method: 'DELETE',
				})
			).status,
		).toBe(200);
		// a role change that keeps the capabilities keeps the subscription
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${kept.id}`, {
					method: 'POST',
					body: { roles: ['administrator', 'editor'] },
				})
			).status,
		).toBe(200);
		const ids = (await hooks()).map((h) => h.id);
		expect(ids).not.toContain(h1.id);
		expect(ids).not.toContain(h2.id);
		expect(ids).toContain(h3.id);
		// demoted in wp-admin's own code path (WP_User::set_role), not through REST
		await lab.wpEval(site, `(new WP_User(${kept.id}))->set_role('subscriber');`);
		expect((await hooks()).map((h) => h.id)).not.toContain(h3.id);
	});

	test("checked again before each delivery: a password removed behind WordPress's back stops the deliveries at once", async () => {
		await clearWebhooks(site);
		const owner = await admin();
		const hook = await subscribe(owner);
		expect(await change()).toHaveLength(1);
		await lab.sql(
			site,
			`DELETE FROM wp_usermeta WHERE user_id = ${owner.id} AND meta_key = '_application_passwords'`,
		);
		await lab.wpEval(site, `wp_cache_delete(${owner.id}, 'user_meta');`);
		expect(await change()).toHaveLength(0);
		expect((await hooks()).map((h) => h.id)).not.toContain(hook.id);
		expect(await queueRows(hook.id)).toBe('0');
	});

	test('a subscription made in a login session (cookie + nonce) is bound to its user, with no application password', async () => {
		const session = new AdminSession(site);
		await session.login(site.admin.username, site.admin.password);
		const nonce = (await session.request('/wp-admin/admin-ajax.php?action=rest-nonce')).text.trim();
		const res = await fetch(`${site.url}/wp-json${NS}/webhooks`, {
			method: 'POST',
			headers: {
				'Content-Type': 'application/json',
				'X-WP-Nonce': nonce,
				Cookie: (session as unknown as { cookieHeader(): string }).cookieHeader(),
			},
			body: JSON.stringify({ url: receiver.url, secret }),
		});
		expect(res.status).toBe(201);
		const hook = (await res.json()) as PublicHook;
		expect(hook.createdBy).toEqual({
			userId: 1,
			login: 'admin',
			appPassword: null,
			appPasswordName: null,
		});
		expect(await change()).toHaveLength((await hooks()).length);
	});

	test('unsafe receiver URLs are refused unless the admin allows local and private receivers', async () => {
		await setOption(site, OPT.allowLocal, '');
		const refused: Record<string, string> = {};
		for (const url of [
			receiver.url, // 127.0.0.1, a high port
			'http://127.0.0.1/hook',
			'http://localhost/hook',
			'http://10.1.2.3/hook',
			'http://172.16.0.9/hook',
			'http://192.168.1.1/hook',
			'http://169.254.169.254/latest/meta-data/',
			'http://100.64.0.1/hook',
			'http://[::1]/hook',
			'http://[fd00::1]/hook',
			'http://[::ffff:127.0.0.1]/hook',
			'http://93.184.216.34:5678/hook', // public, but not a web port
			'http://user:pw@93.184.216.34/hook',
			'http://no-such-host.invalid/hook',
		]) {
			const r = await rest(site, site.admin, `${NS}/webhooks`, {
				method: 'POST',
				body: { url, secret },
			});
			refused[url] = `${r.status} ${r.body.code}`;
		}
		expect(refused).toEqual(
			Object.fromEntries(Object.keys(refused).map((url) => [url, '400 harmonyuser_unsafe_url'])),
		);
		expect(
			(
				await rest(site, site.admin, `${NS}/webhooks`, {
					method: 'POST',
					body: { url: 'ftp://93.184.216.34/x', secret },
				})
			).body.code,
		).toBe('harmonyuser_invalid_url');
		const message = (
			await rest(site, site.admin, `${NS}/webhooks`, {
				method: 'POST',
				body: { url: 'http://10.1.2.3/hook', secret },
			})
		).body.message;
		expect(message).toContain('Settings → HarmonyUser Sync');

		// a public address on a web port is fine (nothing is sent at registration)
		for (const url of ['http://93.184.216.34/hook', 'https://93.184.216.34:8080/hook']) {
			const ok = await rest(site, site.admin, `${NS}/webhooks`, {
				method: 'POST',
				body: { url, secret },
			});
			expect(ok.status).toBe(201);
			await rest(site, site.admin, `${NS}/webhooks/${ok.body.id}`, { method: 'DELETE' });
		}
		// the opt-in
		await setOption(site, OPT.allowLocal, '1');
		const local = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: receiver.url, secret },
		});
		expect(local.status).toBe(201);
		await rest(site, site.admin, `${NS}/webhooks/${local.body.id}`, { method: 'DELETE' });
	});

	test('the opt-in is checked again at delivery: withdrawn, local receivers get nothing (unsafe_url), given back, the event goes out', async () => {
		await clearWebhooks(site);
		await deleteOptions(site, OPT.allowLocal); // the lab's default: allowed
		const hook = await subscribe(site.admin);
		await setOption(site, OPT.allowLocal, '');
		expect(await change()).toHaveLength(0);
		const row = (
			await lab.sql(
				site,
				`SELECT status, last_error FROM wp_harmonyuser_queue WHERE webhook_id = '${hook.id}' ORDER BY id DESC LIMIT 1`,
			)
		).trim();
		expect(row).toBe('pending\tunsafe_url');
		await deleteOptions(site, OPT.allowLocal);
		receiver.clear();
		const run = await rest(site, site.admin, `${NS}/queue/run`, {
			method: 'POST',
			body: { force: true },
		});
		expect(run.body.delivered).toBeGreaterThanOrEqual(1);
		expect(receiver.received.length).toBeGreaterThanOrEqual(1);
	});

	test('delivery errors are stored as classes (refused, http_4xx, http_5xx, timeout, tls, blocked), never the transport text', async () => {
		await clearWebhooks(site);
		const failing = new WebhookReceiver(secret);
		const slow = new WebhookReceiver(secret);
		const tlsPeer = new WebhookReceiver(secret);
		await Promise.all([failing.start(), slow.start(), tlsPeer.start()]);
		failing.status = 500;
		slow.delayMs = 6000;
		receiver.status = 401;
		try {
			const urls: Record<string, string> = {
				refused: 'http://127.0.0.1:1/hook',
				http_4xx: receiver.url,
				http_5xx: failing.url,
				timeout: slow.url,
				blocked: 'http://no-such-host.invalid/hook', // the lab sets WP_HTTP_BLOCK_EXTERNAL
				tls: tlsPeer.url.replace('http://', 'https://'),
			};
			const ids: Record<string, string> = {};
			for (const [cls, url] of Object.entries(urls))
				ids[cls] = (await subscribe(site.admin, url)).id;
			await change();
			const got: Record<string, string> = {};
			for (const [cls, id] of Object.entries(ids)) {
				got[cls] = (
					await lab.sql(
						site,
						`SELECT CONCAT(status, ' ', last_error) FROM wp_harmonyuser_queue WHERE webhook_id = '${id}' ORDER BY id DESC LIMIT 1`,
					)
				).trim();
			}
			expect(got).toEqual(
				Object.fromEntries(Object.keys(urls).map((cls) => [cls, `pending ${cls}`])),
			);
			const all = (
				await lab.sql(
					site,
					`SELECT DISTINCT last_error FROM wp_harmonyuser_queue WHERE last_error IS NOT NULL`,
				)
			)
				.trim()
				.split('\n')
				.filter(Boolean);
			expect(all.every((e) => /^[a-z0-9_]+$/.test(e))).toBe(true);
			const listed = await rest(site, site.admin, `${NS}/queue`);
			expect(JSON.stringify(listed.body)).not.toMatch(
				/cURL|Connection refused|Could not resolve|SSL|timed out/i,
			);
		} finally {
			receiver.status = 200;
			await clearWebhooks(site);
			await Promise.all([failing.stop(), slow.stop(), tlsPeer.stop()]);
		}
	}, 60000);

	test('transport messages map to classes (DNS cannot fail live here: the lab blocks external hosts)', async () => {
		const out = await lab.wpEval(
			site,
			`$r = array();
			foreach (array(
				'cURL error 6: Could not resolve host: no-such-host.example',
				'cURL error 28: Operation timed out after 3001 milliseconds with 0 bytes received',
				'cURL error 28: Resolving timed out after 3000 milliseconds',
				'cURL error 7: Failed to connect to 10.0.0.5 port 22 after 1 ms: Connection refused',
				'cURL error 35: OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number',
				'cURL error 60: SSL certificate problem: self-signed certificate',
				'User has blocked requests through HTTP.',
				'A valid URL was not provided.',
				'cURL error 56: Recv failure: Connection reset by peer',
			) as $m) { $r[] = harmonyuser_bridge_error_class($m); }
			$r[] = harmonyuser_bridge_error_class('', 302);
			$r[] = harmonyuser_bridge_error_class('', 404);
			$r[] = harmonyuser_bridge_error_class('', 503);
			echo 'HUSOUT' . wp_json_encode($r);`,
		);
		expect(JSON.parse(out.slice(out.indexOf('HUSOUT') + 6))).toEqual([
			'dns',
			'timeout',
			'timeout',
			'refused',
			'tls',
			'tls',
			'blocked',
			'unsafe_url',
			'network',
			'http_3xx',
			'http_4xx',
			'http_5xx',
		]);
	});

	test('rows written before the upgrade: raw errors become classes, delivered bodies are blanked, hashes leave the rest', async () => {
		const table = 'wp_harmonyuser_queue';
		const hash = '$P$BlegacyHashAbcdefghijklmnopqrst';
		const body = (event: string) =>
			JSON.stringify({
				id: 'x',
				event,
				user: { login: 'legacy', meta: {}, passwordHash: hash },
			}).replace(/'/g, "''");
		await lab.sql(
			site,
			`INSERT INTO ${table} (event_id, webhook_id, event, user_id, body, status, attempts, last_status, last_error, created_at) VALUES
			 ('legacy-1', 'legacy', 'user.created', 0, '${body('user.created')}', 'failed', 10, 0, 'cURL error 7: Failed to connect to 10.0.0.5 port 22 after 1 ms: Connection refused', 0),
			 ('legacy-2', 'legacy', 'user.password_changed', 0, '${body('user.password_changed')}', 'delivered', 1, 200, NULL, 0),
			 ('legacy-3', 'legacy', 'user.updated', 0, '{}', 'pending', 3, 503, 'HTTP 503', 0);`,
		);
		try {
			await lab.wpEval(
				site,
				`delete_option('harmonyuser_bridge_queue_format'); harmonyuser_bridge_upgrade_queue_rows();`,
			);
			const rows = (
				await lab.sql(
					site,
					`SELECT event_id, status, IFNULL(last_error, '-'), body FROM ${table} WHERE webhook_id = 'legacy' ORDER BY event_id`,
				)
			)
				.trim()
				.split('\n');
			expect(rows[0].split('\t').slice(0, 3)).toEqual(['legacy-1', 'failed', 'refused']);
			expect(rows[0]).not.toContain('passwordHash');
			expect(rows[0]).toContain('"login":"legacy"');
			expect(rows[1].split('\t')).toEqual(['legacy-2', 'delivered', '-', '']);
			expect(rows[2].split('\t').slice(0, 3)).toEqual(['legacy-3', 'pending', 'http_5xx']);
		} finally {
			await lab.sql(site, `DELETE FROM ${table} WHERE webhook_id = 'legacy'`);
		}
	});

	test("an editor's application password still cannot subscribe (403)", async () => {
		expect(
			(
				await rest(site, site.editor, `${NS}/webhooks`, {
					method: 'POST',
					body: { url: receiver.url, secret },
				})
			).status,
		).toBe(403);
	});
});
