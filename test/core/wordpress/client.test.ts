/** The REST client: against a real lab site for the API itself, a scripted server for faults. */
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { WordPressClient } from '../../../core/wordpress/client';
import { WordPressApiError } from '../../../core/wordpress/errors';
import { UsersApi } from '../../../core/wordpress/users';
import { FaultServer } from '../../../lab/harness/faultServer';

const SECRET = 'abcd efgh ijkl mnop qrst uvwx';
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 50 } };

describe('against a real WordPress site', () => {
	let site: Site;
	let client: WordPressClient;
	beforeAll(async () => {
		site = lab.site(2);
		await lab.resetSite(site);
		await lab.seedUsers(site, 230, { prefix: 'page' });
		client = WordPressClient.create({
			url: `${site.url}/`,
			username: 'admin',
			applicationPassword: site.admin.appPassword,
		});
	});
	afterAll(() => lab.resetSite(site));

	test('lists every user across pages, first page then the rest in parallel', async () => {
		const counter = client.fork();
		const users = await new UsersApi(counter).list();
		expect(users).toHaveLength(232); // seeded + admin + editor
		expect(new Set(users.map((u) => u.id)).size).toBe(232);
		expect(counter.requests).toBe(3);
		expect(users[0]).toMatchObject({ id: 1, username: 'admin', roles: ['administrator'] });
	});

	test('honours a limit and role and search filters', async () => {
		const api = new UsersApi(client);
		expect(await api.list({ limit: 7 })).toHaveLength(7);
		expect(await api.list({ roles: ['editor'] })).toEqual([
			expect.objectContaining({ username: 'editor' }),
		]);
		expect((await api.list({ search: 'page12' })).map((u) => u.username).sort()).toEqual(
			['page12', ...Array.from({ length: 10 }, (_, i) => `page12${i}`)].sort(),
		);
	});

	test('finds users by exact email and login, not by substring', async () => {
		const api = new UsersApi(client);
		expect((await api.findByEmail('PAGE12@example.test'))?.username).toBe('page12');
		expect(await api.findByEmail('age12@example.test')).toBeUndefined();
		expect((await api.findByLogin('page1'))?.username).toBe('page1');
		expect(await api.findByLogin('page')).toBeUndefined();
	});

	test('a duplicate email on create is a conflict carrying WordPress’s code, not a crash', async () => {
		const api = new UsersApi(client);
		const error = await api
			.create({ username: 'dupe-login', email: 'page1@example.test', password: 'long-enough-pass' })
			.catch((e) => e);
		expect(error).toBeInstanceOf(WordPressApiError);
		expect(error).toMatchObject({ kind: 'conflict', status: 500, code: 'existing_user_email' });
		const login = await api
			.create({ username: 'page1', email: 'new-page1@example.test', password: 'long-enough-pass' })
			.catch((e) => e);
		expect(login).toMatchObject({ kind: 'conflict', code: 'existing_user_login' });
	});

	test('wrong credentials: an auth error whose message holds no secret', async () => {
		const bad = WordPressClient.create({
			url: site.url,
			username: 'admin',
			applicationPassword: SECRET,
		});
		const error = await new UsersApi(bad).me().catch((e) => e);
		expect(error).toMatchObject({ kind: 'auth', status: 401 });
		expect(`${error.message} ${JSON.stringify(error)} ${error.stack}`).not.toContain('abcd');
	});
});

