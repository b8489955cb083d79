/**
 * The Poll Trigger in n8n's engine against a real lab site with 5,000 users: baseline, then 3 creates, 2 updates
 * (an email change, a role change) and 2 deletes → exactly 7 events; then nothing → nothing. Without the bridge
 * (full paged scan) and with it (changes only: one request when nothing changed).
 */
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { parseSyncEvent, type SyncEvent } from '../../../core/schemas/syncEvent';
import { loadPackage, runWorkflow, type LoadedPackage } from '../../../lab/harness/engine';
import { RequestLog } from '../../../lab/harness/requestLog';
import { credentialOf } from '../../../lab/harness/sync';
import { rest } from '../../../lab/harness/wp';
import { NODE_NAME, POLL_NODE, pollAsActive } from '../../../lab/harness/engine/poll';

const BRIDGE = 'harmonyuser-sync-bridge';
const EVERYTHING = { events: ['created', 'updated', 'deleted'] };
let site: Site;
let pkg: LoadedPackage;
let log: RequestLog;
let seeded: number[];

beforeAll(async () => {
	site = lab.site(2);
	await lab.resetSite(site);
	seeded = await lab.seedUsers(site, 5000, { prefix: 'poll' });
	pkg = await loadPackage();
	log = new RequestLog(site);
	// Warm the PHP workers: their first request is slow and would skew the timings.
	await Promise.all(Array.from({ length: 4 }, () => rest(site, site.admin, '/wp/v2/users/me')));
}, 240_000);

afterAll(async () => {
	log?.remove();
	await lab.deactivatePlugin(site, BRIDGE).catch(() => undefined);
	await lab.resetSite(site);
}, 120_000);

/** One poll as an active workflow: its events (validated), server-side request count and time. */
async function poll(state: IDataObject, parameters: IDataObject = EVERYTHING) {
	log.reset();
	const { items, ms } = await pollAsActive(pkg, parameters, credentialOf(site), state);
	const events = (items ?? []).map((item) => {
		const parsed = parseSyncEvent(item.json);
		if (!parsed.ok) throw new Error(parsed.error);
		return parsed.value;
	});
	const requests = log.since();
	process.stdout.write(`poll: ${events.length} events, ${requests.length} requests, ${ms} ms\n`);
	return { items, events, requests, ms };
}

/** 3 creates, an email change, a role change, 2 deletes; returns the logins involved. */
async function makeSevenChanges(tag: string) {
	const created = [1, 2, 3].map((i) => `${tag}new${i}`);
	for (const login of created) {
		const reply = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@example.test`, password: 'Secret-123456' },
		});
		expect(reply.status).toBe(201);
	}
	const [mailId, roleId, del1, del2] = tag === 'a' ? seeded.slice(0, 4) : seeded.slice(10, 14);
	expect(
		(
			await rest(site, site.admin, `/wp/v2/users/${mailId}`, {
				method: 'POST',
				body: { email: `moved-${tag}${mailId}@example.test` },
			})
		).status,
	).toBe(200);
	expect(
		(
			await rest(site, site.admin, `/wp/v2/users/${roleId}`, {
				method: 'POST',
				body: { roles: ['editor'] },
			})
		).status,
	).toBe(200);
	for (const id of [del1, del2]) {
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${id}?force=true&reassign=1`, {
					method: 'DELETE',
				})
			).status,
		).toBe(200);
	}
	return { created, mailId, roleId, deleted: [del1, del2] };
}

function expectSevenEvents(
	events: SyncEvent[],
	changes: Awaited<ReturnType<typeof makeSevenChanges>>,
) {
	expect(events).toHaveLength(7);
	const byAction = (action: string) => events.filter((event) => event.action === action);
	expect(
		byAction('create')
			.map((event) => event.user.login)
			.sort(),
	).toEqual(changes.created);
	expect(byAction('create').every((event) => event.event === 'user.created')).toBe(true);
	const updates = byAction('update');
	expect(updates.map((event) => event.user.sourceId).sort()).toEqual(
		[changes.mailId, changes.roleId].sort(),
	);
	const moved = updates.find((event) => event.user.sourceId === changes.mailId);
	expect(moved?.user.previousEmail).toBe(`poll${seeded.indexOf(changes.mailId) + 1}@example.test`);
	expect(updates.find((event) => event.user.sourceId === changes.roleId)?.user.roles).toEqual([
		'editor',
	]);
	const deletes = byAction('delete');
	expect(deletes.map((event) => event.user.sourceId).sort()).toEqual([...changes.deleted].sort());
	expect(
		deletes.every(
			(event) => event.event === 'user.deleted' && event.user.email.endsWith('@example.test'),
		),
	).toBe(true);
	for (const event of events) expect(event.path).toEqual([site.url]);
}

