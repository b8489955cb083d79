/** The WordPress lab itself, against the real sites brought up by the global setup. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';

const userCount = async (site: Site): Promise<number> =>
	Number(await lab.sql(site, 'SELECT COUNT(*) FROM wp_users'));

describe('WordPress lab', () => {
	let sites: Site[];
	beforeAll(() => {
		sites = lab.sites();
	});
	afterAll(async () => {
		for (const s of sites) await lab.resetSite(s);
	});

	test('has independent sites on their own ports and databases', () => {
		expect(sites.length).toBeGreaterThanOrEqual(2);
		expect(new Set(sites.map((s) => s.url)).size).toBe(sites.length);
		expect(new Set(sites.map((s) => s.db)).size).toBe(sites.length);
		sites.forEach((s, i) => {
			expect(s).toMatchObject({
				index: i,
				name: `site${i + 1}`,
				url: `http://127.0.0.1:${s.port}`,
				db: `hus_p${s.port}`,
			});
			expect(lab.site(i).url).toBe(s.url);
			expect(s.admin).toMatchObject({ username: 'admin', id: 1 });
			expect(s.admin.appPassword).toMatch(/^[A-Za-z0-9]{24}$/);
		});
	});

	test('the admin application password works over REST on every site', async () => {
		for (const s of sites) {
			const r = await rest(s, s.admin, '/wp/v2/users/me?context=edit');
			expect(r.status).toBe(200);
			expect(r.body.id).toBe(1);
			expect(r.body.roles).toContain('administrator');
		}
	});

	test('each site serves the WordPress release and the server it records', async () => {
		for (const s of sites) {
			expect(s.wpVersion).toMatch(/^6\.(1|8)\.\d+$/);
			expect(fs.readFileSync(path.join(s.wpRoot, 'wp-includes', 'version.php'), 'utf8')).toContain(
				`$wp_version = '${s.wpVersion}';`,
			);
			const feed = await fetch(`${s.url}/feed/`);
			expect(await feed.text()).toContain(
				`<generator>https://wordpress.org/?v=${s.wpVersion}</generator>`,
			);
			expect(feed.headers.get('server') ?? '').toMatch(s.server === 'fpm' ? /^nginx\// : /^$/);
			expect(await lab.wpEval(s, 'echo $GLOBALS["wp_version"], "|", ABSPATH;')).toBe(
				`${s.wpVersion}|${s.wpRoot}/`,
			);
		}
	});

	test('the editor credential is not an admin', async () => {
		const s = sites[0];
		const me = await rest(s, s.editor, '/wp/v2/users/me?context=edit');
		expect(me.status).toBe(200);
		expect(me.body.roles).toEqual(['editor']);
		const create = await rest(s, s.editor, '/wp/v2/users', {
			method: 'POST',
			body: { username: 'nope', email: 'nope@example.test', password: 'x' },
		});
		expect(create.status).toBe(403);
	});

	test('a wrong application password is refused (401)', async () => {
		const s = sites[0];
		const r = await rest(
			s,
			{ ...s.admin, appPassword: 'wrongwrongwrongwrongwron' },
			'/wp/v2/users/me?context=edit',
		);
		expect(r.status).toBe(401);
	});

	test('pretty permalinks and the mu-plugin are in place', async () => {
		const s = sites[0];
		const post = await fetch(`${s.url}/hello-world/`);
		await post.text();
		expect(post.status).toBe(200);
		expect(post.headers.get('x-hus-lab-site')).toBe(s.name);
		expect(
			await lab.wpEval(
				s,
				"echo get_option('permalink_structure'), '|', wp_get_environment_type(), '|', var_export(wp_mail('a@example.test', 's', 'b'), true);",
			),
		).toBe('/%postname%/|local|false');
	});

	test('sites are independent: a user created on site 1 does not exist on site 2', async () => {
		const [s1, s2] = sites;
		const created = await rest(s1, s1.admin, '/wp/v2/users', {
			method: 'POST',
			body: {
				username: 'only-on-one',
				email: 'only-on-one@example.test',
				password: 'pw-only-on-one',
			},
		});
		expect(created.status).toBe(201);
		const on1 = await rest(s1, s1.admin, '/wp/v2/users?search=only-on-one&context=edit');
		expect(on1.body.map((u: { username: string }) => u.username)).toEqual(['only-on-one']);
		const on2 = await rest(s2, s2.admin, '/wp/v2/users?search=only-on-one&context=edit');
		expect(on2.status).toBe(200);
		expect(on2.body).toEqual([]);
		expect(
			await lab.sql(s2, "SELECT COUNT(*) FROM wp_users WHERE user_login = 'only-on-one'"),
		).toBe('0\n');
	});

	test('seedUsers creates exactly N users visible over REST, with names and meta', async () => {
		const s = sites[1];
		await lab.resetSite(s);
		const ids = await lab.seedUsers(s, 25, {
			prefix: 'labseed',
			meta: { hus_test_key: 'value-{i}' },
		});
		expect(ids).toHaveLength(25);
		const r = await rest(s, s.admin, '/wp/v2/users?roles=subscriber&per_page=100&context=edit');
		expect(r.status).toBe(200);
		expect(r.headers.get('x-wp-total')).toBe('25');
		const u3 = r.body.find((u: { username: string }) => u.username === 'labseed3');
		expect(u3).toMatchObject({
			email: 'labseed3@example.test',
			first_name: 'Labseed',
			last_name: 'User 3',
			roles: ['subscriber'],
		});
		expect(await lab.wpEval(s, `echo get_user_meta(${u3.id}, 'hus_test_key', true);`)).toBe(
			'value-3',
		);
		const all = await rest(s, s.admin, '/wp/v2/users?per_page=1');
		expect(all.headers.get('x-wp-total')).toBe('27'); // + admin and editor
	});

	test('seeding 500 users takes seconds, and resetSite removes them all', async () => {
		const s = sites[2] ?? sites[1];
		await lab.resetSite(s);
		const t0 = Date.now();
		await lab.seedUsers(s, 500, { prefix: 'bulk', role: 'subscriber' });
		const seconds = (Date.now() - t0) / 1000;
		expect(seconds).toBeLessThan(20);
		expect(await userCount(s)).toBe(502);
		const t1 = Date.now();
		await lab.resetSite(s);
		expect(Date.now() - t1).toBeLessThan(2000);
		expect(await userCount(s)).toBe(2);
		expect(
			await lab.sql(
				s,
				'SELECT COUNT(*) FROM wp_usermeta WHERE user_id NOT IN (1, ' + s.editor.id + ')',
			),
		).toBe('0\n');
		const r = await rest(s, s.admin, '/wp/v2/users?per_page=100&context=edit');
		expect(r.headers.get('x-wp-total')).toBe('2');
		expect((await rest(s, s.editor, '/wp/v2/users/me')).status).toBe(200);
	});

	test('mu-plugins and plugins can be installed and removed', async () => {
		const s = sites[0];
		const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hus-lab-test-'));
		try {
			const mu = path.join(tmp, 'mu.php');
			fs.writeFileSync(
				mu,
				"<?php add_action('rest_api_init', function () { register_rest_route('hus-lab-test/v1', '/ping', ['methods' => 'GET', 'permission_callback' => '__return_true', 'callback' => function () { return ['pong' => true]; }]); });\n",
			);
			lab.installMuPlugin(s, mu, 'hus-lab-test');
			expect((await rest(s, null, '/hus-lab-test/v1/ping')).body).toEqual({ pong: true });
			lab.removeMuPlugin(s, 'hus-lab-test');
			expect((await rest(s, null, '/hus-lab-test/v1/ping')).status).toBe(404);

			const dir = path.join(tmp, 'hus-lab-plugin');
			fs.mkdirSync(dir);
			fs.writeFileSync(
				path.join(dir, 'hus-lab-plugin.php'),
				"<?php\n/**\n * Plugin Name: HUS lab test plugin\n */\nregister_activation_hook(__FILE__, function () { update_option('hus_lab_plugin_activated', 'yes'); });\nregister_deactivation_hook(__FILE__, function () { delete_option('hus_lab_plugin_activated'); });\n",
			);
			await lab.installPlugin(s, dir, 'hus-lab-plugin');
			expect(
				await lab.wpEval(
					s,
					"echo get_option('hus_lab_plugin_activated'), '|', in_array('hus-lab-plugin/hus-lab-plugin.php', get_option('active_plugins'), true) ? 'active' : 'inactive';",
				),
			).toBe('yes|active');
			await lab.deactivatePlugin(s, 'hus-lab-plugin');
			expect(
				await lab.wpEval(
					s,
					"echo var_export(get_option('hus_lab_plugin_activated'), true), '|', json_encode(get_option('active_plugins'));",
				),
			).toBe('false|[]');
		} finally {
			fs.rmSync(tmp, { recursive: true, force: true });
		}
	});

	test('errors name the site and never show application passwords', async () => {
		const s = sites[0];
		await expect(
			lab.wpEval(s, `throw new Exception('boom ${s.admin.appPassword}');`),
		).rejects.toThrow(/site1: php eval.php failed[\s\S]*boom \*\*\*/);
		await expect(
			lab.wpEval(s, `throw new Exception('x ${s.admin.appPassword}');`),
		).rejects.not.toThrow(s.admin.appPassword);
	});

	test('up is idempotent: same sites, servers and credentials, and fast', async () => {
		const t0 = Date.now();
		const again = await lab.up({ count: sites.length, portBase: sites[0].port });
		expect(Date.now() - t0).toBeLessThan(10000);
		expect(
			again.map((s) => [s.url, s.pid, s.admin.appPassword, s.editor.appPassword, s.editor.id]),
		).toEqual(
			sites.map((s) => [s.url, s.pid, s.admin.appPassword, s.editor.appPassword, s.editor.id]),
		);
		expect(lab.sites()).toEqual(again);
	});

	test('up restarts a server started by other lab code (an older checkout, a changed router), and only that one', async () => {
		const last = sites[sites.length - 1];
		expect(last.server).toBe('php');
		fs.writeFileSync(path.join(last.dir, 'server.stamp'), 'started-by-an-older-lab\n');
		const again = await lab.up({ count: sites.length, portBase: sites[0].port });
		expect(again.slice(0, -1).map((s) => s.pid)).toEqual(sites.slice(0, -1).map((s) => s.pid));
		const restarted = again[again.length - 1];
		expect(restarted.pid).not.toBe(last.pid);
		expect(fs.readFileSync(path.join(last.dir, 'server.stamp'), 'utf8')).not.toContain('older-lab');
		expect((await rest(restarted, restarted.admin, '/wp/v2/users/me')).status).toBe(200);
		// Kept again on the next up.
		expect(
			(await lab.up({ count: sites.length, portBase: sites[0].port })).map((s) => s.pid),
		).toEqual(again.map((s) => s.pid));
		sites = lab.sites();
	});
});

