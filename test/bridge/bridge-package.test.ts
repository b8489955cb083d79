/** The bridge plugin as a package: php -l lint, the ZIP build, uninstall.php against a real lab site. */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';
import {
	NS,
	PLUGIN_DIR,
	SLUG,
	installBridge,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';

const BRIDGE = path.join(__dirname, '..', '..', 'bridge');

function sourceFiles(dir: string, rel = ''): string[] {
	return fs
		.readdirSync(path.join(dir, rel), { withFileTypes: true })
		.filter((e) => !e.name.startsWith('.'))
		.flatMap((e) =>
			e.isDirectory()
				? sourceFiles(dir, path.posix.join(rel, e.name))
				: [path.posix.join(rel, e.name)],
		);
}

describe('bridge plugin: package', () => {
	let tmp: string;
	beforeAll(() => {
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hus-bridge-'));
	});
	afterAll(() => {
		fs.rmSync(tmp, { recursive: true, force: true });
	});

	test('has the expected files, all php -l clean (lint.sh)', () => {
		const files = sourceFiles(PLUGIN_DIR);
		expect(files).toEqual(
			expect.arrayContaining([
				`${SLUG}.php`,
				'uninstall.php',
				'readme.txt',
				'includes/events.php',
				'includes/queue.php',
			]),
		);
		const out = execFileSync('bash', [path.join(BRIDGE, 'lint.sh')], { encoding: 'utf8' });
		expect(out).toMatch(/files OK/);
		const header = fs.readFileSync(path.join(PLUGIN_DIR, `${SLUG}.php`), 'utf8');
		expect(header).toMatch(/Plugin Name:\s+HarmonyUser Sync Bridge/);
		expect(fs.readFileSync(path.join(PLUGIN_DIR, 'readme.txt'), 'utf8')).toMatch(/\$wp\$2y\$/);
	});

	test('lint.sh fails on a PHP syntax error', () => {
		const dir = path.join(tmp, 'lintcase');
		fs.mkdirSync(path.join(dir, SLUG), { recursive: true });
		fs.copyFileSync(path.join(BRIDGE, 'lint.sh'), path.join(dir, 'lint.sh'));
		fs.writeFileSync(path.join(dir, SLUG, 'broken.php'), '<?php function (');
		const r = spawnSync('bash', [path.join(dir, 'lint.sh')], { encoding: 'utf8' });
		expect(r.status).not.toBe(0);
	});

	test('build-zip.js writes a valid ZIP with the harmonyuser-sync-bridge/ folder', () => {
		const zip = path.join(tmp, `${SLUG}.zip`);
		execFileSync(process.execPath, [path.join(BRIDGE, 'build-zip.js'), zip], { encoding: 'utf8' });
		const test = spawnSync('unzip', ['-t', zip], { encoding: 'utf8' });
		expect(test.status).toBe(0);
		const listing = execFileSync('python3', ['-m', 'zipfile', '-l', zip], { encoding: 'utf8' });
		const names = listing
			.split('\n')
			.slice(1)
			.map((l) => l.split(/\s+\d{4}-\d\d-\d\d/)[0].trim())
			.filter(Boolean);
		for (const f of sourceFiles(PLUGIN_DIR)) expect(names).toContain(`${SLUG}/${f}`);
		expect(names.every((n) => n.startsWith(`${SLUG}/`))).toBe(true);
		const main = execFileSync('unzip', ['-p', zip, `${SLUG}/${SLUG}.php`]);
		expect(main.equals(fs.readFileSync(path.join(PLUGIN_DIR, `${SLUG}.php`)))).toBe(true);
	});

	describe('uninstall', () => {
		let site: Site;
		beforeAll(() => {
			site = lab.sites()[2] ?? lab.sites()[0];
		});

		test('deactivation unschedules cron; uninstall.php drops the tables, options, cron events and meta', async () => {
			await installBridge(site);
			const login = uniqueLogin('buni');
			const created = await rest(site, site.admin, '/wp/v2/users', {
				method: 'POST',
				body: { username: login, email: `${login}@bridge.test`, password: 'Uninst-pass-1' },
			});
			expect(created.status).toBe(201);
			const hook = await rest(site, site.admin, `${NS}/webhooks`, {
				method: 'POST',
				body: { url: 'http://127.0.0.1:9/x', secret: randomBytes(16).toString('hex') },
			});
			expect(hook.status).toBe(201);
			expect(
				await lab.wpEval(
					site,
					"echo wp_next_scheduled('harmonyuser_bridge_run_queue') ? 'yes' : 'no';",
				),
			).toBe('yes');
			expect(
				(await lab.sql(site, "SHOW TABLES LIKE 'wp_harmonyuser%'")).trim().split('\n').sort(),
			).toEqual(['wp_harmonyuser_queue', 'wp_harmonyuser_tombstones']);

			await removeBridge(site);
			expect(
				await lab.wpEval(
					site,
					"echo wp_next_scheduled('harmonyuser_bridge_run_queue') ? 'yes' : 'no';",
				),
			).toBe('no');
			await lab.wpEval(
				site,
				`define('WP_UNINSTALL_PLUGIN', '${SLUG}/${SLUG}.php'); include ${JSON.stringify(path.join(PLUGIN_DIR, 'uninstall.php'))}; echo 'done';`,
			);
			expect((await lab.sql(site, "SHOW TABLES LIKE 'wp_harmonyuser%'")).trim()).toBe('');
			expect(
				(
					await lab.sql(
						site,
						"SELECT COUNT(*) FROM wp_options WHERE option_name LIKE 'harmonyuser%'",
					)
				).trim(),
			).toBe('0');
			expect(
				(
					await lab.sql(site, "SELECT COUNT(*) FROM wp_usermeta WHERE meta_key LIKE 'harmonyuser%'")
				).trim(),
			).toBe('0');
			expect(
				await lab.wpEval(site, "echo (string) wp_next_scheduled('harmonyuser_bridge_run_queue');"),
			).toBe('');
			// reinstalling starts clean
			await installBridge(site);
			expect(
				(await lab.sql(site, "SHOW TABLES LIKE 'wp_harmonyuser%'")).trim().split('\n'),
			).toHaveLength(2);
			expect((await rest(site, site.admin, `${NS}/webhooks`)).body).toEqual([]);
			await removeBridge(site);
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${created.body.id}; DELETE FROM wp_users WHERE ID = ${created.body.id};`,
			);
		});
	});
});
