/**
 * The fake answers as WordPress 6.1 does where the sync core depends on it (../shared/notes/wordpress.md, and the
 * integration tests against real sites): if the fake drifts, the core's unit tests would prove nothing.
 */
import { FakeWordPress } from './fakeWordPress';

let wp: FakeWordPress;
let auth: string;
beforeAll(async () => {
	wp = await new FakeWordPress({ registeredMeta: ['favorite_color'] }).start();
	auth = `Basic ${Buffer.from(`${wp.admin.username}:${wp.admin.applicationPassword}`).toString('base64')}`;
	wp.addUser({ username: 'bob', email: 'bob@x.test' });
	wp.addUser({ username: 'jimbob', email: 'jimbob@x.test' });
	wp.seed(120, 'page');
});
afterAll(() => wp.stop());

async function rest(
	route: string,
	init: { method?: string; body?: unknown; anonymous?: boolean } = {},
) {
	const res = await fetch(`${wp.url}/wp-json${route}`, {
		method: init.method ?? 'GET',
		headers: {
			'Content-Type': 'application/json',
			...(init.anonymous ? {} : { Authorization: auth }),
		},
		body: init.body === undefined ? undefined : JSON.stringify(init.body),
	});
	return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

test('lists in pages of at most 100, with the totals in headers', async () => {
	const page = await rest('/wp/v2/users?context=edit&per_page=100&page=2&orderby=id&order=asc');
	expect(page.status).toBe(200);
	expect(page.headers.get('x-wp-total')).toBe('123');
	expect(page.headers.get('x-wp-totalpages')).toBe('2');
	expect(page.body).toHaveLength(23);
	expect((await rest('/wp/v2/users?per_page=101')).body).toMatchObject({
		code: 'rest_invalid_param',
	});
});

test('a user in context edit, _fields honoured; registered meta reads "" when unset', async () => {
	const [bob] = (
		await rest(
			'/wp/v2/users?context=edit&search=bob@x.test&_fields=id,username,email,roles,meta,locale',
		)
	).body;
	expect(bob).toEqual({
		id: 2,
		username: 'bob',
		email: 'bob@x.test',
		roles: ['subscriber'],
		meta: { favorite_color: '' },
		locale: 'en_US',
	});
	const [viewOnly] = (await rest('/wp/v2/users?search=jimbob')).body;
	expect(viewOnly.username).toBeUndefined();
});

test('search is a substring match; a term with @ searches the email only', async () => {
	const logins = async (term: string) =>
		(await rest(`/wp/v2/users?context=edit&search=${encodeURIComponent(term)}`)).body.map(
			(u: { username: string }) => u.username,
		);
	expect(await logins('bob@x.test')).toEqual(['bob', 'jimbob']);
	expect(await logins('BOB')).toEqual(['bob', 'jimbob']);
	expect(await logins('page1@')).toEqual(['page1']);
});

test('creates answer 201; duplicates 500 existing_user_login (first) or existing_user_email; a missing role 400', async () => {
	const created = await rest('/wp/v2/users?context=edit', {
		method: 'POST',
		body: { username: 'new1', email: 'new1@x.test', password: 'pw-long-enough' },
	});
	expect(created).toMatchObject({
		status: 201,
		body: { username: 'new1', roles: ['subscriber'], name: 'new1' },
	});
	expect(created.body.password).toBeUndefined();
	const both = await rest('/wp/v2/users', {
		method: 'POST',
		body: { username: 'BOB', email: 'bob@x.test', password: 'pw' },
	});
	expect(both).toMatchObject({
		status: 500,
		body: { code: 'existing_user_login', message: 'Sorry, that username already exists!' },
	});
	const email = await rest('/wp/v2/users', {
		method: 'POST',
		body: { username: 'bob2', email: 'BOB@x.test', password: 'pw' },
	});
	expect(email).toMatchObject({
		status: 500,
		body: { code: 'existing_user_email', message: 'Sorry, that email address is already used!' },
	});
	const role = await rest('/wp/v2/users', {
		method: 'POST',
		body: { username: 'r', email: 'r@x.test', password: 'pw', roles: ['customer'] },
	});
	expect(role).toMatchObject({
		status: 400,
		body: { code: 'rest_user_invalid_role', message: 'The role customer does not exist.' },
	});
	const missing = await rest('/wp/v2/users', { method: 'POST', body: { username: 'm' } });
	expect(missing).toMatchObject({ status: 400, body: { code: 'rest_missing_callback_param' } });
});

test('updates: another user’s email 400, a missing user 404, unregistered meta ignored, roles replaced', async () => {
	const bob = wp.user('bob')?.id;
	expect(
		await rest(`/wp/v2/users/${bob}`, { method: 'POST', body: { email: 'jimbob@x.test' } }),
	).toMatchObject({ status: 400, body: { code: 'rest_user_invalid_email' } });
	expect(
		await rest('/wp/v2/users/9999', { method: 'POST', body: { first_name: 'X' } }),
	).toMatchObject({ status: 404, body: { code: 'rest_user_invalid_id' } });
	const updated = await rest(`/wp/v2/users/${bob}?context=edit`, {
		method: 'POST',
		body: { roles: ['editor'], meta: { favorite_color: 'red', unknown_key: 'x' } },
	});
	expect(updated.body).toMatchObject({ roles: ['editor'], meta: { favorite_color: 'red' } });
	expect(updated.body.meta.unknown_key).toBeUndefined();
});

test('deletes need force=true and reassign', async () => {
	const id = wp.addUser({ username: 'tmp' }).id;
	expect(await rest(`/wp/v2/users/${id}?reassign=1`, { method: 'DELETE' })).toMatchObject({
		status: 501,
		body: { code: 'rest_trash_not_supported' },
	});
	expect(await rest(`/wp/v2/users/${id}?force=true`, { method: 'DELETE' })).toMatchObject({
		status: 400,
		body: { code: 'rest_missing_callback_param' },
	});
	expect(
		await rest(`/wp/v2/users/${id}?force=true&reassign=${id}`, { method: 'DELETE' }),
	).toMatchObject({ status: 400, body: { code: 'rest_user_invalid_reassign' } });
	expect(
		await rest(`/wp/v2/users/${id}?force=true&reassign=1&_fields=deleted`, { method: 'DELETE' }),
	).toEqual(expect.objectContaining({ status: 200, body: { deleted: true } }));
	expect(wp.user('tmp')).toBeUndefined();
});

test('core 6.1 refuses user routes in /batch/v1 item by item (207), and more than 25 requests at all', async () => {
	const batch = await rest('/batch/v1', {
		method: 'POST',
		body: { validation: 'normal', requests: [{ method: 'POST', path: '/wp/v2/users', body: {} }] },
	});
	expect(batch).toMatchObject({
		status: 207,
		body: { responses: [{ status: 400, body: { code: 'rest_batch_not_allowed' }, headers: {} }] },
	});
	const tooMany = await rest('/batch/v1', {
		method: 'POST',
		body: { requests: Array.from({ length: 26 }, () => ({ path: '/wp/v2/users' })) },
	});
	expect(tooMany).toMatchObject({ status: 400, body: { code: 'rest_invalid_param' } });
	expect(
		(await rest('/wp/v2/users', { method: 'OPTIONS' })).body.endpoints[1].allow_batch,
	).toBeUndefined();
});

test('without the bridge its routes do not exist; without credentials the users routes answer 401', async () => {
	expect(await rest('/harmonyuser/v1/info')).toMatchObject({
		status: 404,
		body: { code: 'rest_no_route', data: { status: 404 } },
	});
	expect(await rest('/wc/v3/customers/1')).toMatchObject({
		status: 404,
		body: { code: 'rest_no_route' },
	});
	expect(await rest('/wp/v2/users/me?context=edit', { anonymous: true })).toMatchObject({
		status: 401,
		body: { code: 'rest_not_logged_in' },
	});
	expect(await rest('/wp/v2/users?context=edit', { anonymous: true })).toMatchObject({
		status: 401,
		body: { code: 'rest_forbidden_context' },
	});
});

test('counts every request by route; a batch counts once', async () => {
	wp.reset();
	await rest('/wp/v2/users/me?context=edit');
	await rest('/batch/v1', {
		method: 'POST',
		body: { requests: [{ path: '/wp/v2/users' }, { path: '/wp/v2/users/2' }] },
	});
	expect(wp.routesServed()).toEqual(['GET /wp/v2/users/me', 'POST /batch/v1']);
	expect(wp.batches[0].map((item) => item.route)).toEqual([
		'POST /wp/v2/users',
		'POST /wp/v2/users/:id',
	]);
	expect(wp.writes()).toHaveLength(1);
});
