/** createApplicationPassword against a real lab site: the login flow, its failures, and that the login password never leaks. */
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import {
	AppPasswordError,
	createApplicationPassword,
	refuseInsecure,
	type CreatedAppPassword,
} from '../../../core/wordpress/appPassword';
import { rest } from '../../../lab/harness/wp';

const APP_NAME = `hus-test-apppw-${process.pid}`;

let site: Site;
let tmp: string;
let server: Server;
let fakeSite: string;
/** Every error and result, checked at the end for the login passwords. */
const seen: unknown[] = [];

async function listAppPasswords(userId: number): Promise<Array<{ uuid: string; name: string }>> {
	const reply = await rest(site, site.admin, `/wp/v2/users/${userId}/application-passwords`);
	expect(reply.status).toBe(200);
	return reply.body;
}

async function revoke(userId: number, uuid: string): Promise<void> {
	const reply = await rest(
		site,
		site.admin,
		`/wp/v2/users/${userId}/application-passwords/${uuid}`,
		{ method: 'DELETE' },
	);
	expect(reply.status).toBe(200);
}

async function sessions(userId: number): Promise<number> {
	return Number(
		await lab.wpEval(site, `echo count(WP_Session_Tokens::get_instance(${userId})->get_all());`),
	);
}

async function failure(promise: Promise<unknown>): Promise<AppPasswordError> {
	const outcome = await promise.then(
		(result) => result,
		(error: unknown) => error,
	);
	seen.push(outcome);
	expect(outcome).toBeInstanceOf(AppPasswordError);
	return outcome as AppPasswordError;
}

async function created(promise: Promise<CreatedAppPassword>): Promise<CreatedAppPassword> {
	const result = await promise;
	seen.push(result);
	return result;
}

function withMuPlugin<T>(name: string, php: string, fn: () => Promise<T>): Promise<T> {
	const file = path.join(tmp, `${name}.php`);
	fs.writeFileSync(file, `<?php\n${php}\n`);
	lab.installMuPlugin(site, file, name);
	return fn().finally(() => lab.removeMuPlugin(site, name));
}

