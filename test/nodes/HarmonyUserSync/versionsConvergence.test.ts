/**
 * Ordering and convergence end to end: two lab sites with the bridge, each site's real signed events captured by a
 * receiver and applied to the other site by the User Sync node in n8n's engine (a two-way A ↔ B sync).
 *
 *   - 50 rounds of simultaneous edits of one user on A and B (the same field, and different fields), the events
 *     exchanged both ways at the same time: every round must end with A and B identical field for field, and the
 *     different-field rounds must keep both edits;
 *   - an older event delivered after a newer one (a late retry, a Replay Failed) ends `stale`;
 *   - a delete, then an older update of the deleted user (Create Missing Users on Update off and on): the user
 *     stays deleted;
 *   - a change whose first delivery met a 503, then a newer change: through the bridge's real queue the target
 *     ends with the newer state;
 *   - a three-site ring A → B → C → A with simultaneous edits on A and C: all three converge.
 * The counts are printed.
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { clearWebhooks, installBridge, NS, removeBridge } from '../../../lab/harness/bridge';
import type { SyncResult } from '../../../core/sync/result';
import { allDeliveriesSettled, deliveriesSettled } from '../../../lab/harness/deliveries';
import { runSync, uniqueLogin } from '../../../lab/harness/sync';
import { WebhookReceiver } from '../../../lab/harness/webhookReceiver';
import { rest } from '../../../lab/harness/wp';

let A: Site;
let B: Site;
let C: Site;
const receivers = new Map<string, WebhookReceiver>();
const FIELDS =
	'id,username,email,name,first_name,last_name,nickname,description,url,harmonyuser_locale,roles,meta,harmonyuser_versions';
const COMPARED = [
	'email',
	'name',
	'first_name',
	'last_name',
	'nickname',
	'description',
	'url',
	'harmonyuser_locale',
	'roles',
] as const;

// Events as the bridge sent them (JSON): tests read and copy their fields.
type Event = Record<string, any>;

beforeAll(async () => {
	[A, B, C] = lab.sites();
	await Promise.all([installBridge(A), installBridge(B), installBridge(C)]);
	for (const site of [A, B, C]) {
		await clearWebhooks(site);
		await lab.wpEval(site, "update_option('harmonyuser_bridge_allow_local_receivers', '1');");
		const secret = randomBytes(16).toString('hex');
		const receiver = new WebhookReceiver(secret);
		await receiver.start();
		const hook = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: {
				url: receiver.url,
				secret,
				events: ['user.created', 'user.updated', 'user.deleted', 'user.password_changed'],
			},
		});
		expect(hook.status).toBe(201);
		receivers.set(site.url, receiver);
	}
}, 60_000);

afterAll(async () => {
	for (const site of [A, B, C]) {
		await clearWebhooks(site);
		await receivers.get(site.url)?.stop();
	}
	await Promise.all([removeBridge(A), removeBridge(B), removeBridge(C)]);
});

const receiverOf = (site: Site) => receivers.get(site.url) as WebhookReceiver;

/** The signed events a site's bridge delivered about `login`, once there are more than `after`. */
async function eventsAfter(site: Site, login: string, after: number): Promise<Event[]> {
	for (let i = 0; i < 200; i++) {
		const found = receiverOf(site).eventsFor(login);
		if (found.length > after) return found.slice(after);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`${site.name} delivered no event for ${login} after #${after}`);
}

async function apply(site: Site, events: Event[], parameters = {}): Promise<SyncResult[]> {
	if (!events.length) return [];
	const { results, error } = await runSync({
		site,
		operation: 'applyEvent',
		input: events,
		parameters,
	});
	if (error) throw error;
	return results;
}

async function userOn(site: Site, login: string): Promise<Record<string, unknown> | undefined> {
	const id = (await lab.sql(site, `SELECT ID FROM wp_users WHERE user_login = '${login}'`)).trim();
	if (!id) return undefined;
	return (await rest(site, site.admin, `/wp/v2/users/${id}?context=edit&_fields=${FIELDS}`)).body;
}

