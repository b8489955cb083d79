/**
 * Passwords between WordPress 6.1 and 6.8, proven by real logins (wp-login.php, cookie flow), through the whole
 * chain: the source's bridge event (sealed hash), the User Sync node in n8n's engine, the target's bridge.
 *
 *   6.1 → 6.8  the phpass hash works on 6.8; 6.8 rehashes it to bcrypt at the first login, which is no password
 *              change (no event), so nothing comes back to 6.1, where the password keeps working
 *   6.8 → 6.1  6.8's bcrypt ($wp$2y$) cannot be verified by 6.1: refused (hash_unsupported), the password is not
 *              synced, and the user's old password on 6.1 keeps working
 *
 * Needs the integration-wp68 project's lab: a 6.8 site and a 6.1 site (lab/harness/labs.js).
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { allDeliveriesSettled } from '../../lab/harness/deliveries';
import { runSync, uniqueLogin } from '../../lab/harness/sync';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { rest } from '../../lab/harness/wp';
import { NS, clearWebhooks, installBridge, removeBridge } from '../../lab/harness/bridge';

/** Whether wp-login.php lets this login in with this password: 302 with a logged-in cookie that opens wp-admin. */
async function canLogIn(site: Site, login: string, password: string): Promise<boolean> {
	const jar = new Map<string, string>([['wordpress_test_cookie', 'WP%20Cookie%20check']]);
	const keep = (res: Response) => {
		for (const c of res.headers.getSetCookie()) {
			const [pair] = c.split(';');
			const eq = pair.indexOf('=');
			jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
		}
	};
	const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
	keep(await fetch(`${site.url}/wp-login.php`, { headers: { Cookie: cookie() } }));
	const res = await fetch(`${site.url}/wp-login.php`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie() },
		body: new URLSearchParams({
			log: login,
			pwd: password,
			testcookie: '1',
			'wp-submit': 'Log In',
		}).toString(),
	});
	await res.text();
	keep(res);
	if (res.status !== 302 || ![...jar.keys()].some((k) => k.startsWith('wordpress_logged_in_')))
		return false;
	const profile = await fetch(`${site.url}/wp-admin/profile.php`, {
		redirect: 'manual',
		headers: { Cookie: cookie() },
	});
	const html = await profile.text();
	return profile.status === 200 && html.includes(`value="${login}"`);
}

const dbHash = async (site: Site, login: string) =>
	(await lab.sql(site, `SELECT user_pass FROM wp_users WHERE user_login = '${login}'`)).trim();

