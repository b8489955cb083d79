/** executeInBatches against the in-process fake of WordPress with the bridge (user writes allowed in /batch/v1). */
import { randomUUID } from 'node:crypto';
import { executeInBatches, type PlannedWrite } from '../../../core/sync/batchExecute';
import { decide, lookupIn } from '../../../core/sync/decide';
import type { ItemContext } from '../../../core/sync/execute';
import { RestDirectory } from '../../../core/sync/restDirectory';
import { ResultBuilder } from '../../../core/sync/resultBuilder';
import type { TargetSite } from '../../../core/sync/target';
import { parseSyncEvent } from '../../../core/schemas/syncEvent';
import { FakeWordPress, userEvent } from './fakeWordPress';

const BATCH = 'POST /batch/v1';
const OTHER_SOURCE = 'https://other-source.example';

/** Each input planned as reconcile plans it (an administrator's run: create what is missing); then the log is cleared. */
async function planAll(
	wp: FakeWordPress,
	target: TargetSite,
	inputs: unknown[],
): Promise<PlannedWrite[]> {
	const planned = await Promise.all(
		inputs.map(async (input) => {
			const parsed = parseSyncEvent(input);
			if (!parsed.ok) throw new Error(parsed.error);
			const client = target.client.fork();
			const ctx: ItemContext = {
				target,
				client,
				event: parsed.value,
				directory: new RestDirectory(client, target.bridge),
				builder: new ResultBuilder(target, client, parsed.value),
				mode: 'manual',
			};
			return {
				ctx,
				plan: await decide(target, ctx.event, lookupIn(ctx.directory, ctx.event), {
					mode: 'manual',
					createMissing: true,
				}),
			};
		}),
	);
	wp.reset();
	return planned;
}

let wp: FakeWordPress;
beforeAll(async () => {
	wp = await new FakeWordPress({ bridge: { batch: true } }).start();
});
afterAll(() => wp.stop());
beforeEach(() => wp.reset());

test('60 creates go in 3 requests of at most 25, and every item gets its own result, in order', async () => {
	const target = wp.target();
	const logins = Array.from({ length: 60 }, (_, i) => `batch${i + 1}`);
	const planned = await planAll(
		wp,
		target,
		logins.map((login) => userEvent(login, { user: { syncId: randomUUID() } })),
	);
	const results = await executeInBatches(planned, 25);

	expect(results.map((r) => [r.user?.login, r.status, r.action, r.reason])).toEqual(
		logins.map((login) => [login, 'synced', 'create', 'created']),
	);
	expect(results.map((r) => r.user?.targetId)).toEqual(logins.map((login) => wp.user(login)?.id));
	// The batches only: no single write, and nothing asked to decide the throwaway password.
	expect(wp.routesServed()).toEqual([BATCH, BATCH, BATCH]);
	expect(wp.batches.map((batch) => batch.length)).toEqual([25, 25, 10]);
	expect(wp.batches[0][0]).toMatchObject({
		route: 'POST /wp/v2/users',
		query: { context: 'edit' },
		body: {
			username: 'batch1',
			email: 'batch1@example.test',
			harmonyuser_throwaway_password: true,
			meta: { harmonyuser_sync_linked: '1' },
		},
	});
	// The sync ids travelled with the creates.
	expect(wp.user('batch7')?.meta.harmonyuser_sync_id).toBe(planned[6].ctx.event.user.syncId);
});

test('creates, updates and deletes share a batch; items whose writes carry another path go in a batch of their own', async () => {
	wp.addUser({ username: 'upd1' });
	wp.addUser({
		username: 'upd2',
		meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
	});
	const doomed = wp.addUser({ username: 'doomed' });
	const target = wp.target();
	const planned = await planAll(wp, target, [
		userEvent('new1'),
		userEvent('upd1', { action: 'update', user: { firstName: 'One' } }),
		userEvent('doomed', { action: 'delete' }),
		userEvent('new2', { source: { url: OTHER_SOURCE } }),
		userEvent('upd2', {
			action: 'update',
			source: { url: OTHER_SOURCE },
			user: { firstName: 'Two' },
		}),
	]);
	const results = await executeInBatches(planned, 25);

	expect(results.map((r) => [r.user?.login, r.action, r.reason])).toEqual([
		['new1', 'create', 'created'],
		['upd1', 'update', 'updated'],
		['doomed', 'delete', 'deleted'],
		['new2', 'create', 'created'],
		['upd2', 'update', 'updated'],
	]);
	expect(wp.count(BATCH)).toBe(2);
	const byPath = Object.fromEntries(
		wp.log
			.filter((entry) => entry.route === BATCH)
			.map((entry, i) => [entry.pathHeader, wp.batches[i].map((item) => item.route)]),
	);
	expect(byPath).toEqual({
		[`https://source.example,${wp.url}`]: [
			'POST /wp/v2/users',
			'POST /wp/v2/users/:id',
			'DELETE /wp/v2/users/:id',
		],
		[`${OTHER_SOURCE},${wp.url}`]: ['POST /wp/v2/users', 'POST /wp/v2/users/:id'],
	});
	expect(wp.deletions).toEqual([{ id: doomed.id, reassign: 1 }]);
	expect(wp.user('upd2')?.first_name).toBe('Two');
});