/**
 * Two temporary labs (their own HUS_LAB_DIRs) on one free port base of their own: the second is refused before
 * it writes any config or database, whether the first runs or is stopped, and so is a port something else
 * listens on. A lab whose dir is gone leaves files the next lab may take over.
 */
describe('a port base another lab serves', () => {
	const configOf = (port: number) => `/etc/wordpress/config-hus-p${port}.php`;
	const saved = process.env.HUS_LAB_DIR;
	let tmp: string;
	let dirA: string;
	let dirB: string;
	let base: number;

	/** Runs lab calls as the lab in `dir` (the lab reads HUS_LAB_DIR on every call). */
	async function asLab<T>(dir: string, fn: () => Promise<T> | T): Promise<T> {
		process.env.HUS_LAB_DIR = dir;
		try {
			return await fn();
		} finally {
			if (saved === undefined) delete process.env.HUS_LAB_DIR;
			else process.env.HUS_LAB_DIR = saved;
		}
	}

	const listen = (port: number) =>
		new Promise<net.Server>((resolve, reject) => {
			const server = net.createServer();
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => resolve(server));
		});
	const close = (server: net.Server) =>
		new Promise<void>((resolve) => server.close(() => resolve()));

	/** A base from 9081 up whose two ports nothing listens on and no lab has a config for. */
	async function freeBase(): Promise<number> {
		for (let b = 9081; b < 9600; b += 10) {
			if ([b, b + 1].some((p) => fs.existsSync(configOf(p)))) continue;
			const servers = await Promise.all([b, b + 1].map((p) => listen(p).catch(() => null)));
			await Promise.all(servers.filter((s): s is net.Server => s !== null).map(close));
			if (servers.every(Boolean)) return b;
		}
		throw new Error('no free port base between 9081 and 9600');
	}

	const databaseExists = async (site: Site, name: string) =>
		(await lab.sql(site, `SHOW DATABASES LIKE '${name}'`)).trim() === name;

	beforeAll(async () => {
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hus-two-labs-'));
		dirA = path.join(tmp, 'a');
		dirB = path.join(tmp, 'b');
		base = await freeBase();
	});

	afterAll(async () => {
		for (const dir of [dirB, dirA]) await asLab(dir, () => lab.down({ purge: true }));
		fs.rmSync(tmp, { recursive: true, force: true });
	});

	test('is refused before anything is written, with the owner named, while it runs and after it stopped', async () => {
		const [a] = await asLab(dirA, () => lab.up({ count: 1, portBase: base }));
		const configA = fs.readFileSync(configOf(base), 'utf8');
		expect(configA).toContain(`define('HUS_LAB_DIR', '${dirA}');`);

		// B wants base (A's) and base + 1 (free): refused as a whole, so not even base + 1 is written.
		const refused = asLab(dirB, () => lab.up({ count: 2, portBase: base }));
		await expect(refused).rejects.toThrow(`port ${base} belongs to the lab in ${dirA}`);
		await expect(refused).rejects.toThrow(
			/nothing was written[\s\S]*its server is running[\s\S]*down --purge/,
		);
		expect(fs.readFileSync(configOf(base), 'utf8')).toBe(configA);
		expect(fs.existsSync(configOf(base + 1))).toBe(false);
		expect(await databaseExists(a, `hus_p${base + 1}`)).toBe(false);
		expect(fs.existsSync(dirB)).toBe(false);
		// A still serves its own site: same server, same credentials.
		expect(await asLab(dirA, () => lab.sites()[0].pid)).toBe(a.pid);
		expect((await rest(a, a.admin, '/wp/v2/users/me')).status).toBe(200);

		// Stopped, A still owns its config and database: its port is free, but not B's.
		await asLab(dirA, () => lab.down());
		await expect(asLab(dirB, () => lab.up({ count: 1, portBase: base }))).rejects.toThrow(
			new RegExp(
				`port ${base} belongs to the lab in ${dirA} \\(its config ${configOf(base)}, its database hus_p${base}\\)`,
			),
		);
		expect(fs.readFileSync(configOf(base), 'utf8')).toBe(configA);
		expect(fs.existsSync(dirB)).toBe(false);
	}, 120000);

	test('a port something else listens on is refused before anything is written', async () => {
		const other = await listen(base + 1);
		try {
			await expect(asLab(dirB, () => lab.up({ count: 1, portBase: base + 1 }))).rejects.toThrow(
				`port ${base + 1} is in use by pid ${process.pid} (`,
			);
			expect(fs.existsSync(configOf(base + 1))).toBe(false);
			expect(fs.existsSync(dirB)).toBe(false);
		} finally {
			await close(other);
		}
	});

	test('the files of a lab whose dir is gone are taken over', async () => {
		fs.rmSync(dirA, { recursive: true, force: true }); // A's servers are stopped; its config and database stay
		expect(fs.existsSync(configOf(base))).toBe(true);
		const [b] = await asLab(dirB, () => lab.up({ count: 1, portBase: base }));
		expect(fs.readFileSync(configOf(base), 'utf8')).toContain(`define('HUS_LAB_DIR', '${dirB}');`);
		expect(
			await lab.sql(b, "SELECT option_value FROM wp_options WHERE option_name = 'hus_lab_dir'"),
		).toBe(`${dirB}\n`);
		expect((await rest(b, b.admin, '/wp/v2/users/me')).status).toBe(200);
	}, 120000);
});
