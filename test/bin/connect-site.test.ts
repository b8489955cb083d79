/** The built harmonyuser-connect CLI (dist/bin/connect-site.js, run `npm run build` first) against a real lab site. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';

const CLI = path.resolve(__dirname, '../../dist/bin/connect-site.js');
const APP_NAME = `hus-test-cli-${process.pid}`;

let site: Site;

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs the CLI with Node 24 (the test runner's own), stdin piped (so not a TTY). */
function cli(args: string[], stdin = ''): Promise<Run> {
	return new Promise((resolve, reject) => {
		// A CLI test has to run the CLI: a fixed command (Node and the built file), no shell, no user input.
		const child = spawn(process.execPath, [CLI, ...args], {
			stdio: ['pipe', 'pipe', 'pipe'],
			env: { PATH: process.env.PATH ?? '' },
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill(), 30_000);
		child.on('error', reject);
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
		child.stdin.end(stdin);
	});
}

async function appPasswords(): Promise<Array<{ uuid: string; name: string }>> {
	const reply = await rest(site, site.admin, '/wp/v2/users/1/application-passwords');
	expect(reply.status).toBe(200);
	return reply.body;
}

beforeAll(() => {
	if (!fs.existsSync(CLI))
		throw new Error(`${CLI} is missing: build the package first (npm run build)`);
	site = lab.sites()[0];
});

afterAll(async () => {
	// Only the passwords these tests created: the lab's own must keep working.
	for (const item of await appPasswords()) {
		if (item.name.startsWith(APP_NAME))
			await rest(site, site.admin, `/wp/v2/users/1/application-passwords/${item.uuid}`, {
				method: 'DELETE',
			});
	}
	expect((await rest(site, site.admin, '/wp/v2/users/me')).status).toBe(200);
});

describe('harmonyuser-connect', () => {
	test('prints the site, username and a working application password, never the admin password', async () => {
		const run = await cli(
			['--url', site.url, '--user', 'admin', '--name', `${APP_NAME} text`],
			`${lab.ADMIN_PASSWORD}\n`,
		);
		expect(run).toMatchObject({ code: 0, stderr: '' });
		expect(run.stdout).toContain(`Site URL:              ${site.url}\n`);
		expect(run.stdout).toContain('Username:              admin\n');
		const applicationPassword = run.stdout.match(/Application Password: +(\S+)\n/)?.[1];
		expect(applicationPassword).toMatch(/^[A-Za-z0-9]{24}$/);
		expect(run.stdout).not.toContain(lab.ADMIN_PASSWORD);

		const me = await rest(
			site,
			{ ...site.admin, appPassword: applicationPassword! },
			'/wp/v2/users/me?context=edit',
		);
		expect(me.status).toBe(200);
		expect(me.body).toMatchObject({ id: 1, roles: ['administrator'] });
		expect((await appPasswords()).filter((item) => item.name === `${APP_NAME} text`)).toHaveLength(
			1,
		);
	});

	test('--json prints the result as JSON; --url=, --username= and a CRLF line end work', async () => {
		const run = await cli(
			[`--url=${site.url}/`, '--username=admin', '--json', `--name=${APP_NAME} json`],
			`${lab.ADMIN_PASSWORD}\r\n`,
		);
		expect(run).toMatchObject({ code: 0, stderr: '' });
		const result = JSON.parse(run.stdout);
		expect(result).toEqual({
			url: site.url,
			username: 'admin',
			applicationPassword: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
			uuid: expect.any(String),
			name: `${APP_NAME} json`,
		});
		expect(run.stdout).not.toContain(lab.ADMIN_PASSWORD);
		expect(
			(
				await rest(
					site,
					{ ...site.admin, appPassword: result.applicationPassword },
					'/wp/v2/users/me',
				)
			).status,
		).toBe(200);
	});

	test('a wrong password exits 1 with one clear line on stderr, creating nothing', async () => {
		const wrong = `${lab.ADMIN_PASSWORD}-wrong`;
		const before = await appPasswords();
		const run = await cli(
			['--url', site.url, '--user', 'admin', '--name', `${APP_NAME} bad`],
			`${wrong}\n`,
		);
		expect(run.code).toBe(1);
		expect(run.stdout).toBe('');
		expect(run.stderr).toMatch(
			/^harmonyuser-connect: WordPress refused the login of "admin" on http:\/\/127\.0\.0\.1:\d+: .*incorrect\.\n$/,
		);
		expect(run.stderr).not.toContain(wrong);
		expect(await appPasswords()).toEqual(before);
	});

	test('an unreachable site exits 1', async () => {
		const run = await cli(['--url', 'http://127.0.0.1:1', '--user', 'admin'], 'whatever\n');
		expect(run).toMatchObject({
			code: 1,
			stdout: '',
			stderr: 'harmonyuser-connect: http://127.0.0.1:1 could not be reached (ECONNREFUSED)\n',
		});
	});

	test.each([
		[['--user', 'admin'], /--url is required/],
		[['--url', 'http://127.0.0.1:1'], /--user is required/],
		[['--url', 'ftp://x', '--user', 'admin'], /Not a site URL/],
		[
			['--url', 'http://127.0.0.1:1', '--user', 'admin', '--password', 'hunter22'],
			/never taken from the command line/,
		],
		[
			['--url', 'http://127.0.0.1:1', '--user', 'admin', '--verbose'],
			/unknown argument "--verbose"/,
		],
		[['--url'], /--url needs a value/],
	])('usage error %j exits 2', async (args, message) => {
		const run = await cli(args, 'x\n');
		expect(run.code).toBe(2);
		expect(run.stdout).toBe('');
		expect(run.stderr).toMatch(message);
		expect(run.stderr).not.toContain('hunter22');
	});

	test('plain http:// to another host is refused before any password is asked; --insecure lets it try', async () => {
		const refused = await cli(['--url', 'http://192.0.2.10', '--user', 'admin'], 'secret-pw\n');
		expect(refused).toMatchObject({ code: 2, stdout: '' });
		expect(refused.stderr).toMatch(/plain http:\/\/ on another host.*--insecure/);
		// Loopback never leaves the machine: allowed (and unreachable here).
		expect((await cli(['--url', 'http://localhost:1', '--user', 'admin'], 'x\n')).stderr).toMatch(
			/could not be reached/,
		);
		const forced = await cli(
			['--url', 'http://127.0.0.1:1', '--user', 'admin', '--insecure'],
			'x\n',
		);
		expect(forced.code).toBe(1);
	});

	test('an empty stdin exits 2', async () => {
		const run = await cli(['--url', site.url, '--user', 'admin'], '');
		expect(run).toMatchObject({ code: 2, stdout: '' });
		expect(run.stderr).toMatch(/no password on stdin/);
	});

	test('--help prints the usage and exits 0', async () => {
		const run = await cli(['--help']);
		expect(run).toMatchObject({ code: 0, stderr: '' });
		expect(run.stdout).toMatch(
			/^Usage: harmonyuser-connect --url <site URL> --user <admin username>/,
		);
		expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
	});
});