const comparable = (user: Record<string, unknown> | undefined) =>
	user &&
	Object.fromEntries(
		COMPARED.map((key) => [
			key,
			key === 'roles' ? [...(user.roles as string[])].sort() : user[key],
		]),
	);

/** A user created on A and synced into B (linked on both), with both receivers' counts. */
async function sharedUser(prefix: string): Promise<{ login: string; idA: number; idB: number }> {
	const login = uniqueLogin(prefix);
	const created = await rest(A, A.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: login,
			email: `${login}@a.example.test`,
			password: 'Converge-pass-1',
			first_name: 'Start',
			last_name: 'Point',
			roles: ['subscriber'],
		},
	});
	expect(created.status).toBe(201);
	const [event] = await eventsAfter(A, login, 0);
	const [result] = await apply(B, [event]);
	expect(result).toMatchObject({ status: 'synced', reason: 'created' });
	// B's event about the user it created comes back to A and stops there
	const echo = await eventsAfter(B, login, 0);
	expect((await apply(A, echo)).map((r) => r.reason)).toEqual(['loop_detected']);
	const idB = Number(
		(await lab.sql(B, `SELECT ID FROM wp_users WHERE user_login = '${login}'`)).trim(),
	);
	return { login, idA: created.body.id, idB };
}

/**
 * Applies every event each site delivered since `seen` to the other site, both directions at the same time, and
 * again for the events those writes caused, until no site sends anything new.
 */
async function exchange(
	login: string,
	seen: Map<string, number>,
	strip = false,
): Promise<SyncResult[]> {
	const all: SyncResult[] = [];
	const prepare = (events: Event[]) => (strip ? events.map(withoutVersions) : events);
	for (let pass = 0; pass < 4; pass++) {
		const fromA = prepare(receiverOf(A).eventsFor(login).slice(seen.get(A.url)));
		const fromB = prepare(receiverOf(B).eventsFor(login).slice(seen.get(B.url)));
		if (!fromA.length && !fromB.length) return all;
		seen.set(A.url, (seen.get(A.url) ?? 0) + fromA.length);
		seen.set(B.url, (seen.get(B.url) ?? 0) + fromB.length);
		const [onB, onA] = await Promise.all([apply(B, fromA), apply(A, fromB)]);
		all.push(...onB, ...onA);
	}
	throw new Error('the sites kept sending events: no quiescence after 4 passes');
}

/** An event as an unversioned source would send it (the behaviour before versions, for comparison). */
function withoutVersions(event: Event): Event {
	const copy: Event = { ...event, user: { ...event.user } };
	delete copy.version;
	delete copy.user.versions;
	return copy;
}

interface Tally {
	rounds: number;
	sameField: number;
	differentFields: number;
	divergent: number;
	bothEditsKept: number;
	winnerA: number;
	winnerB: number;
	stale: number;
	synced: number;
	loops: number;
	other: number;
}

/**
 * `rounds` rounds of simultaneous edits of one user on A and B, each exchanged both ways at once; `strip` sends the
 * events without their versions. Returns the counts and a description of every divergent round.
 */