test('a failed sub-request fails only its own item', async () => {
	const users = ['f1', 'f2', 'f3'].map((login) => wp.addUser({ username: login }));
	const planned = await planAll(
		wp,
		wp.target(),
		['f1', 'f2', 'f3'].map((login) =>
			userEvent(login, { action: 'update', user: { lastName: 'Changed' } }),
		),
	);
	wp.removeUser(users[1].id); // deleted on the site between plan and write

	const results = await executeInBatches(planned, 25);
	expect(results.map((r) => [r.status, r.reason])).toEqual([
		['synced', 'updated'],
		['failed', 'wordpress_error'],
		['synced', 'updated'],
	]);
	expect(results[1]).toMatchObject({
		error: { kind: 'not_found', status: 404, code: 'rest_user_invalid_id' },
		user: { targetId: users[1].id },
	});
	expect(wp.count(BATCH)).toBe(1);
	expect([wp.user('f1')?.last_name, wp.user('f3')?.last_name]).toEqual(['Changed', 'Changed']);
});

test('a sub-request refused for a role the target lacks is sent again alone, without the role', async () => {
	const planned = await planAll(wp, wp.target(), [
		userEvent('r1'),
		userEvent('r2', { user: { roles: ['subscriber', 'shop_manager'] } }),
		userEvent('r3'),
	]);
	const results = await executeInBatches(planned, 25);
	expect(results.map((r) => [r.status, r.action])).toEqual([
		['synced', 'create'],
		['synced', 'create'],
		['synced', 'create'],
	]);
	expect(results[1].notSynced).toEqual([
		expect.objectContaining({
			field: 'roles',
			reason: 'role_missing_on_target',
			values: ['shop_manager'],
		}),
	]);
	expect(wp.user('r2')?.roles).toEqual(['subscriber']);
	expect(wp.writes().map((entry) => entry.route)).toEqual([BATCH, 'POST /wp/v2/users']);
});

test('a batched create that meets an existing email falls back to the single-request recovery', async () => {
	const syncId = randomUUID();
	const planned = await planAll(wp, wp.target(), [
		userEvent('c1'),
		userEvent('c2', { user: { syncId, firstName: 'Cee' } }),
	]);
	// Registered on the target meanwhile, under another login: the bridge gave it a provisional sync id.
	const other = wp.addUser({
		username: 'c2-self',
		email: 'c2@example.test',
		meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '' },
	});

	const results = await executeInBatches(planned, 25);
	expect(results[0]).toMatchObject({ status: 'synced', action: 'create' });
	// An administrator's run aligns the account and links it (it adopts the source's sync id).
	expect(results[1]).toMatchObject({
		status: 'synced',
		action: 'update',
		reason: 'updated',
		user: { targetId: other.id, matchedBy: 'email' },
	});
	expect(wp.user('c2-self')).toMatchObject({
		first_name: 'Cee',
		meta: { harmonyuser_sync_id: syncId, harmonyuser_sync_linked: '1' },
	});
	expect(wp.allUsers().filter((user) => user.email === 'c2@example.test')).toHaveLength(1);
	expect(wp.routesServed().slice(-3)).toEqual([
		BATCH,
		'GET /harmonyuser/v1/users/resolve',
		'POST /wp/v2/users/:id',
	]);
});

test('a batch WordPress refuses as a whole fails each of its items, none lost', async () => {
	const planned = await planAll(
		wp,
		wp.target(),
		Array.from({ length: 30 }, (_, i) => userEvent(`whole${i}`)),
	);
	// More than WordPress's 25 a batch: 400 rest_invalid_param for the request.
	const results = await executeInBatches(planned, 30);
	expect(results).toHaveLength(30);
	expect(
		results.every((r) => r.status === 'failed' && r.error?.code === 'rest_invalid_param'),
	).toBe(true);
	expect(wp.user('whole0')).toBeUndefined();
});

test('items that write nothing are answered without a request', async () => {
	wp.addUser({ username: 'same1' });
	const planned = await planAll(wp, wp.target(), [
		userEvent('same1', { action: 'update' }),
		userEvent('loop', { path: [wp.url] }),
	]);
	const results = await executeInBatches(planned, 25);
	expect(results.map((r) => [r.status, r.reason])).toEqual([
		['synced', 'unchanged'],
		['skipped', 'loop_detected'],
	]);
	expect(wp.count()).toBe(0);
});
