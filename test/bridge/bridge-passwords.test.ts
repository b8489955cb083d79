/**
 * The bridge and password hash formats on this lab's WordPress (6.1 or 6.8: the test runs in both projects):
 * the formats /info says the site verifies, and creates that carry the source's hash without paying a full-cost
 * hash of the throwaway password the REST API requires (6.8's bcrypt: about 50 ms each).
 * test/modern/crossVersionPasswords.test.ts has the logins across versions.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';
import { NS, installBridge, removeBridge, uniqueLogin } from '../../lab/harness/bridge';

const CAPTURE = path.join(__dirname, 'fixtures', 'hus-capture-insert-hash.php');
const DISABLE = "<?php add_filter('harmonyuser_bridge_cheap_throwaway_hash', '__return_false');\n";

describe('bridge plugin: password hash formats', () => {
	let site: Site;
	let modern: boolean;
	let sourceHash: string;
	const made: string[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		modern = !site.wpVersion.startsWith('6.1');
		lab.installMuPlugin(site, CAPTURE, 'hus-capture-insert-hash');
		await installBridge(site);
		// A phpass hash (every WordPress verifies it), as a 6.1 source would send it.
		sourceHash = (
			await lab.wpEval(
				site,
				"require_once ABSPATH . WPINC . '/class-phpass.php'; echo (new PasswordHash(8, true))->HashPassword('Source-pass-1');",
			)
		).trim();
	});
	afterAll(async () => {
		for (const login of made) {
			await lab.sql(
				site,
				`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login = '${login}'; DELETE FROM wp_users WHERE user_login = '${login}'; DELETE FROM wp_options WHERE option_name = 'hus_test_insert_hash_${login}';`,
			);
		}
		lab.removeMuPlugin(site, 'hus-capture-insert-hash');
		lab.removeMuPlugin(site, 'hus-no-cheap-hash');
		await removeBridge(site);
	});

	const body = (login: string, hash?: string) => ({
		username: login,
		email: `${login}@pw.test`,
		password: `Throwaway-${login}`,
		roles: ['subscriber'],
		...(hash ? { harmonyuser_password_hash: hash } : {}),
	});
	const inserted = async (login: string) =>
		(
			await lab.sql(
				site,
				`SELECT option_value FROM wp_options WHERE option_name = 'hus_test_insert_hash_${login}'`,
			)
		).trim();
	const stored = async (login: string) =>
		(await lab.sql(site, `SELECT user_pass FROM wp_users WHERE user_login = '${login}'`)).trim();
	const verifies = async (login: string, password: string) =>
		(
			await lab.wpEval(
				site,
				`$u = get_user_by('login', ${JSON.stringify(login)}); echo wp_check_password(${JSON.stringify(password)}, $u->user_pass, $u->ID) ? 'yes' : 'no';`,
			)
		).trim();
	/** What WordPress stores for a throwaway password: 6.1's phpass, or 6.8's bcrypt at this cost. */
	const throwaway = (cost: number) =>
		modern ? new RegExp(`^\\$wp\\$2y\\$${String(cost).padStart(2, '0')}\\$`) : /^\$P\$/;

	test('a REST update that changes no password keeps a hash another request set meanwhile (no lost update)', async () => {
		const login = uniqueLogin('pwrace');
		made.push(login);
		const created = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: body(login),
		});
		expect(created.status).toBe(201);
		const id = created.body.id as number;
		const before = await stored(login);
		// A REST update (the first name only) that loaded the user before another request set the source's hash:
		// a mu-plugin sets it in the middle of the update, after WordPress loaded the user, before it writes.
		const race = (keep: boolean) => `<?php
			add_filter('rest_pre_insert_user', function ($prepared) {
				global $wpdb;
				get_userdata($prepared->ID); // loaded, as wp_update_user() will merge it
				$wpdb->update($wpdb->users, array('user_pass' => '${sourceHash}'), array('ID' => $prepared->ID));
				${keep ? '' : "remove_filter('wp_pre_insert_user_data', 'harmonyuser_bridge_keep_current_password', PHP_INT_MAX);"}
				return $prepared;
			}, 99);
		`;
		const raced = async (keep: boolean) => {
			await lab.sql(
				site,
				`UPDATE wp_users SET user_pass = '${before.replace(/'/g, "''")}' WHERE ID = ${id}`,
			);
			const file = path.join(os.tmpdir(), `hus-race-${process.pid}.php`);
			fs.writeFileSync(file, race(keep));
			lab.installMuPlugin(site, file, 'hus-race');
			try {
				expect(
					(
						await rest(site, site.admin, `/wp/v2/users/${id}`, {
							method: 'POST',
							body: { first_name: keep ? 'Kept' : 'Lost' },
						})
					).status,
				).toBe(200);
			} finally {
				lab.removeMuPlugin(site, 'hus-race');
				fs.rmSync(file, { force: true });
			}
			return stored(login);
		};
		// Without the bridge's check, WordPress writes the older hash back: the race is real.
		expect(await raced(false)).toBe(before);
		expect(await raced(true)).toBe(sourceHash);
		expect(await verifies(login, 'Source-pass-1')).toBe('yes');
		// An update that does set a password still sets it.
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${id}`, {
					method: 'POST',
					body: { password: 'Changed-pass-2' },
				})
			).status,
		).toBe(200);
		expect(await verifies(login, 'Changed-pass-2')).toBe('yes');
	});

	test('/info lists the formats this site verifies', async () => {
		const r = await rest(site, site.admin, `${NS}/info`);
		expect(r.status).toBe(200);
		expect(r.body.hashFormats).toEqual(expect.arrayContaining(['phpass', 'bcrypt']));
		expect(r.body.hashFormats.includes('wp-bcrypt')).toBe(modern);
		expect(
			r.body.hashFormats.every((f: string) =>
				['phpass', 'wp-bcrypt', 'bcrypt', 'argon2'].includes(f),
			),
		).toBe(true);
	});

	test("a create with the source's hash hashes its throwaway password cheaply, then stores the source's", async () => {
		const login = uniqueLogin('pwc');
		made.push(login);
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: body(login, sourceHash),
		});
		expect(r.status).toBe(201);
		expect(await inserted(login)).toMatch(throwaway(4));
		expect(await stored(login)).toBe(sourceHash);
		expect(await verifies(login, 'Source-pass-1')).toBe('yes');
		expect(await verifies(login, `Throwaway-${login}`)).toBe('no');

		// Without a hash to apply, the password is the user's: hashed at the site's own cost.
		const plain = uniqueLogin('pwp');
		made.push(plain);
		expect(
			(await rest(site, site.admin, '/wp/v2/users', { method: 'POST', body: body(plain) })).status,
		).toBe(201);
		expect(await inserted(plain)).toMatch(throwaway(10));
		expect(await stored(plain)).toMatch(throwaway(10));
		expect(await verifies(plain, `Throwaway-${plain}`)).toBe('yes');
	});

	test("a create whose password is a throwaway stores a random password of the bridge's, cheaply hashed", async () => {
		const login = uniqueLogin('pwt');
		made.push(login);
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { ...body(login), harmonyuser_throwaway_password: true },
		});
		expect(r.status).toBe(201);
		expect(await inserted(login)).toMatch(throwaway(4));
		// Not the password sent: a cheap hash of a password someone chose would be weak; the bridge's own is random.
		expect(await verifies(login, `Throwaway-${login}`)).toBe('no');
		const info = await rest(site, site.admin, `${NS}/info`);
		expect(info.body.features).toContain('throwawayPassword');
		// On an update the flag means nothing.
		const update = await rest(site, site.admin, `/wp/v2/users/${r.body.id}`, {
			method: 'POST',
			body: { password: 'Chosen-later-9', harmonyuser_throwaway_password: true },
		});
		expect(update.status).toBe(200);
		expect(await verifies(login, 'Chosen-later-9')).toBe('yes');
		expect(await stored(login)).toMatch(throwaway(10));
	});

	test('in a batch only the creates carrying a hash are cheap; the filter turns it off', async () => {
		const [a, b] = [uniqueLogin('pwba'), uniqueLogin('pwbb')];
		made.push(a, b);
		const batch = await rest(site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: [
					{ method: 'POST', path: '/wp/v2/users', body: body(a, sourceHash) },
					{ method: 'POST', path: '/wp/v2/users', body: body(b) },
				],
			},
		});
		expect(batch.status).toBe(207);
		expect(batch.body.responses.map((x: { status: number }) => x.status)).toEqual([201, 201]);
		expect(await inserted(a)).toMatch(throwaway(4));
		expect(await stored(a)).toBe(sourceHash);
		expect(await inserted(b)).toMatch(throwaway(10));

		const off = uniqueLogin('pwoff');
		made.push(off);
		const mu = path.join(os.tmpdir(), `hus-no-cheap-hash-${process.pid}.php`);
		fs.writeFileSync(mu, DISABLE);
		lab.installMuPlugin(site, mu, 'hus-no-cheap-hash');
		fs.rmSync(mu, { force: true });
		try {
			expect(
				(
					await rest(site, site.admin, '/wp/v2/users', {
						method: 'POST',
						body: body(off, sourceHash),
					})
				).status,
			).toBe(201);
			expect(await inserted(off)).toMatch(throwaway(10));
			expect(await stored(off)).toBe(sourceHash);
		} finally {
			lab.removeMuPlugin(site, 'hus-no-cheap-hash');
		}
	});
});