async function simultaneousEdits(
	rounds: number,
	strip = false,
): Promise<{ tally: Tally; divergences: string[] }> {
	const { login, idA, idB } = await sharedUser(strip ? 'nover' : 'conv');
	const seen = new Map([
		[A.url, receiverOf(A).eventsFor(login).length],
		[B.url, receiverOf(B).eventsFor(login).length],
	]);
	const tally: Tally = {
		rounds: 0,
		sameField: 0,
		differentFields: 0,
		divergent: 0,
		bothEditsKept: 0,
		winnerA: 0,
		winnerB: 0,
		stale: 0,
		synced: 0,
		loops: 0,
		other: 0,
	};
	const divergences: string[] = [];
	for (let round = 0; round < rounds; round++) {
		const same = round % 2 === 0;
		// same field: email or first name on both; different fields: email or first name on A, last name or bio on B
		const fieldA = round % 4 < 2 ? 'email' : 'first_name';
		const fieldB = same ? fieldA : round % 4 === 1 ? 'last_name' : 'description';
		const valueOf = (site: string, field: string) =>
			field === 'email' ? `${login}.${site}${round}@conv.example.test` : `${site}-${round}`;
		const before = {
			a: receiverOf(A).eventsFor(login).length,
			b: receiverOf(B).eventsFor(login).length,
		};
		const [wa, wb] = await Promise.all([
			rest(A, A.admin, `/wp/v2/users/${idA}`, {
				method: 'POST',
				body: { [fieldA]: valueOf('a', fieldA) },
			}),
			rest(B, B.admin, `/wp/v2/users/${idB}`, {
				method: 'POST',
				body: { [fieldB]: valueOf('b', fieldB) },
			}),
		]);
		expect([wa.status, wb.status]).toEqual([200, 200]);
		await Promise.all([eventsAfter(A, login, before.a), eventsAfter(B, login, before.b)]);
		const results = await exchange(login, seen, strip);
		for (const r of results) {
			if (r.reason === 'stale') tally.stale++;
			else if (r.status === 'synced') tally.synced++;
			else if (r.reason === 'loop_detected') tally.loops++;
			else tally.other++;
		}
		const [ua, ub] = [comparable(await userOn(A, login)), comparable(await userOn(B, login))];
		tally.rounds++;
		if (JSON.stringify(ua) !== JSON.stringify(ub)) {
			tally.divergent++;
			divergences.push(`round ${round}: A ${JSON.stringify(ua)} B ${JSON.stringify(ub)}`);
		}
		if (same) {
			tally.sameField++;
			if (ua?.[fieldA] === valueOf('a', fieldA)) tally.winnerA++;
			else if (ua?.[fieldA] === valueOf('b', fieldA)) tally.winnerB++;
		} else {
			tally.differentFields++;
			if (
				ua?.[fieldA] === valueOf('a', fieldA) &&
				ua?.[fieldB] === valueOf('b', fieldB) &&
				ub?.[fieldA] === valueOf('a', fieldA) &&
				ub?.[fieldB] === valueOf('b', fieldB)
			) {
				tally.bothEditsKept++;
			}
		}
	}
	return { tally, divergences };
}

test('50 rounds of simultaneous edits on A and B, exchanged both ways: no round diverges; different fields keep both edits', async () => {
	const { tally, divergences } = await simultaneousEdits(50);
	console.log(
		`convergence, 50 rounds of simultaneous edits A ↔ B, with versions: ${JSON.stringify(tally)}`,
	);
	expect(divergences).toEqual([]);
	expect(tally.divergent).toBe(0);
	expect(tally.bothEditsKept).toBe(tally.differentFields);
	expect(tally.winnerA + tally.winnerB).toBe(tally.sameField);
	expect(tally.other).toBe(0);
}, 600_000);

test('for comparison, the same edits exchanged without versions diverge', async () => {
	const { tally } = await simultaneousEdits(10, true);
	console.log(`without versions, 10 rounds of simultaneous edits A ↔ B: ${JSON.stringify(tally)}`);
	expect(tally.divergent).toBeGreaterThan(0);
}, 300_000);

test('an older event delivered after a newer one (a late retry, a replay) ends stale: the newer state stays', async () => {
	const { login, idA } = await sharedUser('late');
	const n = receiverOf(A).eventsFor(login).length;
	await rest(A, A.admin, `/wp/v2/users/${idA}`, {
		method: 'POST',
		body: { first_name: 'Older', description: 'older bio' },
	});
	const [older] = await eventsAfter(A, login, n);
	await rest(A, A.admin, `/wp/v2/users/${idA}`, { method: 'POST', body: { first_name: 'Newer' } });
	const [newer] = await eventsAfter(A, login, n + 1);
	expect(newer.version > older.version).toBe(true);

	expect((await apply(B, [newer]))[0]).toMatchObject({ status: 'synced', reason: 'updated' });
	// the older event arrives late (its first delivery met a 503), and again from a Replay Failed
	const late = await apply(B, [older]);
	const replay = await apply(B, [{ ...older, id: `${older.id}-replay`, replayOf: 'log-entry-1' }]);
	const stateB = await userOn(B, login);
	console.log(
		`late retry: ${late[0].status}/${late[0].reason}; replay: ${replay[0].status}/${replay[0].reason}; B first name: ${String(stateB?.first_name)}`,
	);
	for (const r of [late[0], replay[0]])
		expect(r).toMatchObject({ status: 'skipped', reason: 'stale' });
	expect(stateB).toMatchObject({ first_name: 'Newer', description: 'older bio' });
	expect(comparable(stateB)).toEqual(comparable(await userOn(A, login)));
});