test('without the bridge: baseline emits nothing, then exactly the 7 changes, then nothing', async () => {
	const state: IDataObject = {};
	const baseline = await poll(state);
	expect(baseline.items).toBeNull();
	const stored = state[`node:${NODE_NAME}`] as IDataObject;
	expect(stored.userCount).toBe(5002);
	process.stdout.write(`static data for 5,002 users: ${JSON.stringify(stored).length} bytes\n`);
	// 51 pages of 100 plus the one-off bridge check.
	expect(baseline.requests.filter((line) => line.includes('/wp/v2/users'))).toHaveLength(51);

	const changes = await makeSevenChanges('a');
	const found = await poll(state);
	expectSevenEvents(found.events, changes);
	expect(found.requests).toHaveLength(51); // the bridge check is not repeated within the hour

	const quiet = await poll(state);
	expect(quiet.items).toBeNull();
	expect(quiet.requests).toHaveLength(51);
}, 180_000);

test("the editor's test run shows a user and leaves the baseline alone; Emit Existing Users emits all", async () => {
	const state: IDataObject = {};
	await poll(state);
	const before = JSON.stringify(state);
	const run = await runWorkflow(pkg, {
		nodes: [
			{
				name: NODE_NAME,
				type: POLL_NODE,
				parameters: EVERYTHING,
				credentials: { wordPressAppPasswordApi: { id: 'c', name: 'site' } },
			},
		],
		connections: {},
		credentials: { c: { type: 'wordPressAppPasswordApi', name: 'site', data: credentialOf(site) } },
		staticData: state,
	});
	const items = run.data.resultData.runData[NODE_NAME]?.[0]?.data?.main?.[0] ?? [];
	expect(run.data.resultData.error).toBeUndefined();
	expect(items).toHaveLength(1);
	expect(parseSyncEvent(items[0].json).ok).toBe(true);
	expect(JSON.stringify(state)).toBe(before);

	const all = await poll({}, { ...EVERYTHING, emitExisting: true });
	expect(all.events.length).toBeGreaterThan(5000);
	expect(all.events.every((event) => event.action === 'create')).toBe(true);
}, 180_000);

test('with the bridge: the changes come from the bridge, and a quiet poll is exactly one request', async () => {
	await lab.installPlugin(site, 'bridge/harmonyuser-sync-bridge', BRIDGE);
	const state: IDataObject = {};
	const baseline = await poll(state);
	expect(baseline.items).toBeNull();
	expect(baseline.requests.filter((line) => line.includes('/harmonyuser/v1/info'))).toHaveLength(1);

	const changes = await makeSevenChanges('b');
	const found = await poll(state);
	expectSevenEvents(found.events, changes);
	expect(found.requests.every((line) => line.includes('/harmonyuser/v1/users/changed'))).toBe(true);

	const quiet = await poll(state);
	expect(quiet.items).toBeNull();
	expect(quiet.requests).toHaveLength(1);

	// Force Full Scan ignores the bridge.
	const forced = await poll(state, { ...EVERYTHING, options: { forceFullScan: true } });
	expect(forced.items).toBeNull();
	expect(forced.requests.filter((line) => line.includes('/wp/v2/users'))).toHaveLength(51);

	// The bridge removed: its changes route is gone, so the poll scans instead (and sees no change).
	await lab.deactivatePlugin(site, BRIDGE);
	const fallback = await poll(state);
	expect(fallback.items).toBeNull();
	expect(fallback.requests.filter((line) => line.includes('/wp/v2/users'))).toHaveLength(51);
	expect((state[`node:${NODE_NAME}`] as IDataObject).bridge).toMatchObject({ present: false });
}, 180_000);
