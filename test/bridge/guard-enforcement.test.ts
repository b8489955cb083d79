/**
 * The site guards itself: the read-only switch, a user's reject-incoming switch and the IP allowlist are enforced by
 * the bridge for every application-password request — plain REST, /batch/v1, the bridge's routes, another plugin's
 * route, XML-RPC — on real lab sites, with the database checked by SQL after every refusal.
 */
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';
import {
	AdminSession,
	NS,
	inputValue,
	installBridge,
	profileForm,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';
import {
	GUARD_FIXTURE,
	GUARD_FIXTURE_NAME,
	OPT,
	allowlistOf,
	deleteOptions,
	dropUsers,
	phpUser,
	restFrom,
	setOption,
	userRow,
} from './guard-lab';

const PHPASS = '$P$BguardTestHashAbcdefghijklmnop';

describe('bridge guard: read-only site and reject-incoming users (application passwords)', () => {
	let site: Site;
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		lab.installMuPlugin(site, GUARD_FIXTURE, GUARD_FIXTURE_NAME);
		await installBridge(site);
	});
	afterEach(async () => {
		await deleteOptions(site, OPT.readOnly);
	});
	afterAll(async () => {
		await dropUsers(site, made);
		lab.removeMuPlugin(site, GUARD_FIXTURE_NAME);
		await removeBridge(site);
	});

	const user = async (meta: Record<string, string> = {}) => {
		const id = await phpUser(site, uniqueLogin('grd'), { meta });
		made.push(id);
		return id;
	};
	const expectRefused = (r: { status: number; body: { code?: string } }, code: string) => {
		expect({ status: r.status, code: r.body?.code }).toEqual({ status: 403, code });
	};

	test('read-only: REST creates, updates, role and password changes, hash writes and deletes are refused with 403; nothing changes', async () => {
		const id = await user();
		const before = await userRow(site, id);
		await setOption(site, OPT.readOnly, '1');
		const login = uniqueLogin('grdnew');

		expectRefused(
			await rest(site, site.admin, '/wp/v2/users', {
				method: 'POST',
				body: { username: login, email: `${login}@guard.test`, password: 'Pw-guard-1' },
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { first_name: 'Changed', email: `x-${before.email}` },
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'PUT',
				body: { roles: ['administrator'] },
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { password: 'Another-pass-2' },
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { harmonyuser_password_hash: PHPASS },
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { meta: { harmonyuser_reject_incoming: '1' } },
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, `${NS}/users/${id}/password-hash`, {
				method: 'POST',
				body: { hash: PHPASS },
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}?force=true&reassign=1`, {
				method: 'DELETE',
			}),
			'harmonyuser_site_read_only',
		);
		expectRefused(
			await rest(site, site.admin, '/wp/v2/users/me', {
				method: 'POST',
				body: { first_name: 'Me' },
			}),
			'harmonyuser_site_read_only',
		);
		// the editor's own profile too
		expectRefused(
			await rest(site, site.editor, '/wp/v2/users/me', {
				method: 'POST',
				body: { first_name: 'Me' },
			}),
			'harmonyuser_site_read_only',
		);

		expect(await userRow(site, id)).toEqual(before);
		expect(
			(await lab.sql(site, `SELECT COUNT(*) FROM wp_users WHERE user_login = '${login}'`)).trim(),
		).toBe('0');
	});

	test('read-only: every /batch/v1 item is refused on its own; reading, lookups and webhook management still work', async () => {
		const id = await user();
		const before = await userRow(site, id);
		await setOption(site, OPT.readOnly, '1');
		const login = uniqueLogin('grdbatch');
		const batch = await rest(site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: [
					{
						method: 'POST',
						path: '/wp/v2/users',
						body: { username: login, email: `${login}@guard.test`, password: 'Pw-guard-1' },
					},
					{ method: 'POST', path: `/wp/v2/users/${id}`, body: { last_name: 'Batch' } },
					{ method: 'DELETE', path: `/wp/v2/users/${id}?force=true&reassign=1` },
				],
			},
		});
		expect(batch.status).toBe(207);
		expect(
			batch.body.responses.map((r: { status: number; body: { code: string } }) => [
				r.status,
				r.body.code,
			]),
		).toEqual(Array(3).fill([403, 'harmonyuser_site_read_only']));
		expect(await userRow(site, id)).toEqual(before);
		expect(
			(await lab.sql(site, `SELECT COUNT(*) FROM wp_users WHERE user_login = '${login}'`)).trim(),
		).toBe('0');

		expect((await rest(site, site.admin, `/wp/v2/users/${id}?context=edit`)).status).toBe(200);
		expect((await rest(site, site.admin, '/wp/v2/users?per_page=5&context=edit')).status).toBe(200);
		expect(
			(await rest(site, site.admin, `${NS}/users/resolve?login=${before.login}`)).body.user.id,
		).toBe(id);
		expect(
			(await rest(site, site.admin, `${NS}/users/changed?since=2000-01-01T00:00:00Z`)).status,
		).toBe(200);
		const info = await rest(site, site.admin, `${NS}/info`);
		expect(info.body).toMatchObject({
			readOnly: true,
			features: expect.arrayContaining(['guard']),
		});
		// a read-only site is still a source: its trigger can subscribe
		const hook = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: 'http://127.0.0.1:9/hook', secret: 'a-secret-of-sixteen+' },
		});
		expect(hook.status).toBe(201);
		expect(
			(await rest(site, site.admin, `${NS}/webhooks/${hook.body.id}`, { method: 'DELETE' })).status,
		).toBe(200);
	});

	test('read-only: writes through another plugin route and XML-RPC are stopped at the data layer (403), nothing changes', async () => {
		const id = await user({ hus_guard_public: 'orig' });
		const before = await userRow(site, id);
		await setOption(site, OPT.readOnly, '1');
		for (const how of ['update', 'password', 'meta', 'role', 'delete']) {
			const r = await rest(site, site.admin, `/hus-guard-test/v1/users/${id}/${how}`, {
				method: 'POST',
				headers: { Accept: 'application/json' },
			});
			expectRefused(r, 'harmonyuser_site_read_only');
		}
		expect(await userRow(site, id)).toEqual(before);
		expect(
			(
				await lab.sql(
					site,
					`SELECT meta_value FROM wp_usermeta WHERE user_id = ${id} AND meta_key = 'hus_guard_public'`,
				)
			).trim(),
		).toBe('orig');

		const xml = `<?xml version="1.0"?><methodCall><methodName>wp.editProfile</methodName><params>
			<param><value><int>1</int></value></param><param><value><string>admin</string></value></param>
			<param><value><string>${site.admin.appPassword}</string></value></param>
			<param><value><struct><member><name>first_name</name><value><string>ByXmlRpc</string></value></member></struct></value></param></params></methodCall>`;
		const adminBefore = await userRow(site, 1);
		const x = await fetch(`${site.url}/xmlrpc.php`, {
			method: 'POST',
			headers: { 'Content-Type': 'text/xml' },
			body: xml,
		});
		const text = await x.text();
		expect(text).toContain('<int>403</int>');
		expect(text).toContain('read-only');
		expect(await userRow(site, 1)).toEqual(adminBefore);
	});

	test('application passwords: no new ones for a read-only site or a protected user (a successor would outlive revocation); revoking works', async () => {
		const guarded = await user({ harmonyuser_reject_incoming: '1' });
		const count = async (id: number | 'me', account = site.admin) =>
			((await rest(site, account, `/wp/v2/users/${id}/application-passwords`)).body as unknown[])
				.length;
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${guarded}/application-passwords`, {
				method: 'POST',
				body: { name: 'successor' },
			}),
			'harmonyuser_user_rejects_incoming',
		);
		expect(await count(guarded)).toBe(0);

		await setOption(site, OPT.readOnly, '1');
		const before = await count('me');
		expectRefused(
			await rest(site, site.admin, '/wp/v2/users/me/application-passwords', {
				method: 'POST',
				body: { name: 'successor' },
			}),
			'harmonyuser_site_read_only',
		);
		expect(await count('me')).toBe(before);
		// revoking stays possible: the editor revokes its own extra password
		const extra = await lab.wpEval(
			site,
			`list($pw, $item) = WP_Application_Passwords::create_new_application_password(${site.editor.id}, array('name' => 'extra')); echo 'HUSUUID' . $item['uuid'];`,
		);
		const uuid = extra.slice(extra.indexOf('HUSUUID') + 7).trim();
		expect(
			(
				await rest(site, site.editor, `/wp/v2/users/me/application-passwords/${uuid}`, {
					method: 'DELETE',
				})
			).status,
		).toBe(200);
	});

	test('read-only does not touch an administrator in wp-admin (login cookie): the profile form still saves', async () => {
		const id = await user();
		await setOption(site, OPT.readOnly, '1');
		const admin = new AdminSession(site);
		await admin.login(site.admin.username, site.admin.password);
		const page = await admin.request(`/wp-admin/user-edit.php?user_id=${id}`);
		const form = {
			...profileForm(page.text),
			first_name: 'SavedInWpAdmin',
			harmonyuser_profile_nonce: inputValue(page.text, 'harmonyuser_profile_nonce') ?? '',
		};
		const saved = await admin.request('/wp-admin/user-edit.php', form);
		expect(saved.status).toBe(302);
		expect((await userRow(site, id)).first).toBe('SavedInWpAdmin');
	});

	test('reject incoming: every change to the user is refused (403) — update, roles, password, hash, meta, switching it off, delete', async () => {
		const id = await user({ harmonyuser_reject_incoming: '1' });
		const before = await userRow(site, id);
		expect(before.reject).toBe('1');
		const code = 'harmonyuser_user_rejects_incoming';
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { first_name: 'Changed' },
			}),
			code,
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { roles: ['editor'] },
			}),
			code,
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { password: 'Another-pass-2' },
			}),
			code,
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { harmonyuser_password_hash: PHPASS },
			}),
			code,
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { meta: { harmonyuser_reject_incoming: '' } },
			}),
			code,
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { meta: { harmonyuser_reject_incoming: '', hus_guard_public: 'x' } },
			}),
			code,
		);
		expectRefused(
			await rest(site, site.admin, `${NS}/users/${id}/password-hash`, {
				method: 'POST',
				body: { hash: PHPASS },
			}),
			code,
		);
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${id}?force=true&reassign=1`, {
				method: 'DELETE',
			}),
			code,
		);
		const refused = await rest(site, site.admin, `/wp/v2/users/${id}`, {
			method: 'POST',
			body: { first_name: 'Changed' },
		});
		expect(refused.body.data).toEqual({ status: 403, userId: id });
		for (const how of ['update', 'password', 'meta', 'role', 'delete']) {
			expectRefused(
				await rest(site, site.admin, `/hus-guard-test/v1/users/${id}/${how}`, {
					method: 'POST',
					headers: { Accept: 'application/json' },
				}),
				code,
			);
		}
		expect(await userRow(site, id)).toEqual(before);
	});

	test('reject incoming: per batch item; other users are written; switching it on is allowed; a wp-admin cookie may change the user', async () => {
		const guarded = await user({ harmonyuser_reject_incoming: '1' });
		const free = await user();
		const before = await userRow(site, guarded);
		const batch = await rest(site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: [
					{ method: 'POST', path: `/wp/v2/users/${guarded}`, body: { last_name: 'Batch' } },
					{ method: 'POST', path: `/wp/v2/users/${free}`, body: { first_name: 'BatchFree' } },
				],
			},
		});
		expect(
			batch.body.responses.map((r: { status: number; body: { code?: string } }) => [
				r.status,
				r.body.code ?? 'ok',
			]),
		).toEqual([
			[403, 'harmonyuser_user_rejects_incoming'],
			[200, 'ok'],
		]);
		expect(await userRow(site, guarded)).toEqual(before);
		expect((await userRow(site, free)).first).toBe('BatchFree');

		// a request that switches the flag on may carry other changes (it was off when the request started)
		const on = await rest(site, site.admin, `/wp/v2/users/${free}`, {
			method: 'POST',
			body: { first_name: 'LastFree', meta: { harmonyuser_reject_incoming: '1' } },
		});
		expect(on.status).toBe(200);
		expect(await userRow(site, free)).toMatchObject({ first: 'LastFree', reject: '1' });
		expectRefused(
			await rest(site, site.admin, `/wp/v2/users/${free}`, {
				method: 'POST',
				body: { first_name: 'Again' },
			}),
			'harmonyuser_user_rejects_incoming',
		);

		// the administrator in wp-admin switches it off and edits the user
		const admin = new AdminSession(site);
		await admin.login(site.admin.username, site.admin.password);
		const page = await admin.request(`/wp-admin/user-edit.php?user_id=${guarded}`);
		const form = {
			...profileForm(page.text),
			first_name: 'ByCookie',
			harmonyuser_profile_nonce: inputValue(page.text, 'harmonyuser_profile_nonce') ?? '',
		};
		expect((await admin.request('/wp-admin/user-edit.php', form)).status).toBe(302);
		expect(await userRow(site, guarded)).toMatchObject({ first: 'ByCookie', reject: '' });
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${guarded}`, {
					method: 'POST',
					body: { first_name: 'NowFree' },
				})
			).status,
		).toBe(200);
	});
});