test.each([false, true])(
	'a delete, then an older update of the user (create-on-update %s): it stays deleted',
	async (createOnUpdate) => {
		const { login, idA } = await sharedUser(createOnUpdate ? 'tombc' : 'tombn');
		const n = receiverOf(A).eventsFor(login).length;
		await rest(A, A.admin, `/wp/v2/users/${idA}`, {
			method: 'POST',
			body: { first_name: 'Before delete' },
		});
		const [update] = await eventsAfter(A, login, n);
		await rest(A, A.admin, `/wp/v2/users/${idA}?force=true&reassign=1`, { method: 'DELETE' });
		const [deleted] = await eventsAfter(A, login, n + 1);
		expect(deleted).toMatchObject({ event: 'user.deleted', version: expect.any(String) });
		expect(deleted.version > update.version).toBe(true);

		expect((await apply(B, [deleted]))[0]).toMatchObject({ status: 'synced', reason: 'deleted' });
		const tombstone = (
			await lab.sql(B, `SELECT version FROM wp_harmonyuser_tombstones WHERE login = '${login}'`)
		).trim();
		expect(tombstone).toBe(deleted.version);
		// the older update arrives afterwards (a retry, a replay)
		const [late] = await apply(B, [update], { createOnUpdate });
		console.log(
			`delete then older update, create-on-update ${createOnUpdate}: ${late.status}/${late.reason}`,
		);
		// B's tombstone is newer than the update: stale, whether or not the node may create missing users
		expect(late).toMatchObject({ status: 'skipped', reason: 'stale' });
		expect(await userOn(B, login)).toBeUndefined();

		// even a node that did not look: the bridge refuses the re-create itself (409 harmonyuser_stale)
		const direct = await rest(B, B.admin, '/wp/v2/users', {
			method: 'POST',
			body: {
				username: login,
				email: update.user.email,
				password: 'Resurrect-1',
				meta: { harmonyuser_sync_id: update.user.syncId, harmonyuser_sync_linked: '1' },
				harmonyuser_versions: {
					email: update.user.versions.email,
					first_name: update.user.versions.first_name,
				},
			},
		});
		expect(direct.status).toBe(409);
		expect(direct.body.code).toBe('harmonyuser_stale');
		expect(await userOn(B, login)).toBeUndefined();
	},
);

test('a change whose delivery met a 503, then a newer one: through the real queue the target ends with the newer state', async () => {
	const { login, idA } = await sharedUser('retry');
	const receiver = receiverOf(A);
	const n = receiver.eventsFor(login).length;
	receiver.status = 503;
	await rest(A, A.admin, `/wp/v2/users/${idA}`, {
		method: 'POST',
		body: { first_name: 'Change 1', description: 'one' },
	});
	await eventsAfter(A, login, n); // the 503'd attempt
	receiver.status = 200;
	await rest(A, A.admin, `/wp/v2/users/${idA}`, {
		method: 'POST',
		body: { first_name: 'Change 2' },
	});
	await deliveriesSettled(A);
	// change 2 waits for change 1's retry (per-user order): nothing newer went out before it
	expect(receiver.eventsFor(login).length).toBe(n + 1);
	await rest(A, A.admin, `${NS}/queue/run`, { method: 'POST', body: { force: true } });
	// what the receiver accepted (a 2xx), in delivery order, goes to B, as a webhook-triggered workflow would
	const delivered = receiver.eventsFor(login).slice(n + 1);
	expect(delivered.map((e) => e.user.firstName)).toEqual(['Change 1', 'Change 2']);
	const results = [];
	for (const event of delivered) results.push(...(await apply(B, [event])));
	// and a Replay Failed of change 1 afterwards changes nothing
	results.push(
		...(await apply(B, [{ ...delivered[0], id: `${delivered[0].id}-replay`, replayOf: 'log-1' }])),
	);
	console.log(
		`503 then retry through the queue: ${results.map((r) => `${r.status}/${r.reason}`).join(', ')}`,
	);
	expect(results.map((r) => r.reason)).toEqual(['updated', 'updated', 'stale']);
	expect(await userOn(B, login)).toMatchObject({ first_name: 'Change 2', description: 'one' });
});