beforeAll(async () => {
	site = lab.sites()[0];
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hus-apppw-'));
	// Not WordPress: any path answers 200 with an HTML page; /slow never answers.
	server = createServer((req, res) => {
		if (req.url === '/slow/wp-json/?_fields=name,authentication') return;
		res.writeHead(200, { 'content-type': 'text/html' });
		res.end('<html><body>Hello</body></html>');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	fakeSite = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server?.closeAllConnections();
	await new Promise((resolve) => server?.close(resolve));
	fs.rmSync(tmp, { recursive: true, force: true });
	// Only what these tests made: the lab's own "hus-lab" passwords must keep working.
	for (const user of [site.admin.id, site.editor.id]) {
		for (const item of await listAppPasswords(user))
			if (item.name.startsWith(APP_NAME)) await revoke(user, item.uuid);
	}
	expect((await rest(site, site.admin, '/wp/v2/users/me')).status).toBe(200);
});

describe('createApplicationPassword', () => {
	test('creates a working application password from the admin login, and logs the session out', async () => {
		const before = await listAppPasswords(1);
		const sessionsBefore = await sessions(1);
		const result = await created(
			createApplicationPassword({
				url: `${site.url}/`,
				username: 'admin',
				password: lab.ADMIN_PASSWORD,
				appName: `${APP_NAME} ok`,
			}),
		);
		expect(result).toEqual({
			url: site.url,
			username: 'admin',
			applicationPassword: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
			uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
			name: `${APP_NAME} ok`,
		});
		const after = await listAppPasswords(1);
		expect(after).toHaveLength(before.length + 1);
		expect(after.find((item) => item.uuid === result.uuid)?.name).toBe(`${APP_NAME} ok`);

		const me = await rest(
			site,
			{ ...site.admin, appPassword: result.applicationPassword },
			'/wp/v2/users/me?context=edit',
		);
		expect(me.status).toBe(200);
		expect(me.body).toMatchObject({ id: 1, username: 'admin', roles: ['administrator'] });
		expect(await sessions(1)).toBe(sessionsBefore);

		await revoke(1, result.uuid!);
		expect(
			(
				await rest(
					site,
					{ ...site.admin, appPassword: result.applicationPassword },
					'/wp/v2/users/me',
				)
			).status,
		).toBe(401);
	});

	test('accepts the email address as the login and returns the username', async () => {
		const email = (await rest(site, site.admin, '/wp/v2/users/1?context=edit')).body
			.email as string;
		const result = await created(
			createApplicationPassword({
				url: site.url,
				username: email,
				password: lab.ADMIN_PASSWORD,
				appName: `${APP_NAME} email`,
			}),
		);
		expect(result.username).toBe('admin');
		expect(
			(
				await rest(
					site,
					{ ...site.admin, appPassword: result.applicationPassword },
					'/wp/v2/users/me',
				)
			).status,
		).toBe(200);
		await revoke(1, result.uuid!);
	});

	test('a wrong password is invalid_login, creates nothing and leaves no session', async () => {
		const wrong = `${lab.ADMIN_PASSWORD}-wrong`;
		const before = await listAppPasswords(1);
		const sessionsBefore = await sessions(1);
		const error = await failure(
			createApplicationPassword({
				url: site.url,
				username: 'admin',
				password: wrong,
				appName: `${APP_NAME} bad`,
			}),
		);
		expect(error.code).toBe('invalid_login');
		expect(error.message).toMatch(/refused the login of "admin".*password you entered.*incorrect/i);
		expect(`${error.message}${JSON.stringify(error)}${error.stack}`).not.toContain(wrong);
		expect(await listAppPasswords(1)).toEqual(before);
		expect(await sessions(1)).toBe(sessionsBefore);
	});

	test('an unknown user is invalid_login', async () => {
		const error = await failure(
			createApplicationPassword({
				url: site.url,
				username: 'nobody-here',
				password: lab.ADMIN_PASSWORD,
				appName: `${APP_NAME} x`,
			}),
		);
		expect(error.code).toBe('invalid_login');
		expect(error.message).toContain('nobody-here');
	});

	test('an account that cannot edit users is forbidden, and gets no application password', async () => {
		const before = await listAppPasswords(site.editor.id);
		const sessionsBefore = await sessions(site.editor.id);
		const error = await failure(
			createApplicationPassword({
				url: site.url,
				username: 'editor',
				password: site.editor.password,
				appName: `${APP_NAME} editor`,
			}),
		);
		expect(error.code).toBe('forbidden');
		expect(error.message).toMatch(/"editor".*lacks the edit_users capability.*administrator/);
		expect(await listAppPasswords(site.editor.id)).toEqual(before);
		expect(await sessions(site.editor.id)).toBe(sessionsBefore);
	});

	test('a site whose application passwords are off is app_passwords_disabled, before the password is sent', async () => {
		const sessionsBefore = await sessions(1);
		const php = [
			"add_filter('wp_is_application_passwords_available', '__return_false', PHP_INT_MAX);",
			// Records any login attempt: there must be none.
			"add_action('wp_authenticate', function () { update_option('hus_test_login_attempt', 'yes'); });",
		].join('\n');
		const error = await withMuPlugin('hus-test-no-app-passwords', php, () =>
			failure(
				createApplicationPassword({
					url: site.url,
					username: 'admin',
					password: lab.ADMIN_PASSWORD,
					appName: `${APP_NAME} off`,
				}),
			),
		);
		expect(error.code).toBe('app_passwords_disabled');
		expect(error.message).toMatch(
			/not available on http:\/\/127\.0\.0\.1:\d+: .*HTTPS.*WP_ENVIRONMENT_TYPE=local/,
		);
		expect(
			await lab.wpEval(
				site,
				"echo var_export(get_option('hus_test_login_attempt'), true); delete_option('hus_test_login_attempt');",
			),
		).toBe('false');
		expect(await sessions(1)).toBe(sessionsBefore);
	});

	test('a 501 application_passwords_disabled from the create route is app_passwords_disabled too', async () => {
		const before = await listAppPasswords(1);
		const sessionsBefore = await sessions(1);
		// Off for the create route only, so the REST index still advertises them.
		const php = [
			"add_filter('wp_is_application_passwords_available', function ($on) { return strpos($_SERVER['REQUEST_URI'] ?? '', 'application-passwords') === false ? $on : false; }, PHP_INT_MAX);",
			"add_action('wp_authenticate', function () { update_option('hus_test_login_attempt', 'yes'); });",
		].join('\n');
		const error = await withMuPlugin('hus-test-no-app-passwords-route', php, () =>
			failure(
				createApplicationPassword({
					url: site.url,
					username: 'admin',
					password: lab.ADMIN_PASSWORD,
					appName: `${APP_NAME} off2`,
				}),
			),
		);
		expect(error).toMatchObject({
			code: 'app_passwords_disabled',
			status: 501,
			wpCode: 'application_passwords_disabled',
		});
		// Here the login did happen (the previous test relies on this detector).
		expect(
			await lab.wpEval(
				site,
				"echo get_option('hus_test_login_attempt'); delete_option('hus_test_login_attempt');",
			),
		).toBe('yes');
		expect(await listAppPasswords(1)).toEqual(before);
		expect(await sessions(1)).toBe(sessionsBefore);
	});

	test('a port nothing listens on is unreachable', async () => {
		const error = await failure(
			createApplicationPassword({
				url: 'http://127.0.0.1:1',
				username: 'admin',
				password: lab.ADMIN_PASSWORD,
				appName: APP_NAME,
			}),
		);
		expect(error.code).toBe('unreachable');
		expect(error.message).toBe('http://127.0.0.1:1 could not be reached (ECONNREFUSED)');
	});

	test('a site that does not answer in time is unreachable', async () => {
		const error = await failure(
			createApplicationPassword({
				url: `${fakeSite}/slow`,
				username: 'admin',
				password: lab.ADMIN_PASSWORD,
				appName: APP_NAME,
				timeoutMs: 300,
			}),
		);
		expect(error.code).toBe('unreachable');
		expect(error.message).toMatch(/did not answer within/);
	});

	test('a site that is not WordPress is unexpected', async () => {
		const error = await failure(
			createApplicationPassword({
				url: fakeSite,
				username: 'admin',
				password: lab.ADMIN_PASSWORD,
				appName: APP_NAME,
			}),
		);
		expect(error.code).toBe('unexpected');
		expect(error.message).toMatch(/no WordPress REST API/);
	});

	test('a URL that is not http(s) is invalid_url', async () => {
		const error = await failure(
			createApplicationPassword({
				url: 'ftp://example.test',
				username: 'admin',
				password: lab.ADMIN_PASSWORD,
				appName: APP_NAME,
			}),
		);
		expect(error.code).toBe('invalid_url');
	});

	test('no error or result contains a login password', () => {
		expect(seen.length).toBeGreaterThanOrEqual(10);
		const text = seen
			.map((item) =>
				item instanceof Error
					? `${item.message}\n${item.stack}\n${JSON.stringify(item)}`
					: JSON.stringify(item),
			)
			.join('\n');
		for (const secret of [lab.ADMIN_PASSWORD, site.editor.password])
			expect(text).not.toContain(secret);
	});
});

describe('refuseInsecure', () => {
	it.each([
		'https://shop.example',
		'http://127.0.0.1:8681',
		'http://127.9.9.9',
		'http://[::1]:8080',
		'http://localhost',
		'http://site.localhost',
	])('allows %s', (url) => {
		expect(() => refuseInsecure(url, false)).not.toThrow();
	});

	it.each(['http://shop.example', 'http://192.0.2.10', 'http://[2001:db8::1]'])(
		'refuses %s unless allowed',
		(url) => {
			expect(() => refuseInsecure(url, false)).toThrow(
				expect.objectContaining({ code: 'insecure_url' }),
			);
			expect(() => refuseInsecure(url, true)).not.toThrow();
		},
	);
});