describe('bridge guard: IP allowlist for application passwords', () => {
	let site: Site;
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		await installBridge(site);
	});
	afterEach(async () => {
		await deleteOptions(site, OPT.allowlistEnabled, OPT.allowlist, OPT.trustedProxies);
	});
	afterAll(async () => {
		await dropUsers(site, made);
		await removeBridge(site);
	});

	const me = (from: string, headers: Record<string, string> = {}) =>
		restFrom(from, site, site.admin, '/wp/v2/users/me?context=edit', { headers });
	const status = async (from: string, headers: Record<string, string> = {}) => {
		const r = await me(from, headers);
		return r.status === 200 ? 200 : `${r.status} ${r.body?.code}`;
	};
	const REFUSED = '403 harmonyuser_ip_not_allowed';

	test('off by default; on with an IPv4 entry: the listed address passes, 127.0.0.2 gets 403 and cannot write', async () => {
		expect(await status('127.0.0.2')).toBe(200);
		await setOption(site, OPT.allowlist, allowlistOf('127.0.0.1'));
		expect(await status('127.0.0.2')).toBe(200); // a list that is not switched on does nothing
		await setOption(site, OPT.allowlistEnabled, '1');
		expect(await status('127.0.0.1')).toBe(200);
		const refused = await me('127.0.0.2');
		expect(refused.status).toBe(403);
		expect(refused.body).toMatchObject({
			code: 'harmonyuser_ip_not_allowed',
			data: { status: 403 },
		});
		expect(refused.body.message).toContain('127.0.0.2');

		const id = await phpUser(site, uniqueLogin('grdip'));
		made.push(id);
		const before = await userRow(site, id);
		const write = await restFrom('127.0.0.2', site, site.admin, `/wp/v2/users/${id}`, {
			method: 'POST',
			body: { first_name: 'FromOutside' },
		});
		expect([write.status, write.body.code]).toEqual([403, 'harmonyuser_ip_not_allowed']);
		const hash = await restFrom('127.0.0.2', site, site.admin, `${NS}/users/${id}/password-hash`, {
			method: 'POST',
			body: { hash: PHPASS },
		});
		expect([hash.status, hash.body.code]).toEqual([403, 'harmonyuser_ip_not_allowed']);
		const batch = await restFrom('127.0.0.2', site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: [{ method: 'POST', path: `/wp/v2/users/${id}`, body: { last_name: 'X' } }],
			},
		});
		expect([batch.status, batch.body.code]).toEqual([403, 'harmonyuser_ip_not_allowed']);
		expect(await userRow(site, id)).toEqual(before);
		// the editor's application password is held to the same list
		expect((await restFrom('127.0.0.2', site, site.editor, '/wp/v2/users/me')).status).toBe(403);
		// a wrong password from outside still learns nothing more than 401
		expect(
			(
				await restFrom(
					'127.0.0.2',
					site,
					{ ...site.admin, appPassword: 'wrong-wrong-wrong-wrong0' },
					'/wp/v2/users/me?context=edit',
				)
			).status,
		).toBe(401);
	});

	test('IPv4 CIDR ranges and IPv4-mapped IPv6 entries match; IPv6-only lists refuse IPv4 clients', async () => {
		await setOption(site, OPT.allowlistEnabled, '1');
		await setOption(site, OPT.allowlist, allowlistOf('127.0.0.0/30'));
		expect([
			await status('127.0.0.1'),
			await status('127.0.0.2'),
			await status('127.0.0.5'),
		]).toEqual([200, 200, REFUSED]);
		await setOption(site, OPT.allowlist, allowlistOf('::ffff:127.0.0.2'));
		expect([await status('127.0.0.1'), await status('127.0.0.2')]).toEqual([REFUSED, 200]);
		await setOption(site, OPT.allowlist, allowlistOf('::1', '2001:db8::/32'));
		expect([await status('127.0.0.1'), await status('127.0.0.2')]).toEqual([REFUSED, REFUSED]);
	});

	test('X-Forwarded-For counts only from a trusted proxy, right-most untrusted entry; IPv6 clients behind it', async () => {
		await setOption(site, OPT.allowlistEnabled, '1');
		await setOption(site, OPT.allowlist, allowlistOf('2001:db8::/32', '203.0.113.7'));
		// without a trusted proxy the header is ignored: the connection (127.0.0.1) is the client
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '2001:db8::5' })).toBe(REFUSED);
		await setOption(site, OPT.trustedProxies, ['127.0.0.1', '10.0.0.0/8']);
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '2001:db8::5' })).toBe(200);
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '[2001:db8::5]:4711' })).toBe(200);
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '203.0.113.7' })).toBe(200);
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '203.0.113.7, 10.1.2.3' })).toBe(200); // 10.1.2.3 is a trusted hop
		// a client that puts an allowed address in front of its own gains nothing
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '2001:db8::5, 198.51.100.9' })).toBe(
			REFUSED,
		);
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '198.51.100.9, 2001:db8::5' })).toBe(200);
		expect(await status('127.0.0.1', { 'X-Forwarded-For': 'not-an-ip' })).toBe(REFUSED);
		expect(await status('127.0.0.1', { 'X-Forwarded-For': '2001:db9::5' })).toBe(REFUSED);
		// from an address that is not a trusted proxy the header means nothing
		expect(await status('127.0.0.2', { 'X-Forwarded-For': '2001:db8::5' })).toBe(REFUSED);
	});

	test('an administrator with a login cookie is not held to the allowlist (wp-admin and cookie+nonce REST)', async () => {
		await setOption(site, OPT.allowlistEnabled, '1');
		await setOption(site, OPT.allowlist, allowlistOf('192.0.2.1'));
		expect(await status('127.0.0.1')).toBe(REFUSED);
		const admin = new AdminSession(site);
		await admin.login(site.admin.username, site.admin.password);
		expect((await admin.request('/wp-admin/users.php')).status).toBe(200);
		const nonce = (await admin.request('/wp-admin/admin-ajax.php?action=rest-nonce')).text.trim();
		const viaCookie = await admin.request(`/wp-json/wp/v2/users/me?context=edit&_wpnonce=${nonce}`);
		expect(viaCookie.status).toBe(200);
		expect(JSON.parse(viaCookie.text).username).toBe('admin');
	});

	test('entries are validated and stored canonically (IPv4, IPv6, CIDR)', async () => {
		const out = await lab.wpEval(
			site,
			`$r = array();
			foreach (array('10.1.2.3', '10.1.2.3/8', '2001:DB8::1', '2001:db8:0:0::/32', '::ffff:10.0.0.0/104', '::1', '0.0.0.0/0', '::/0',
			               '300.1.2.3', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/x', 'example.com', '', '10.0.0.1/') as $e) {
				$p = harmonyuser_bridge_parse_cidr($e);
				$r[$e] = is_wp_error($p) ? 'ERR' : $p[2];
			}
			echo 'HUSOUT' . wp_json_encode($r);`,
		);
		expect(JSON.parse(out.slice(out.indexOf('HUSOUT') + 6))).toEqual({
			'10.1.2.3': '10.1.2.3',
			'10.1.2.3/8': '10.0.0.0/8',
			'2001:DB8::1': '2001:db8::1',
			'2001:db8:0:0::/32': '2001:db8::/32',
			'::ffff:10.0.0.0/104': '10.0.0.0/8',
			'::1': '::1',
			'0.0.0.0/0': '0.0.0.0/0',
			'::/0': '::/0',
			'300.1.2.3': 'ERR',
			'10.0.0.0/33': 'ERR',
			'2001:db8::/129': 'ERR',
			'10.0.0.0/x': 'ERR',
			'example.com': 'ERR',
			'': 'ERR',
			'10.0.0.1/': 'ERR',
		});
	});
});