test('a ring A → B → C → A with simultaneous edits on A and C: all three sites converge', async () => {
	const login = uniqueLogin('ring');
	const next = new Map([
		[A.url, B],
		[B.url, C],
		[C.url, A],
	]);
	const seen = new Map<string, number>(
		[A, B, C].map((site) => [site.url, receiverOf(site).eventsFor(login).length]),
	);
	/** Every site's new events to its successor in the ring, all at once, until nothing new is sent. */
	const flow = async () => {
		const results: SyncResult[] = [];
		for (let pass = 0; pass < 8; pass++) {
			await allDeliveriesSettled(A, B, C); // the bridges deliver after their responses (their runners)
			const batches = [A, B, C].map((site) => {
				const events = receiverOf(site).eventsFor(login).slice(seen.get(site.url));
				seen.set(site.url, (seen.get(site.url) ?? 0) + events.length);
				return [next.get(site.url) as Site, events] as const;
			});
			if (batches.every(([, events]) => !events.length)) return results;
			for (const r of await Promise.all(batches.map(([target, events]) => apply(target, events))))
				results.push(...r);
		}
		throw new Error('the ring kept sending events');
	};
	const created = await rest(A, A.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: login,
			email: `${login}@ring.example.test`,
			password: 'Ring-pass-1',
			first_name: 'Ring',
			last_name: 'Start',
			roles: ['subscriber'],
		},
	});
	expect(created.status).toBe(201);
	await eventsAfter(A, login, 0);
	await flow();
	const ids = new Map<string, number>();
	for (const site of [A, B, C])
		ids.set(
			site.url,
			Number((await lab.sql(site, `SELECT ID FROM wp_users WHERE user_login = '${login}'`)).trim()),
		);
	expect([...ids.values()].every((id) => id > 0)).toBe(true);

	const tally = {
		rounds: 0,
		divergent: 0,
		bothEditsKept: 0,
		differentFields: 0,
		stale: 0,
		loops: 0,
	};
	for (let round = 0; round < 10; round++) {
		const same = round % 2 === 0;
		const fieldA = 'first_name';
		const fieldC = same ? 'first_name' : 'last_name';
		const counts = {
			a: receiverOf(A).eventsFor(login).length,
			c: receiverOf(C).eventsFor(login).length,
		};
		await Promise.all([
			rest(A, A.admin, `/wp/v2/users/${ids.get(A.url)}`, {
				method: 'POST',
				body: { [fieldA]: `a-${round}` },
			}),
			rest(C, C.admin, `/wp/v2/users/${ids.get(C.url)}`, {
				method: 'POST',
				body: { [fieldC]: `c-${round}` },
			}),
		]);
		await Promise.all([eventsAfter(A, login, counts.a), eventsAfter(C, login, counts.c)]);
		for (const r of await flow()) {
			if (r.reason === 'stale') tally.stale++;
			if (r.reason === 'loop_detected') tally.loops++;
		}
		const states = await Promise.all(
			[A, B, C].map(async (site) => JSON.stringify(comparable(await userOn(site, login)))),
		);
		tally.rounds++;
		if (new Set(states).size !== 1) tally.divergent++;
		if (!same) {
			tally.differentFields++;
			const state = JSON.parse(states[0]) as Record<string, unknown>;
			if (
				new Set(states).size === 1 &&
				state.first_name === `a-${round}` &&
				state.last_name === `c-${round}`
			)
				tally.bothEditsKept++;
		}
	}
	console.log(
		`ring A → B → C → A, 10 rounds of simultaneous edits on A and C: ${JSON.stringify(tally)}`,
	);
	expect(tally.divergent).toBe(0);
	expect(tally.bothEditsKept).toBe(tally.differentFields);
}, 300_000);
