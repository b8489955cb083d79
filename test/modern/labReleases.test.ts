/**
 * The lab's WordPress releases and servers, per site: a temporary lab of its own switches one site between
 * WordPress 6.1 and 6.8 and between php -S and nginx + PHP-FPM, keeps what it recorded when `up` names nothing,
 * and `down` stops every process it started.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';

const configOf = (port: number) => `/etc/wordpress/config-hus-p${port}.php`;

const alive = (pid: number | undefined) => {
	if (!pid) return false;
	try {
		process.kill(pid, 0);
		return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
};

async function portFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/** A port from 9601 up that nothing listens on and no lab has a config for. */
async function freePort(): Promise<number> {
	for (let p = 9601; p < 9700; p += 3)
		if (!fs.existsSync(configOf(p)) && (await portFree(p))) return p;
	throw new Error('no free port between 9601 and 9700');
}

/** What the site serves over HTTP: its WordPress release (the feed's generator) and its web server. */
async function served(site: Site): Promise<{ version: string | undefined; server: string }> {
	const res = await fetch(`${site.url}/feed/`);
	const text = await res.text();
	return {
		version: text.match(/<generator>https:\/\/wordpress\.org\/\?v=([^<]+)<\/generator>/)?.[1],
		server: res.headers.get('server') ?? '',
	};
}

describe('lab: WordPress release and server per site', () => {
	const saved = Object.fromEntries(
		['HUS_LAB_DIR', 'HUS_LAB_WP', 'HUS_LAB_SERVER'].map((k) => [k, process.env[k]]),
	);
	let dir: string;
	let port: number;

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hus-lab-releases-'));
		port = await freePort();
		process.env.HUS_LAB_DIR = dir;
		delete process.env.HUS_LAB_WP; // only what each test names
		delete process.env.HUS_LAB_SERVER;
	});

	afterAll(async () => {
		await lab.down({ purge: true });
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
		fs.rmSync(dir, { recursive: true, force: true });
	});

	test('one site moves from 6.1 under php -S to 6.8 under nginx + PHP-FPM and back, installed afresh each time', async () => {
		const [old] = await lab.up({ count: 1, portBase: port, wp: '6.1', server: 'php' });
		expect(old).toMatchObject({
			wpVersion: '6.1.9',
			wpRoot: '/usr/share/wordpress',
			server: 'php',
		});
		expect(await served(old)).toEqual({ version: '6.1.9', server: '' });
		const marker = `kept-${Date.now()}`;
		await lab.wpEval(old, `update_option('hus_release_marker', '${marker}');`);

		const [modern] = await lab.up({ count: 1, portBase: port, wp: '6.8', server: 'fpm' });
		expect(modern).toMatchObject({ wpVersion: '6.8.7', server: 'fpm', url: old.url, db: old.db });
		expect(modern.wpRoot).toMatch(/\/wordpress-6\.8\.7$/);
		expect(modern.fpmPid).toEqual(expect.any(Number));
		expect(await served(modern)).toEqual({
			version: '6.8.7',
			server: expect.stringMatching(/^nginx\//),
		});
		// php -S is gone; the 6.1 database was not run by 6.8 code: a new install, new application passwords.
		expect(alive(old.pid)).toBe(false);
		expect(
			await lab.wpEval(
				modern,
				"echo get_option('hus_release_marker', 'none'), '|', get_option('db_version');",
			),
		).toBe('none|60421');
		expect(modern.admin.appPassword).not.toBe(old.admin.appPassword);
		expect((await rest(modern, modern.admin, '/wp/v2/users/me?context=edit')).status).toBe(200);
		// 6.8's application passwords are $generic$ hashes; the admin's password a bcrypt one.
		expect(await lab.sql(modern, 'SELECT LEFT(user_pass, 4) FROM wp_users WHERE ID = 1')).toBe(
			'$wp$\n',
		);
		expect(
			await lab.sql(
				modern,
				"SELECT meta_value LIKE '%$generic$%' FROM wp_usermeta WHERE user_id = 1 AND meta_key = '_application_passwords'",
			),
		).toBe('1\n');

		// Named nothing: it keeps its release, server, processes and application passwords (checked the 6.8 way).
		const [kept] = await lab.up({ count: 1, portBase: port });
		expect(kept).toMatchObject({
			wpVersion: '6.8.7',
			server: 'fpm',
			pid: modern.pid,
			fpmPid: modern.fpmPid,
		});
		expect(kept.admin.appPassword).toBe(modern.admin.appPassword);
		expect(kept.editor.appPassword).toBe(modern.editor.appPassword);
		expect(lab.sites()).toEqual([kept]);

		// nginx + PHP-FPM are stopped by down (their pid files are in the site's dir), started again by up.
		const pidFiles = ['nginx.pid', 'php-fpm.pid'].map((f) => path.join(kept.dir, f));
		expect(pidFiles.every((f) => fs.existsSync(f))).toBe(true);
		await lab.down();
		expect(alive(kept.pid)).toBe(false);
		expect(alive(kept.fpmPid)).toBe(false);
		expect(pidFiles.some((f) => fs.existsSync(f))).toBe(false);
		const [again] = await lab.up({ count: 1, portBase: port });
		expect(again).toMatchObject({ wpVersion: '6.8.7', server: 'fpm' });
		expect(again.admin.appPassword).toBe(modern.admin.appPassword);

		// And back to 6.1 under php -S.
		const [back] = await lab.up({ count: 1, portBase: port, wp: '6.1.9', server: 'php' });
		expect(await served(back)).toEqual({ version: '6.1.9', server: '' });
		expect(alive(again.pid)).toBe(false);
		expect(alive(again.fpmPid)).toBe(false);
		expect(await lab.wpEval(back, "echo get_option('db_version');")).toBe('53496');
	}, 180000);

	test('an unknown release or server is refused before anything starts', async () => {
		await expect(lab.up({ count: 1, portBase: port, wp: '5.9' })).rejects.toThrow(
			'WordPress "5.9": the lab runs 6.1 and 6.8',
		);
		await expect(lab.up({ count: 1, portBase: port, server: 'apache' })).rejects.toThrow(
			'server "apache": the lab runs php',
		);
	});
});