describe('passwords between WordPress 6.1 and 6.8 (real logins)', () => {
	let old: Site; // 6.1
	let modern: Site; // 6.8
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	const made: Array<[Site, string]> = [];

	beforeAll(async () => {
		const sites = lab.sites();
		const found = (family: string) => sites.find((s) => s.wpVersion.startsWith(family));
		const o = found('6.1');
		const m = found('6.8');
		if (!o || !m)
			throw new Error(
				'needs a lab with a 6.1 and a 6.8 site (the integration-wp68 project, lab/harness/labs.js)',
			);
		[old, modern] = [o, m];
		await receiver.start();
		for (const s of [old, modern]) {
			await installBridge(s);
			await clearWebhooks(s);
			const hook = await rest(s, s.admin, `${NS}/webhooks`, {
				method: 'POST',
				body: { url: receiver.url, secret },
			});
			expect(hook.status).toBe(201);
		}
	});
	afterAll(async () => {
		for (const s of [old, modern]) await clearWebhooks(s);
		await receiver.stop();
		for (const [s, login] of made) {
			await lab.sql(
				s,
				`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login = '${login}'; DELETE FROM wp_users WHERE user_login = '${login}';`,
			);
		}
		for (const s of [old, modern]) await removeBridge(s);
	});

	/** The events the receiver got about a login from one site, once both sites' deliveries are done. */
	const eventsFrom = async (site: Site, login: string) => {
		await allDeliveriesSettled(old, modern);
		return receiver.eventsFor(login).filter((e) => e.source?.url === site.url);
	};
	/** Forgets what the receiver got so far, once the deliveries of earlier writes are done. */
	const clearReceiver = async () => {
		await allDeliveriesSettled(old, modern);
		receiver.clear();
	};
	const createOn = async (site: Site, login: string, password: string) => {
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@cross.test`, password, roles: ['subscriber'] },
		});
		expect(r.status).toBe(201);
		made.push([site, login]);
		return r.body.id as number;
	};
	/** Applies a site's event to the other site with the User Sync node (Apply Event). */
	const apply = async (event: unknown, target: Site) => {
		const { results } = await runSync({
			site: target,
			operation: 'applyEvent',
			input: [event as never],
		});
		made.push([target, (event as { user: { login: string } }).user.login]);
		return results[0];
	};

	test('each bridge says which hash formats a login on its site verifies', async () => {
		const argon2 =
			(await lab.wpEval(modern, "echo defined('PASSWORD_ARGON2ID') ? 'yes' : 'no';")) === 'yes';
		const info = async (s: Site) => (await rest(s, s.admin, `${NS}/info`)).body.hashFormats;
		// 6.1's phpass falls back to crypt() for other hashes: plain bcrypt verifies there, 6.8's $wp$ prefix does not.
		expect(await info(old)).toEqual(['phpass', 'bcrypt']);
		expect(await info(modern)).toEqual([
			'phpass',
			'wp-bcrypt',
			'bcrypt',
			...(argon2 ? ['argon2'] : []),
		]);
	});

	test('a create with no password to sync: 6.8 pays no full-cost bcrypt for its throwaway password', async () => {
		const login = uniqueLogin('xthr');
		const event = {
			id: `evt-${login}`,
			action: 'create',
			time: new Date().toISOString(),
			source: { url: old.url },
			path: [old.url],
			user: { login, email: `${login}@cross.test`, firstName: 'Thrown', roles: ['subscriber'] },
		};
		const result = await apply(event, modern);
		expect(result).toMatchObject({ status: 'synced', action: 'create', reason: 'created' });
		expect(result.changes).not.toContain('password');
		expect(result.changes).not.toContain('harmonyuser_throwaway_password');
		// The bridge replaced the node's random password with one of its own, hashed at bcrypt's lowest cost.
		expect(await dbHash(modern, login)).toMatch(/^\$wp\$2y\$04\$/);
		// A create that carries nothing of the kind (plain REST) still pays the full cost: the flag is what saved it.
		const plain = uniqueLogin('xful');
		await createOn(modern, plain, 'Plain-pass-1');
		expect(await dbHash(modern, plain)).toMatch(/^\$wp\$2y\$10\$/);
	});

	test('6.1 → 6.8: the phpass hash logs in on 6.8; its rehash there is no password change; 6.1 keeps working', async () => {
		const login = uniqueLogin('xup');
		await createOn(old, login, 'Old-site-pass-1');
		expect(await dbHash(old, login)).toMatch(/^\$P\$/);
		const [created] = await eventsFrom(old, login);
		expect(created).toMatchObject({
			event: 'user.created',
			user: { passwordHashFormat: 'phpass' },
		});

		const result = await apply(created, modern);
		expect(result).toMatchObject({ status: 'synced', action: 'create' });
		expect(result.notSynced ?? []).toEqual([]);
		expect(await dbHash(modern, login)).toBe(await dbHash(old, login)); // the same phpass hash

		// The first login on 6.8 rehashes it to bcrypt (same password, new format): no event leaves 6.8.
		await clearReceiver();
		expect(await canLogIn(modern, login, 'Old-site-pass-1')).toBe(true);
		expect(await dbHash(modern, login)).toMatch(/^\$wp\$2y\$/);
		expect(await eventsFrom(modern, login)).toEqual([]);
		// So nothing comes back to 6.1, where the user still logs in; and again on 6.8, with the bcrypt hash.
		expect(await canLogIn(old, login, 'Old-site-pass-1')).toBe(true);
		expect(await canLogIn(modern, login, 'Old-site-pass-1')).toBe(true);
		expect(await canLogIn(modern, login, 'Wrong-pass-1')).toBe(false);
	});

	test('6.8 → 6.1: a bcrypt password is not synced (hash_unsupported) and the old password on 6.1 keeps working', async () => {
		const login = uniqueLogin('xdown');
		await createOn(old, login, 'Before-pass-1');
		const [created] = await eventsFrom(old, login);
		expect((await apply(created, modern)).status).toBe('synced');

		// The user changes their password on 6.8: 6.8 stores bcrypt, its event says so beside the sealed hash.
		await clearReceiver();
		const id = Number(
			(await lab.sql(modern, `SELECT ID FROM wp_users WHERE user_login = '${login}'`)).trim(),
		);
		expect(
			(
				await rest(modern, modern.admin, `/wp/v2/users/${id}`, {
					method: 'POST',
					body: { password: 'After-pass-2' },
				})
			).status,
		).toBe(200);
		const [changed] = await eventsFrom(modern, login);
		expect(changed).toMatchObject({
			event: 'user.password_changed',
			user: { passwordHashFormat: 'wp-bcrypt' },
		});
		expect(await canLogIn(modern, login, 'After-pass-2')).toBe(true);

		const before = await dbHash(old, login);
		const result = await apply(changed, old);
		expect(result.status).not.toBe('failed');
		expect(result.notSynced).toEqual([
			expect.objectContaining({ field: 'password', reason: 'hash_unsupported' }),
		]);
		// Not written: 6.1 keeps the hash it had, the old password logs in, the new one does not.
		expect(await dbHash(old, login)).toBe(before);
		expect(await canLogIn(old, login, 'Before-pass-1')).toBe(true);
		expect(await canLogIn(old, login, 'After-pass-2')).toBe(false);
	});

	test("6.1's bridge refuses a bcrypt hash it cannot verify before writing anything (400 harmonyuser_hash_unsupported)", async () => {
		const login = uniqueLogin('xref');
		const id = await createOn(old, login, 'Kept-pass-1');
		const kept = await dbHash(old, login);
		const modernHash = (await lab.wpEval(modern, "echo wp_hash_password('Other-pass-2');")).trim();
		expect(modernHash).toMatch(/^\$wp\$2y\$10\$/);

		const route = await rest(old, old.admin, `${NS}/users/${id}/password-hash`, {
			method: 'POST',
			body: { hash: modernHash },
		});
		expect(route.status).toBe(400);
		expect(route.body).toMatchObject({
			code: 'harmonyuser_hash_unsupported',
			data: { status: 400, format: 'wp-bcrypt', hashFormats: ['phpass', 'bcrypt'] },
		});
		// The write-only field: the whole update is refused, its other fields too.
		const update = await rest(old, old.admin, `/wp/v2/users/${id}`, {
			method: 'POST',
			body: { first_name: 'Changed', harmonyuser_password_hash: modernHash },
		});
		expect(update.status).toBe(400);
		expect(update.body.code).toBe('harmonyuser_hash_unsupported');
		expect((await rest(old, old.admin, `/wp/v2/users/${id}?context=edit`)).body.first_name).toBe(
			'',
		);
		// A create with it is refused before the user exists.
		const other = uniqueLogin('xrefc');
		const create = await rest(old, old.admin, '/wp/v2/users', {
			method: 'POST',
			body: {
				username: other,
				email: `${other}@cross.test`,
				password: 'x-throwaway-1',
				harmonyuser_password_hash: modernHash,
			},
		});
		expect(create.status).toBe(400);
		expect(create.body.code).toBe('harmonyuser_hash_unsupported');
		expect(await lab.sql(old, `SELECT COUNT(*) FROM wp_users WHERE user_login = '${other}'`)).toBe(
			'0\n',
		);
		expect(await dbHash(old, login)).toBe(kept);
		expect(await canLogIn(old, login, 'Kept-pass-1')).toBe(true);

		// 6.8 takes both formats, and a plain bcrypt hash verifies on 6.1 too.
		const there = await createOn(modern, uniqueLogin('xok'), 'Whatever-pass-1');
		expect(
			(
				await rest(modern, modern.admin, `${NS}/users/${there}/password-hash`, {
					method: 'POST',
					body: { hash: kept },
				})
			).status,
		).toBe(200);
		expect(
			(
				await rest(modern, modern.admin, `${NS}/users/${there}/password-hash`, {
					method: 'POST',
					body: { hash: modernHash },
				})
			).status,
		).toBe(200);
		const plain = (
			await lab.wpEval(old, "echo password_hash('Plain-bcrypt-3', PASSWORD_BCRYPT);")
		).trim();
		expect(
			(
				await rest(old, old.admin, `${NS}/users/${id}/password-hash`, {
					method: 'POST',
					body: { hash: plain },
				})
			).status,
		).toBe(200);
		expect(await canLogIn(old, login, 'Plain-bcrypt-3')).toBe(true);
	});
});
