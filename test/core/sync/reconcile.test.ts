/** reconcile against the in-process fake of WordPress: one paged scan, a local plan, then only the writes that differ. */
import { randomUUID } from 'node:crypto';
import { reconcile } from '../../../core/sync/reconcile';
import type { SyncResult } from '../../../core/sync/result';
import { SOURCE } from '../fixtures';
import {
	FakeWordPress,
	SYNC_META,
	userEvent,
	type FakeOptions,
	type FakeUser,
} from './fakeWordPress';

const LIST = 'GET /wp/v2/users';
const counts = (results: SyncResult[]) =>
	results.reduce<Record<string, number>>(
		(all, r) => ({
			...all,
			[`${r.status}:${r.reason}`]: (all[`${r.status}:${r.reason}`] ?? 0) + 1,
		}),
		{},
	);

/** A fresh site per test (state changes are the point), stopped afterwards. */
const sites: FakeWordPress[] = [];
async function site(options: FakeOptions = {}): Promise<FakeWordPress> {
	const wp = await new FakeWordPress(options).start();
	sites.push(wp);
	return wp;
}
afterEach(() => Promise.all(sites.splice(0).map((wp) => wp.stop())));

/** A source user as Get Users lists it: the target's copy of an unchanged user matches it field for field. */
const sourceOf = (user: FakeUser, fields: Record<string, unknown> = {}) =>
	userEvent(user.username, {
		action: 'update',
		user: {
			email: user.email,
			roles: user.roles,
			syncId: user.meta.harmonyuser_sync_id || undefined,
			...fields,
		},
	});

