/** Reconcile in n8n's real engine: Get Users on A → Reconcile into B, counted on the servers' side. */
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { SyncResult } from '../../../core/sync/result';
import { removeBridge } from '../../../lab/harness/bridge';
import { RequestLog } from '../../../lab/harness/requestLog';
import { runChain } from '../../../lab/harness/sync';
import { findUser, rest } from '../../../lab/harness/wp';

const N = 500;
let A: Site;
let B: Site;
let logA: RequestLog;
let logB: RequestLog;

/** WordPress 6.6+ allows the users routes in /batch/v1: the node's writes go there, 25 a request, without the bridge. */
const coreBatches = (site: Site) => {
	const [major, minor] = site.wpVersion.split('.').map(Number);
	return major > 6 || (major === 6 && minor >= 6);
};
/** The write requests `creates` writes cost on B. */
const writeRequests = (writes: number) => (coreBatches(B) ? Math.ceil(writes / 25) : writes);

const subscribersOf = async (site: Site) =>
	Number(
		(
			await rest(site, site.admin, '/wp/v2/users?roles=subscriber&per_page=1&context=edit')
		).headers.get('x-wp-total'),
	);

/** Get Users (subscribers) on A, then Reconcile into B. */
const reconcileAIntoB = (parameters = {}) =>
	runChain([
		{ site: A, operation: 'getUsers', parameters: { filters: { roles: 'subscriber' } } },
		{ site: B, operation: 'reconcile', parameters },
	]).then(({ outputs, error }) => {
		if (error) throw error;
		return { users: outputs[0], results: outputs[1] as unknown as SyncResult[] };
	});

beforeAll(async () => {
	[A, B] = lab.sites();
	// These counts are for sites without the bridge plugin (with it, writes go in batches: withBridge.test.ts).
	await Promise.all([
		removeBridge(A).catch(() => undefined),
		removeBridge(B).catch(() => undefined),
	]);
	await Promise.all([lab.resetSite(A), lab.resetSite(B)]);
	await lab.seedUsers(A, N, { prefix: 'rc', role: 'subscriber' });
	logA = new RequestLog(A);
	logB = new RequestLog(B);
}, 120_000);

afterAll(async () => {
	logA.remove();
	logB.remove();
	await Promise.all([lab.resetSite(A), lab.resetSite(B)]);
});

beforeEach(() => {
	logA.reset();
	logB.reset();
});

test(`${N} users into an empty site: one create each, listing pages only besides`, async () => {
	const { users, results } = await reconcileAIntoB();
	expect(users).toHaveLength(N);
	expect(results).toHaveLength(N);
	expect(results.every((r) => r.status === 'synced' && r.action === 'create')).toBe(true);

	const total = logA.since().length + logB.since().length;
	const bound = N + 2 * Math.ceil(N / 100) + 2;
	process.stdout.write(
		`reconcile ${N} into empty: ${logA.since().length} requests on A, ${logB.since().length} on B (bound ${bound})\n`,
	);
	expect(total).toBeLessThanOrEqual(bound);
	expect(logB.writes()).toHaveLength(writeRequests(N));
	// What the node reports matches what the server saw.
	const reported =
		results.reduce((sum, r) => sum + r.requests, 0) +
		(results[0] as SyncResult & { sharedRequests: number }).sharedRequests;
	expect(reported).toBe(logB.since().length);
	expect(await subscribersOf(B)).toBe(N);
}, 240_000); // on 6.8 each create hashes its random password with bcrypt (about 50 ms of CPU)

test('run again: nothing written, only the listings', async () => {
	const { results } = await reconcileAIntoB();
	expect(results.every((r) => r.status === 'synced' && r.reason === 'unchanged')).toBe(true);
	expect(logB.writes()).toEqual([]);
	const pages = (users: number) => Math.ceil(users / 100);
	// Get Users on a site without the bridge also asks its language once ("Site Default" users).
	expect(logA.since()).toHaveLength(pages(N) + 1);
	expect(logB.since()).toHaveLength(pages(N + 2)); // B also has its admin and editor
	process.stdout.write(
		`reconcile unchanged: ${logA.since().length} requests on A, ${logB.since().length} on B, 0 writes\n`,
	);
});

test('dry run plans the difference without writing; the real run then writes exactly that', async () => {
	await lab.wpEval(
		A,
		"foreach (['rc1','rc2','rc3'] as $l) { $u = get_user_by('login', $l); wp_update_user(['ID' => $u->ID, 'first_name' => 'Renamed']); }",
	);
	await lab.wpEval(
		B,
		"require_once ABSPATH . 'wp-admin/includes/user.php'; wp_delete_user(get_user_by('login', 'rc4')->ID);",
	);

	const dry = await reconcileAIntoB({ dryRun: true });
	const planned = dry.results.filter((r) => r.status === 'planned');
	expect(planned.map((r) => [r.user?.login, r.action, r.changes]).sort()).toEqual([
		['rc1', 'update', ['first_name']],
		['rc2', 'update', ['first_name']],
		['rc3', 'update', ['first_name']],
		[
			'rc4',
			'create',
			expect.arrayContaining(['username', 'email', 'first_name', 'last_name', 'roles']),
		],
	]);
	expect(logB.writes()).toEqual([]);
	expect(await findUser(B, 'rc4')).toBeUndefined();

	logB.reset();
	const real = await reconcileAIntoB();
	expect(real.results.filter((r) => r.action !== 'none')).toHaveLength(4);
	expect(logB.writes()).toHaveLength(writeRequests(4));
	expect((await findUser(B, 'rc1'))?.first_name).toBe('Renamed');
	expect(await findUser(B, 'rc4')).toBeDefined();
});

// Deleting needs to know which accounts sync owns: without the bridge (no sync ids) it deletes nothing and says
// so (identity.test.ts deletes linked accounts on a site exposing sync ids).
test('delete missing on a site without sync ids: the users the source lacks are reported not_linked and kept', async () => {
	await rest(B, B.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: 'extra1',
			email: 'extra1@example.test',
			password: 'x-Very-long-1',
			roles: ['subscriber'],
		},
	});
	await rest(B, B.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: 'extra2',
			email: 'extra2@example.test',
			password: 'x-Very-long-2',
			roles: ['subscriber'],
		},
	});
	logB.reset();
	const withoutDelete = await reconcileAIntoB();
	expect(withoutDelete.results).toHaveLength(N);
	expect(await findUser(B, 'extra1')).toBeDefined();

	const { results } = await reconcileAIntoB({
		deleteMissing: true,
		policies: { roles: 'subscriber' },
	});
	const deletions = results.slice(N);
	expect(deletions.map((r) => [r.user?.login, r.status, r.reason]).sort()).toEqual([
		['extra1', 'skipped', 'not_linked'],
		['extra2', 'skipped', 'not_linked'],
	]);
	expect(logB.writes()).toEqual([]);
	expect(await findUser(B, 'extra1')).toBeDefined();
	expect(await findUser(B, 'editor')).toBeDefined();
	expect(await findUser(B, 'admin')).toBeDefined();
});
