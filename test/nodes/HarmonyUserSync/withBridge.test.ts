/** The User Sync node against sites running the bridge plugin: batch writes, sync ids, one-request lookups, password hashes. */
import { randomUUID } from 'node:crypto';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { SyncResult } from '../../../core/sync/result';
import { installBridge, removeBridge } from '../../../lab/harness/bridge';
import { RequestLog } from '../../../lab/harness/requestLog';
import { runChain, runSync, uniqueLogin, userEvent } from '../../../lab/harness/sync';
import { findUser } from '../../../lab/harness/wp';

let A: Site;
let B: Site;
let C: Site;
let logB: RequestLog;
const N = 60;
const prefix = uniqueLogin('br');

const php = (code: string) => (site: Site) => lab.wpEval(site, code);
const syncIdOf = (site: Site, login: string) =>
	php(`echo get_user_meta(get_user_by('login', '${login}')->ID, 'harmonyuser_sync_id', true);`)(
		site,
	);
const hashOf = (site: Site, login: string) =>
	php(`echo get_user_by('login', '${login}')->user_pass;`)(site);
const passwordWorks = (site: Site, login: string, password: string) =>
	php(
		`$u = get_user_by('login', '${login}'); echo wp_check_password('${password}', $u->user_pass, $u->ID) ? 'yes' : 'no';`,
	)(site);

beforeAll(async () => {
	[A, B, C] = lab.sites();
	await Promise.all([installBridge(A), installBridge(B)]);
	await lab.seedUsers(A, N, { prefix, role: 'subscriber', password: 'Original-Pass-1' });
	logB = new RequestLog(B);
}, 60_000);

afterAll(async () => {
	logB.remove();
	await Promise.all([removeBridge(A), removeBridge(B)]);
});

test(`reconcile writes ${N} users in batches of 25 and adopts the source's sync ids`, async () => {
	logB.reset();
	const { outputs, error } = await runChain([
		{ site: A, operation: 'getUsers', parameters: { filters: { search: prefix } } },
		{ site: B, operation: 'reconcile' },
	]);
	expect(error).toBeUndefined();
	const results = outputs[1] as unknown as SyncResult[];
	expect(results.filter((r) => r.status === 'synced' && r.action === 'create')).toHaveLength(N);
	const batches = logB.writes().filter((line) => line.startsWith('POST /wp-json/batch/v1'));
	expect(batches).toHaveLength(Math.ceil(N / 25));
	expect(logB.writes()).toHaveLength(Math.ceil(N / 25));
	const login = `${prefix}7`;
	expect(await syncIdOf(B, login)).toBe(await syncIdOf(A, login));
	expect(await syncIdOf(A, login)).toMatch(/^[0-9a-f-]{36}$/);
});

test('a later event finds the user by sync id, even with a new email and login', async () => {
	const login = `${prefix}8`;
	const syncId = await syncIdOf(A, login);
	const event = userEvent(A, `${login}-renamed`, {
		action: 'update',
		user: { email: `${login}@renamed.test`, syncId },
	});
	const { results } = await runSync({ site: B, operation: 'applyEvent', input: [event] });
	expect(results[0]).toMatchObject({
		status: 'synced',
		action: 'update',
		user: { matchedBy: 'syncId' },
	});
	expect((await findUser(B, login))?.email).toBe(`${login}@renamed.test`);
});

test('a new user costs two requests on a bridge site: one identity resolve, one create', async () => {
	const login = `${prefix}-new`;
	logB.reset();
	const { results } = await runSync({
		site: B,
		operation: 'applyEvent',
		input: [userEvent(A, login, { user: { syncId: randomUUID() } })],
	});
	expect(results[0]).toMatchObject({ status: 'synced', action: 'create', requests: 2 });
	expect(logB.since().map((line) => line.split('?')[0])).toEqual([
		'GET /wp-json/harmonyuser/v1/users/resolve',
		'POST /wp-json/wp/v2/users',
	]);
});

test('a password change travels as a hash through the bridge; the hash never appears in the output', async () => {
	const login = `${prefix}9`;
	await lab.wpEval(A, `wp_set_password('Changed-Pass-2', get_user_by('login', '${login}')->ID);`);
	const hash = await hashOf(A, login);
	const event = userEvent(A, login, {
		action: 'update',
		event: 'user.password_changed',
		user: {
			email: `${login}@example.test`,
			syncId: await syncIdOf(A, login),
			passwordHash: hash,
			firstName: 'Br',
			lastName: 'User 9',
			displayName: 'Br User 9',
		},
	});
	logB.reset();
	const { results, json } = await runSync({ site: B, operation: 'applyEvent', input: [event] });
	expect(results[0].changes).toContain('password');
	// The hash rides on the update itself: one write, so B's own event carries the final password.
	expect(logB.writes()).toEqual([expect.stringMatching(/^POST \/wp-json\/wp\/v2\/users\/\d+\?/)]);
	// The lookup went through the bridge, so B is known to run it: one lookup, one write; B's hash formats are asked
	// only for a hash that is not phpass (6.8's bcrypt: every WordPress verifies phpass).
	const info = /^\$P\$/.test(hash) ? [] : ['GET /wp-json/harmonyuser/v1/info'];
	expect(logB.since().map((line) => line.split('?')[0])).toEqual([
		'GET /wp-json/harmonyuser/v1/users/resolve',
		...info,
		'POST /wp-json/wp/v2/users/' + (await findUser(B, login))?.id,
	]);
	expect(await passwordWorks(B, login, 'Changed-Pass-2')).toBe('yes');
	expect(JSON.stringify(json)).not.toContain(hash);

	// A target without the bridge syncs the rest and says the password was not synced.
	const onC = await runSync({
		site: C,
		operation: 'applyEvent',
		input: [
			{
				...event,
				user: {
					...(event.user as object),
					login: uniqueLogin('nobridge'),
					email: `${uniqueLogin('nb')}@example.test`,
				},
			},
		],
		parameters: { createOnUpdate: true },
	});
	expect(onC.results[0]).toMatchObject({ status: 'synced', action: 'create' });
	expect(onC.results[0].notSynced).toEqual([
		expect.objectContaining({ field: 'password', reason: 'password_no_bridge' }),
	]);
	expect(onC.results[0].message).toMatch(/not synced: password \(the target has no bridge plugin/);
});