describe('faults, with a scripted server', () => {
	const server = new FaultServer();
	let url: string;
	beforeAll(async () => {
		url = await server.start();
	});
	afterAll(() => server.stop());
	const clientFor = (options = {}) =>
		WordPressClient.create(
			{ url, username: 'admin', applicationPassword: SECRET },
			{ ...fast, ...options },
		);

	test('retries 503 and 429 then succeeds, counting every attempt', async () => {
		server.play([{ status: 503 }, { status: 429, headers: { 'Retry-After': '0' } }], {
			status: 200,
			body: { ok: true },
		});
		const client = clientFor();
		const response = await client.request({ method: 'GET', path: '/wp/v2/users/me' });
		expect(response.data).toEqual({ ok: true });
		expect(client.requests).toBe(3);
		expect(server.requests[0].authorization).toBe(
			`Basic ${Buffer.from(`admin:${SECRET}`).toString('base64')}`,
		);
	});

	test('waits as long as Retry-After says', async () => {
		server.play([{ status: 429, headers: { 'Retry-After': '1' } }], { status: 200, body: {} });
		const started = Date.now();
		await clientFor({ retry: { baseDelayMs: 1, maxDelayMs: 5000 } }).request({
			method: 'GET',
			path: '/x',
		});
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	});

	test('gives up after the configured retries with an "unavailable" error', async () => {
		server.play([], { status: 502, body: '<html>bad gateway</html>' });
		const client = clientFor({ retry: { retries: 2, baseDelayMs: 1 } });
		const error = await client.request({ method: 'GET', path: '/wp/v2/users' }).catch((e) => e);
		expect(error).toMatchObject({ kind: 'unavailable', status: 502 });
		expect(client.requests).toBe(3);
	});

	test('does not retry a 500 that carries a WordPress error code', async () => {
		server.play([
			{
				status: 500,
				body: { code: 'existing_user_login', message: 'Sorry, that username already exists!' },
			},
		]);
		const client = clientFor();
		const error = await client
			.request({ method: 'POST', path: '/wp/v2/users', data: {} })
			.catch((e) => e);
		expect(error).toMatchObject({ kind: 'conflict', code: 'existing_user_login' });
		expect(client.requests).toBe(1);
	});

	test('retries a dropped connection, and reports "network" when it keeps dropping', async () => {
		server.play([{ destroy: true }], { status: 200, body: {} });
		const recovered = clientFor();
		await recovered.request({ method: 'GET', path: '/x' });
		expect(recovered.requests).toBe(2);

		server.play([], { destroy: true });
		const error = await clientFor({ retry: { retries: 1, baseDelayMs: 1 } })
			.request({ method: 'GET', path: '/x' })
			.catch((e) => e);
		expect(error).toMatchObject({ kind: 'network' });
		expect(error.message).not.toContain(SECRET);
	});

	test('times out slow answers', async () => {
		server.play([], { status: 200, body: {}, delayMs: 400 });
		const error = await clientFor({ timeoutMs: 100, retry: { retries: 0 } })
			.request({ method: 'GET', path: '/slow' })
			.catch((e) => e);
		expect(error).toMatchObject({ kind: 'timeout' });
	});

	test('keeps at most `concurrency` requests in flight', async () => {
		server.play([], { status: 200, body: {}, delayMs: 30 });
		const client = clientFor({ concurrency: 3 });
		await Promise.all(
			Array.from({ length: 12 }, () => client.request({ method: 'GET', path: '/x' })),
		);
		expect(server.maxInFlight).toBe(3);
	});

	test('an answer that is not JSON is a clear bad_response', async () => {
		server.play([
			{ status: 200, body: '<html>login</html>', headers: { 'Content-Type': 'text/html' } },
		]);
		const error = await clientFor()
			.request({ method: 'GET', path: '/x' })
			.catch((e) => e);
		expect(error).toMatchObject({ kind: 'bad_response' });
		expect(error.message).toMatch(/not JSON/);
	});

	test('an unreachable site is a network error naming the site', async () => {
		const closed = WordPressClient.create(
			{ url: 'http://127.0.0.1:9', username: 'a', applicationPassword: SECRET },
			{ ...fast, retry: { retries: 1, baseDelayMs: 1 } },
		);
		const error = await closed.request({ method: 'GET', path: '/x' }).catch((e) => e);
		expect(error).toMatchObject({ kind: 'network', site: 'http://127.0.0.1:9' });
		expect(error.message).toMatch(/could not be reached/);
	});

	test('writes carry the propagation path header for the bridge; reads do not', async () => {
		const user = { id: 9, username: 'u', email: 'u@example.test' };
		server.play([], { status: 200, body: user });
		const api = new UsersApi(clientFor(), ['https://a.example', 'https://b.example']);
		await api.update(9, { first_name: 'X' });
		await api.delete(9, 1);
		expect(server.requests.map((r) => [r.method, r.path])).toEqual([
			['POST', 'https://a.example,https://b.example'],
			['DELETE', 'https://a.example,https://b.example'],
		]);
		server.play([], { status: 200, body: [user] });
		await api.findByLogin('u');
		expect(server.requests.map((r) => r.path)).toEqual([undefined]);
	});

	test('forks count their own requests and add to the parent', async () => {
		server.play([], { status: 200, body: {} });
		const root = clientFor();
		const a = root.fork();
		const b = root.fork();
		await a.request({ method: 'GET', path: '/a' });
		await b.request({ method: 'GET', path: '/b' });
		await b.request({ method: 'GET', path: '/b' });
		expect([a.requests, b.requests, root.requests]).toEqual([1, 2, 3]);
	});
});
