/** Manual sync in n8n's real engine: Get Users on A → Upsert Users / Delete Users on B. */
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { SyncResult } from '../../../core/sync/result';
import { credentialOf, runChain, runSync, uniqueLogin } from '../../../lab/harness/sync';
import { findUser, rest } from '../../../lab/harness/wp';

let A: Site;
let B: Site;
let prefix: string;

beforeAll(async () => {
	[A, B] = lab.sites();
	prefix = uniqueLogin('manual');
	await lab.seedUsers(A, 5, { prefix, role: 'author' });
});

const chosen = () => ({ filters: { search: prefix } });

test('Get Users returns sync-ready records that carry their site', async () => {
	const { json, pairedItems } = await runSync({
		site: A,
		operation: 'getUsers',
		input: [{}],
		parameters: chosen(),
	});
	expect(json).toHaveLength(5);
	expect(json[0]).toMatchObject({
		site: A.url,
		login: `${prefix}1`,
		email: `${prefix}1@example.test`,
		roles: ['author'],
	});
	expect(pairedItems.every((p) => JSON.stringify(p) === '{"item":0}')).toBe(true);

	const limited = await runSync({
		site: A,
		operation: 'getUsers',
		input: [{}],
		parameters: { ...chosen(), returnAll: false, limit: 2 },
	});
	expect(limited.json).toHaveLength(2);
});

test('Upsert Users copies the chosen users, then finds nothing to change', async () => {
	const steps = [
		{ site: A, operation: 'getUsers' as const, parameters: chosen() },
		{ site: B, operation: 'upsertUsers' as const },
	];
	const first = await runChain(steps);
	const results = first.outputs[1] as unknown as SyncResult[];
	expect(results.map((r) => [r.status, r.action, r.source])).toEqual(
		Array(5).fill(['synced', 'create', A.url]),
	);
	expect(results[0].path).toEqual([A.url, B.url]);
	expect(await findUser(B, `${prefix}3`)).toMatchObject({ roles: ['author'], last_name: 'User 3' });

	const second = await runChain(steps);
	expect((second.outputs[1] as unknown as SyncResult[]).map((r) => r.reason)).toEqual(
		Array(5).fill('unchanged'),
	);
});

test('Upsert Users takes plain records (a form) with the Source Site URL setting', async () => {
	const login = uniqueLogin('form');
	const { results } = await runSync({
		site: B,
		operation: 'upsertUsers',
		input: [{ login, email: `${login}@example.test`, firstName: 'Form', roles: ['subscriber'] }],
		parameters: { sourceSite: 'https://crm.example.com/' },
	});
	expect(results[0]).toMatchObject({
		status: 'synced',
		action: 'create',
		source: 'https://crm.example.com',
	});
	expect((await findUser(B, login))?.first_name).toBe('Form');
});

test('Delete Users removes the chosen users from the target', async () => {
	const { outputs } = await runChain([
		{ site: A, operation: 'getUsers', parameters: { filters: { search: `${prefix}5` } } },
		{ site: B, operation: 'deleteUsers' },
	]);
	expect((outputs[1] as unknown as SyncResult[]).map((r) => [r.status, r.action])).toEqual([
		['synced', 'delete'],
	]);
	expect(await findUser(B, `${prefix}5`)).toBeUndefined();
	expect(await findUser(A, `${prefix}5`)).toBeDefined();
});

test('Get Users with a wrong password stops with a clear API error, or an error item with continueOnFail', async () => {
	const credential = credentialOf(A, { ...A.admin, appPassword: 'zzzzzzzzzzzzzzzzzzzzzzzz' });
	const stopped = await runSync({ site: A, operation: 'getUsers', input: [{}], credential });
	expect(stopped.error?.message).toMatch(/answered 401/);
	expect(JSON.stringify(stopped.error)).not.toContain('zzzzzzzz');
	const continued = await runSync({
		site: A,
		operation: 'getUsers',
		input: [{}],
		credential,
		continueOnFail: true,
	});
	expect(continued.json).toEqual([{ error: expect.stringMatching(/answered 401/) }]);
});

test('a read-only credential still reads', async () => {
	const { json } = await runSync({
		site: A,
		operation: 'getUsers',
		input: [{}],
		parameters: chosen(),
		credential: credentialOf(A, A.admin, { readOnly: true }),
	});
	expect(json.length).toBeGreaterThan(0);
	expect((await rest(A, A.admin, '/wp/v2/users/me')).status).toBe(200);
});

test('malformed users each yield a failed result naming the field, and nothing is written', async () => {
	const login = uniqueLogin('okform');
	const input = [
		{ login: 'no-email' },
		{ login: '', email: 'blank-login@example.test' },
		{ login: 'x'.repeat(61), email: 'long@example.test' },
		{ login: 'badmeta', email: 'badmeta@example.test', meta: { nested: { no: 'objects' } } },
		{ login, email: `${login}@example.test` },
	];
	const { results, pairedItems } = await runSync({
		site: B,
		operation: 'upsertUsers',
		input,
		parameters: { sourceSite: A.url },
	});
	expect(pairedItems).toEqual(input.map((_, item) => ({ item })));
	expect(results.slice(0, 4).map((r) => [r.status, r.reason, r.requests])).toEqual(
		Array(4).fill(['failed', 'invalid_event', 0]),
	);
	expect(results.slice(0, 4).map((r) => r.message)).toEqual([
		expect.stringMatching(/user\.email: Required/),
		expect.stringMatching(/user\.login: the login is empty/),
		expect.stringMatching(/user\.login: a WordPress login has at most 60 characters/),
		expect.stringMatching(/user\.meta\.nested/),
	]);
	expect(results[4]).toMatchObject({ status: 'synced', action: 'create' });
	expect(await findUser(B, 'badmeta')).toBeUndefined();
});