describe('creates, updates, unchanged', () => {
	test('one paged scan of the target, then only the writes that differ, one request each without batching', async () => {
		const wp = await site();
		const users = wp.seed(240, 'rc');
		const inputs = [
			...users.map((user, i) => sourceOf(user, i < 3 ? { firstName: 'Renamed' } : {})),
			userEvent('rc241', { action: 'update' }),
			userEvent('rc242', { action: 'update' }),
		];
		const target = wp.target();
		const outcome = await reconcile(target, inputs);

		expect(outcome.results).toHaveLength(242);
		expect(outcome.results.map((r) => r.user?.login)).toEqual(
			inputs.map((input) => input.user.login),
		);
		expect(counts(outcome.results)).toEqual({
			'synced:updated': 3,
			'synced:unchanged': 237,
			'synced:created': 2,
		});
		expect(outcome.results[0]).toMatchObject({
			action: 'update',
			changes: ['first_name'],
			user: { matchedBy: 'email', targetId: users[0].id },
		});
		expect(outcome.results[241]).toMatchObject({
			action: 'create',
			requestedAction: 'update',
			path: [SOURCE, wp.url],
		});
		expect(outcome.deletions).toEqual([]);

		// 241 users on the target: 3 pages of 100. Then: is there a bridge to batch through (no; WordPress 6.1
		// allows no user routes in /batch/v1 either), and the 5 writes.
		expect(wp.count(LIST)).toBe(3);
		expect(
			wp.log
				.filter((entry) => entry.route === LIST)
				.map((entry) => [entry.query.page, entry.query.per_page, entry.query.context]),
		).toEqual([
			['1', '100', 'edit'],
			['2', '100', 'edit'],
			['3', '100', 'edit'],
		]);
		expect(wp.count('GET /harmonyuser/v1/info')).toBe(1);
		expect(wp.count('OPTIONS /wp/v2/users')).toBe(1);
		expect(
			wp
				.writes()
				.map((entry) => entry.route)
				.sort(),
		).toEqual([
			'POST /wp/v2/users',
			'POST /wp/v2/users',
			'POST /wp/v2/users/:id',
			'POST /wp/v2/users/:id',
			'POST /wp/v2/users/:id',
		]);
		expect(wp.count()).toBe(10);
		// What the run reports is what the server saw.
		expect(outcome.sharedRequests).toBe(5);
		expect(outcome.sharedRequests + outcome.results.reduce((sum, r) => sum + r.requests, 0)).toBe(
			wp.count(),
		);
		expect(wp.user('rc1')?.first_name).toBe('Renamed');
		expect(wp.user('rc242')).toBeDefined();

		// Again: nothing differs, so the scan is all it costs.
		wp.reset();
		const again = await reconcile(
			wp.target(),
			inputs.map((input) => ({
				...input,
				user: {
					...input.user,
					firstName: input.user.login.match(/^rc[123]$/) ? 'Renamed' : undefined,
				},
			})),
		);
		expect(counts(again.results)).toEqual({ 'synced:unchanged': 242 });
		expect(wp.routesServed()).toEqual([LIST, LIST, LIST]);
		expect(again.sharedRequests).toBe(3);
	});

	test('results keep input order; an invalid item fails in its own slot, the others go ahead', async () => {
		const wp = await site();
		const outcome = await reconcile(wp.target(), [
			userEvent('v1'),
			{ user: { login: 'broken' } },
			userEvent('v2'),
		]);
		expect(outcome.results.map((r) => [r.user?.login ?? null, r.status, r.reason])).toEqual([
			['v1', 'synced', 'created'],
			[null, 'failed', 'invalid_event'],
			['v2', 'synced', 'created'],
		]);
		expect(outcome.results[1].requests).toBe(0);
	});

	test('the rules still apply: a conflicting namesake, a protected administrator, a filtered role', async () => {
		const wp = await site({ registeredMeta: SYNC_META });
		wp.addUser({
			username: 'twin',
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		wp.addUser({ username: 'chief', roles: ['administrator'] });
		const outcome = await reconcile(wp.target({ roles: ['subscriber'] }), [
			userEvent('twin', { action: 'update', user: { syncId: randomUUID(), firstName: 'Other' } }),
			userEvent('chief', { action: 'update', user: { firstName: 'Pwned' } }),
			userEvent('ed', { user: { roles: ['editor'] } }),
		]);
		expect(outcome.results.map((r) => [r.status, r.reason, r.detail])).toEqual([
			['rejected', 'conflict', 'sync_id_mismatch'],
			['rejected', 'protected_account', 'administrator'],
			['skipped', 'role_filtered', undefined],
		]);
		expect(wp.writes()).toEqual([]);
	});

	test('a read-only target: every item refused, nothing written, nothing deleted', async () => {
		const wp = await site({ registeredMeta: SYNC_META });
		wp.addUser({
			username: 'owned',
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const outcome = await reconcile(
			wp.target({ readOnly: true, maxDeletePercent: 100 }),
			[userEvent('ro1'), userEvent('ro2')],
			{ deleteMissing: true },
		);
		expect(outcome.results.map((r) => r.reason)).toEqual(['target_read_only', 'target_read_only']);
		expect(outcome.deletions).toEqual([]);
		expect(wp.routesServed()).toEqual([LIST]);
	});
});

describe('batching', () => {
	test.each([
		['the bridge', { bridge: { batch: true } }, ['GET /harmonyuser/v1/info']],
		[
			'WordPress 6.6+ without the bridge',
			{ coreBatch: true },
			['GET /harmonyuser/v1/info', 'OPTIONS /wp/v2/users'],
		],
	] as Array<[string, FakeOptions, string[]]>)(
		'through %s, 60 creates cost 3 write requests',
		async (_, options, asked) => {
			const wp = await site(options);
			const inputs = Array.from({ length: 60 }, (__, i) =>
				userEvent(`b${i + 1}`, { user: { syncId: randomUUID() } }),
			);
			const outcome = await reconcile(wp.target(), inputs);
			expect(counts(outcome.results)).toEqual({ 'synced:created': 60 });
			expect(wp.routesServed()).toEqual([
				LIST,
				...asked,
				'POST /batch/v1',
				'POST /batch/v1',
				'POST /batch/v1',
			]);
			expect(wp.batches.map((batch) => batch.length)).toEqual([25, 25, 10]);
			expect(outcome.sharedRequests + outcome.results.reduce((sum, r) => sum + r.requests, 0)).toBe(
				wp.count(),
			);
			expect(wp.allUsers()).toHaveLength(61);
		},
	);

	test('a single write goes alone, not in a batch', async () => {
		const wp = await site({ bridge: { batch: true } });
		await reconcile(wp.target(), [userEvent('solo')]);
		// One write asks nothing about batching, nor about the bridge (its password then is not flagged a throwaway).
		expect(wp.routesServed()).toEqual([LIST, 'POST /wp/v2/users']);
	});
});

describe('delete missing', () => {
	/**
	 * A site exposing sync ids: the credential's admin, `kept` users the source still has (linked), `gone` linked
	 * users it lacks, one account no sync linked (`local`) and an administrator (`chief`), both missing at the source.
	 */
	async function arranged(gone: number, options: FakeOptions = { registeredMeta: SYNC_META }) {
		const wp = await site(options);
		const linked = () => ({
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const kept = Array.from({ length: 6 }, (_, i) =>
			wp.addUser({ username: `kept${i + 1}`, ...linked() }),
		);
		const missing = Array.from({ length: gone }, (_, i) =>
			wp.addUser({ username: `gone${i + 1}`, ...linked() }),
		);
		const local = wp.addUser({ username: 'local', meta: { harmonyuser_sync_linked: '' } });
		wp.addUser({ username: 'chief', roles: ['administrator'], ...linked() });
		return { wp, inputs: kept.map((user) => sourceOf(user)), missing, local };
	}

	test('deletes only the users sync owns (linked), reports the others, never the administrators or the credential user', async () => {
		const { wp, inputs, missing, local } = await arranged(1);
		const outcome = await reconcile(wp.target(), inputs, { deleteMissing: true });
		expect(counts(outcome.results)).toEqual({ 'synced:unchanged': 6 });
		expect(outcome.deletions.map((r) => [r.user?.login, r.status, r.action, r.reason])).toEqual([
			['gone1', 'synced', 'delete', 'deleted'],
			['local', 'skipped', 'none', 'not_linked'],
		]);
		expect(outcome.deletions[0]).toMatchObject({
			requestedAction: 'delete',
			user: { targetId: missing[0].id },
		});
		expect(outcome.deletions[1].message).toMatch(
			/local \(#\d+\) is missing at the source but no sync linked or created it/,
		);
		expect(wp.deletions).toEqual([{ id: missing[0].id, reassign: 1 }]);
		expect(wp.user('local')?.id).toBe(local.id);
		expect(wp.user('chief')).toBeDefined();
		expect(wp.user('admin')).toBeDefined();
		// The scan, the credential user (never deleted, and the content heir), the one delete.
		expect(wp.routesServed()).toEqual([LIST, 'GET /wp/v2/users/me', 'DELETE /wp/v2/users/:id']);
		expect(outcome.sharedRequests).toBe(2);
	});

	test('a source user that matched only a conflicting namesake is not missing: its namesake is kept', async () => {
		const { wp, inputs } = await arranged(0);
		wp.addUser({
			username: 'namesake',
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const outcome = await reconcile(
			wp.target({ maxDeletePercent: 100 }),
			[...inputs, userEvent('namesake', { action: 'update', user: { syncId: randomUUID() } })],
			{ deleteMissing: true },
		);
		expect(outcome.results[6]).toMatchObject({ status: 'rejected', reason: 'conflict' });
		expect(outcome.deletions.map((r) => r.user?.login)).toEqual(['local']);
		expect(wp.writes()).toEqual([]);
	});

	test('an invalid source item means the listing may be incomplete: no user is deleted (source_incomplete)', async () => {
		const { wp, inputs } = await arranged(1);
		const outcome = await reconcile(wp.target(), [...inputs, {}], { deleteMissing: true });
		expect(outcome.results[6]).toMatchObject({ status: 'failed', reason: 'invalid_event' });
		expect(outcome.deletions.map((r) => [r.user?.login, r.status, r.reason])).toEqual([
			['gone1', 'rejected', 'source_incomplete'],
			['local', 'skipped', 'not_linked'],
		]);
		expect(outcome.deletions[0].message).toMatch(/^1 of 7 source items are invalid or failed/);
		expect(wp.writes()).toEqual([]);
		expect(wp.user('gone1')).toBeDefined();
	});

	test('an empty source listing deletes nothing either', async () => {
		const { wp } = await arranged(1);
		const outcome = await reconcile(wp.target({ maxDeletePercent: 100 }), [], {
			deleteMissing: true,
		});
		expect(outcome.results).toEqual([]);
		expect(outcome.deletions.find((r) => r.user?.login === 'gone1')).toMatchObject({
			status: 'rejected',
			reason: 'source_incomplete',
		});
		expect(wp.writes()).toEqual([]);
	});

	test('more deletes than Max Deletes allows: none at all (delete_threshold), until the limit is raised', async () => {
		// 11 users on the target; 10% allows 1 delete, and 2 are missing.
		const { wp, inputs } = await arranged(2);
		const refused = await reconcile(wp.target(), inputs, { deleteMissing: true });
		expect(
			refused.deletions
				.filter((r) => r.reason === 'delete_threshold')
				.map((r) => [r.user?.login, r.status]),
		).toEqual([
			['gone1', 'rejected'],
			['gone2', 'rejected'],
		]);
		expect(refused.deletions[0].message).toMatch(
			/2 deletes of 11 target users exceed Max Deletes \(10% = 1\)/,
		);
		expect(wp.writes()).toEqual([]);

		wp.reset();
		const allowed = await reconcile(wp.target({ maxDeletePercent: 20 }), inputs, {
			deleteMissing: true,
		});
		expect(allowed.deletions.filter((r) => r.reason === 'deleted')).toHaveLength(2);
		expect(wp.count('DELETE /wp/v2/users/:id')).toBe(2);
		expect(wp.user('gone1')).toBeUndefined();
		expect(wp.user('gone2')).toBeUndefined();
	});

	test('with the bridge, the deletes of a run go in one batch', async () => {
		const { wp, inputs } = await arranged(2, { bridge: { batch: true } });
		const outcome = await reconcile(wp.target({ maxDeletePercent: 20 }), inputs, {
			deleteMissing: true,
		});
		expect(
			outcome.deletions.filter((r) => r.reason === 'deleted').map((r) => r.user?.login),
		).toEqual(['gone1', 'gone2']);
		expect(wp.writes().map((entry) => entry.route)).toEqual(['POST /batch/v1']);
		expect(
			wp.batches[0].map((item) => [item.route, item.query.force, item.query.reassign]),
		).toEqual([
			['DELETE /wp/v2/users/:id', 'true', '1'],
			['DELETE /wp/v2/users/:id', 'true', '1'],
		]);
	});
});

describe('dry run', () => {
	test('plans creates, updates and deletes with status "planned" and writes nothing', async () => {
		const wp = await site({ registeredMeta: SYNC_META });
		const linked = () => ({
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const users = Array.from({ length: 9 }, (_, i) =>
			wp.addUser({ username: `dr${i + 1}`, ...linked() }),
		);
		const gone = wp.addUser({ username: 'dr-gone', ...linked() });
		const inputs = [
			...users.map((user, i) => sourceOf(user, i === 0 ? { firstName: 'Planned' } : {})),
			userEvent('dr-new', { action: 'update' }),
		];

		const outcome = await reconcile(wp.target(), inputs, { dryRun: true, deleteMissing: true });
		expect(outcome.results[0]).toMatchObject({
			status: 'planned',
			action: 'update',
			reason: 'updated',
			changes: ['first_name'],
			path: [SOURCE],
		});
		expect(outcome.results[0].message).toMatch(/^dry run: /);
		expect(outcome.results[9]).toMatchObject({
			status: 'planned',
			action: 'create',
			reason: 'created',
			path: [SOURCE],
		});
		expect(outcome.results[9].changes).toEqual(
			expect.arrayContaining(['username', 'email', 'roles']),
		);
		expect(counts(outcome.results.slice(1, 9))).toEqual({ 'synced:unchanged': 8 });
		expect(outcome.deletions).toEqual([
			expect.objectContaining({
				status: 'planned',
				action: 'delete',
				reason: 'deleted',
				user: expect.objectContaining({ targetId: gone.id }),
			}),
		]);

		// Zero writes: the scan and the credential user (who is never deleted) only.
		expect(wp.writes()).toEqual([]);
		expect(wp.routesServed()).toEqual([LIST, 'GET /wp/v2/users/me']);
		expect(wp.user('dr1')?.first_name).toBe('');
		expect(wp.user('dr-new')).toBeUndefined();
		expect(wp.user('dr-gone')).toBeDefined();
	});
});
