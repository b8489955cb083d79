/**
 * The bridge's versions, over REST against real lab sites: the hybrid logical clock, per-field versions kept and
 * shown on users, versions given to local changes, compare-and-set of versioned writes (single and in /batch/v1),
 * versioned deletes and their tombstones, the resolve route's tombstone, and per-user order in the delivery queue.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { rest } from '../../lab/harness/wp';
import {
	NS,
	clearWebhooks,
	installBridge,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';

const VERSION = /^\d{17}\.\d{4}\.[0-9a-f]{8}$/;
const META_FIXTURE = path.join(__dirname, 'fixtures', 'hus-bridge-test-meta.php');
const SLOW_FIXTURE = path.join(__dirname, '..', 'fixtures', 'wp', 'slow-user-write.php');
const FIELDS =
	'id,username,email,first_name,last_name,name,description,roles,meta,harmonyuser_versions,harmonyuser_stale';

/** A version as another site would make it: now + offsetMs, counter, site id. */
function ver(offsetMs = 0, counter = 0, siteId = 'feedf00d'): string {
	return `${String((Date.now() + offsetMs) * 1000).padStart(17, '0')}.${String(counter).padStart(4, '0')}.${siteId}`;
}

/** Polls `check` until it holds (10 s at most). */
async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
	const until = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > until)
			throw new Error(`not within ${ms} ms: ${check.toString().slice(0, 200)}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** A moment for deliveries made after the answer (PHP-FPM) to arrive. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

/** The wall time (µs) of the site's clock: the newest of now and what it issued or observed (tests move it ahead). */
async function clockWall(site: Site): Promise<number> {
	const stored = (
		await lab.sql(
			site,
			"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_clock'",
		)
	).trim();
	return Math.max(Date.now() * 1000, Number(stored.split('.')[0]) || 0);
}

/** A version another site made `offsetMs` after anything this site has seen so far (newer than its copies). */
async function newer(
	site: Site,
	offsetMs = 1_000,
	counter = 0,
	siteId = 'feedf00d',
): Promise<string> {
	return `${String((await clockWall(site)) + offsetMs * 1000).padStart(17, '0')}.${String(counter).padStart(4, '0')}.${siteId}`;
}

describe('bridge plugin: versions', () => {
	let site: Site;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	let hookId: string;

	beforeAll(async () => {
		[site] = lab.sites();
		lab.installMuPlugin(site, META_FIXTURE, 'hus-bridge-test-meta');
		await installBridge(site);
		await clearWebhooks(site);
		await receiver.start();
		const r = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: {
				url: receiver.url,
				secret,
				events: ['user.created', 'user.updated', 'user.deleted', 'user.password_changed'],
			},
		});
		expect(r.status).toBe(201);
		hookId = r.body.id;
	});
	afterAll(async () => {
		await clearWebhooks(site);
		await receiver.stop();
		lab.removeMuPlugin(site, 'hus-bridge-test-meta');
		await removeBridge(site);
	});

	/**
	 * The events about `login` once there are at least `count` (under PHP-FPM the bridge delivers after the answer),
	 * and a moment more so that one too many would show.
	 */
	const eventsOf = async (login: string, count: number) => {
		await eventually(() => receiver.eventsFor(login).length >= count);
		await settle();
		return receiver.eventsFor(login);
	};
	/** A user created by a local REST write, once its user.created event has arrived. */
	const create = async (body: Record<string, unknown> = {}) => {
		const login = uniqueLogin('ver');
		const r = await rest(site, site.admin, `/wp/v2/users?context=edit&_fields=${FIELDS}`, {
			method: 'POST',
			body: {
				username: login,
				email: `${login}@versions.test`,
				password: 'Versions-pass-1',
				first_name: 'Vera',
				last_name: 'Sion',
				...body,
			},
		});
		expect(r.status).toBe(201);
		await eventsOf(login, 1);
		return r.body as { id: number; username: string; email: string; meta: Record<string, string> };
	};
	const get = async (id: number) =>
		(await rest(site, site.admin, `/wp/v2/users/${id}?context=edit&_fields=${FIELDS}`)).body;
	const versionsOf = async (id: number): Promise<Record<string, string>> =>
		(await get(id)).harmonyuser_versions;
	const update = (id: number, body: Record<string, unknown>) =>
		rest(site, site.admin, `/wp/v2/users/${id}?context=edit&_fields=${FIELDS}`, {
			method: 'POST',
			body,
		});

	test('info: the site id (8 hex characters, stable) and the versions feature', async () => {
		const one = await rest(site, site.admin, `${NS}/info`);
		const two = await rest(site, site.admin, `${NS}/info`);
		expect(one.body.siteId).toMatch(/^[0-9a-f]{8}$/);
		expect(two.body.siteId).toBe(one.body.siteId);
		expect(one.body.features).toContain('versions');
		const stored = await lab.sql(
			site,
			"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_site_id'",
		);
		expect(stored.trim()).toBe(one.body.siteId);
	});

	test('a local create gives every field one version; the event carries it; versions are never meta', async () => {
		const u = await create({ meta: { hus_bridge_test_color: 'teal' } });
		const { siteId } = (await rest(site, site.admin, `${NS}/info`)).body;
		const versions = await versionsOf(u.id);
		expect(Object.keys(versions).sort()).toEqual(
			[
				'description',
				'email',
				'first_name',
				'last_name',
				'locale',
				'meta.hus_bridge_test_color',
				'name',
				'nickname',
				'password',
				'roles',
				'url',
			].sort(),
		);
		const [only] = new Set(Object.values(versions));
		expect(new Set(Object.values(versions)).size).toBe(1);
		expect(only).toMatch(VERSION);
		expect(only.endsWith(`.${siteId}`)).toBe(true);
		// wall time in µs: now, or the site's clock if other tests moved it ahead
		expect(Number(only.slice(0, 17))).toBeGreaterThan((Date.now() - 60_000) * 1000);
		expect(Number(only.slice(0, 17))).toBeLessThanOrEqual(await clockWall(site));
		const [event] = receiver.eventsFor(u.username);
		expect(event).toMatchObject({ event: 'user.created', version: only, user: { versions } });
		expect(event.user.meta).toEqual({ hus_bridge_test_color: 'teal' });
		// read-only view: _fields alone works, and a user without versions shows {}
		const only1 = await rest(
			site,
			site.admin,
			`/wp/v2/users/${u.id}?context=edit&_fields=harmonyuser_versions`,
		);
		expect(only1.body).toEqual({ harmonyuser_versions: versions });
		const admin = await rest(
			site,
			site.admin,
			`/wp/v2/users/1?context=edit&_fields=harmonyuser_versions,harmonyuser_stale`,
		);
		expect(admin.body).toEqual({ harmonyuser_versions: expect.any(Object), harmonyuser_stale: [] });
		const view = await rest(site, site.admin, `/wp/v2/users/${u.id}`);
		expect(view.body).not.toHaveProperty('harmonyuser_versions');
	});

	test('a local change bumps only the fields it changed, with one new version; the event carries the newest', async () => {
		const u = await create();
		const before = await versionsOf(u.id);
		receiver.clear();
		const r = await update(u.id, {
			first_name: 'Changed',
			description: 'New bio',
			last_name: 'Sion',
		});
		expect(r.status).toBe(200);
		// the tracker versions a local change at the end of the request (after the answer): read them again
		const stored = await versionsOf(u.id);
		expect(stored.first_name > before.first_name).toBe(true);
		expect(stored.description).toBe(stored.first_name);
		for (const key of Object.keys(before).filter((k) => k !== 'first_name' && k !== 'description'))
			expect(stored[key]).toBe(before[key]);
		const [event] = await eventsOf(u.username, 1);
		expect(event).toMatchObject({
			event: 'user.updated',
			version: stored.first_name,
			user: { versions: stored, firstName: 'Changed' },
		});

		// in PHP, as wp-admin would (wp_update_user), and a password reset: again only what changed
		receiver.clear();
		await lab.wpEval(site, `wp_update_user(array('ID' => ${u.id}, 'last_name' => 'Admin-side'));`);
		const afterAdmin = await versionsOf(u.id);
		expect(afterAdmin.last_name > stored.first_name).toBe(true);
		expect(afterAdmin.first_name).toBe(stored.first_name);
		await lab.wpEval(site, `wp_set_password('Another-pass-2', ${u.id});`);
		const afterPassword = await versionsOf(u.id);
		expect(afterPassword.password > afterAdmin.last_name).toBe(true);
		expect(afterPassword.last_name).toBe(afterAdmin.last_name);
		const events = await eventsOf(u.username, 2);
		expect(events.map((e) => [e.event, e.version])).toEqual([
			['user.updated', afterAdmin.last_name],
			['user.password_changed', afterPassword.password],
		]);
		// a no-op write changes no version
		await update(u.id, { first_name: 'Changed' });
		expect(await versionsOf(u.id)).toEqual(afterPassword);
	});

	test('the clock: strictly increasing local versions; a clock behind the last version counts on; applied versions are observed', async () => {
		const u = await create();
		const seen: string[] = [];
		for (let i = 0; i < 5; i++) {
			await update(u.id, { description: `step ${i}` });
			seen.push((await versionsOf(u.id)).description);
		}
		expect([...seen].sort()).toEqual(seen);
		expect(new Set(seen).size).toBe(5);
		// the wall clock "went back" 3 s: the clock's last reading is ahead, so the counter orders the next changes
		const ahead = String((await clockWall(site)) + 3_000_000).padStart(17, '0');
		await lab.sql(
			site,
			`UPDATE wp_options SET option_value = '${ahead}.0007' WHERE option_name = 'harmonyuser_bridge_clock'`,
		);
		await update(u.id, { description: 'behind 1' });
		const v1 = (await versionsOf(u.id)).description;
		await update(u.id, { description: 'behind 2' });
		const v2 = (await versionsOf(u.id)).description;
		expect(v1.slice(0, 22)).toBe(`${ahead}.0008`);
		expect(v2.slice(0, 22)).toBe(`${ahead}.0009`);
		// applying a version from another site 6 s ahead moves this clock past it
		const remote = await newer(site, 6_000, 3);
		expect(
			(
				await update(u.id, {
					url: 'https://observed.example',
					harmonyuser_versions: { url: remote },
				})
			).status,
		).toBe(200);
		await update(u.id, { description: 'after observe' });
		const local = (await versionsOf(u.id)).description;
		expect(local > remote).toBe(true);
		expect(local.slice(0, 17)).toBe(remote.slice(0, 17));
		expect(local.slice(18, 22)).toBe('0004');
	});

	test('compare-and-set: older and equal versions lose per field and are named; newer win; the map keeps the max', async () => {
		const u = await create({ meta: { hus_bridge_test_color: 'teal' } });
		const local = await versionsOf(u.id);
		const older = '00000000000000001.0000.aaaaaaaa';
		const later = await newer(site);
		receiver.clear();
		const r = await update(u.id, {
			first_name: 'Older',
			last_name: 'Newer',
			email: `${u.username}@equal.test`,
			meta: { hus_bridge_test_color: 'old-red' },
			harmonyuser_versions: {
				first_name: older,
				last_name: later,
				email: local.email,
				'meta.hus_bridge_test_color': older,
			},
		});
		expect(r.status).toBe(200);
		expect(r.body.harmonyuser_stale.sort()).toEqual([
			'email',
			'first_name',
			'meta.hus_bridge_test_color',
		]);
		expect(r.body).toMatchObject({
			first_name: 'Vera',
			last_name: 'Newer',
			email: u.email,
			meta: { hus_bridge_test_color: 'teal' },
		});
		const stored = await versionsOf(u.id);
		expect(stored).toEqual({ ...local, last_name: later });
		// the change a versioned write made carries the version it applied, not a new one: its echo compares equal
		const [event] = await eventsOf(u.username, 1);
		expect(event).toMatchObject({
			event: 'user.updated',
			version: later,
			user: { lastName: 'Newer', versions: stored },
		});

		// the same write again: all stale, nothing written, 200 with the current user and the whole list
		receiver.clear();
		const again = await update(u.id, {
			last_name: 'Newer again',
			harmonyuser_versions: { last_name: later },
		});
		expect(again.status).toBe(200);
		expect(again.body).toMatchObject({
			id: u.id,
			last_name: 'Newer',
			harmonyuser_stale: ['last_name'],
		});
		await settle();
		expect(receiver.eventsFor(u.username)).toHaveLength(0);
		// a meta key loses alone; the other keys of the same write apply
		const m = await update(u.id, {
			meta: { hus_bridge_test_color: 'blue' },
			description: 'kept',
			harmonyuser_versions: {
				'meta.hus_bridge_test_color': older,
				description: await newer(site, 2_000),
			},
		});
		expect(m.body).toMatchObject({
			description: 'kept',
			meta: { hus_bridge_test_color: 'teal' },
			harmonyuser_stale: ['meta.hus_bridge_test_color'],
		});
		// without versions: a local change, as today (newer than anything the site saw)
		const plain = await update(u.id, { last_name: 'Local' });
		expect(plain.body.harmonyuser_stale).toEqual([]);
		expect((await versionsOf(u.id)).last_name > later).toBe(true);
	});

	test('compare-and-set: the password hash maps to "password"; a stale one is not applied', async () => {
		const u = await create();
		const hashOf = async () =>
			(await lab.sql(site, `SELECT user_pass FROM wp_users WHERE ID = ${u.id}`)).trim();
		const before = await hashOf();
		const local = await versionsOf(u.id);
		const hash = '$P$BabcdefghijklmnopqrstuvwxyzABCD.';
		const stale = await update(u.id, {
			harmonyuser_password_hash: hash,
			harmonyuser_versions: { password: local.password },
		});
		expect(stale.body.harmonyuser_stale).toEqual(['password']);
		expect(await hashOf()).toBe(before);
		receiver.clear();
		const v = await newer(site);
		const fresh = await update(u.id, {
			harmonyuser_password_hash: hash,
			harmonyuser_versions: { password: v },
		});
		expect(fresh.body.harmonyuser_stale).toEqual([]);
		expect(await hashOf()).toBe(hash);
		expect((await versionsOf(u.id)).password).toBe(v);
		const [event] = await eventsOf(u.username, 1);
		expect(event).toMatchObject({ event: 'user.password_changed', version: v });
	});

	test('invalid versions are refused (400); a subscriber cannot send versions', async () => {
		const u = await create();
		const bad = await update(u.id, {
			first_name: 'X',
			harmonyuser_versions: { first_name: 'yesterday' },
		});
		expect(bad.status).toBe(400);
		expect((await get(u.id)).first_name).toBe('Vera');
		const badDelete = await rest(
			site,
			site.admin,
			`/wp/v2/users/${u.id}?force=true&reassign=1&harmonyuser_version=soon`,
			{ method: 'DELETE' },
		);
		expect(badDelete.status).toBe(400);
		const me = await rest(site, site.editor, '/wp/v2/users/me?context=edit', {
			method: 'POST',
			body: { description: 'mine', harmonyuser_versions: { description: ver() } },
		});
		expect(me.status).toBe(403);
	});

	test('concurrent versioned writes to one field: the newest version wins, whatever the arrival order', async () => {
		const u = await create();
		const base = (await clockWall(site)) / 1000 + 5_000;
		const writes = Array.from({ length: 24 }, (_, i) => ({
			value: `w${i}`,
			version: `${String((base + i) * 1000).padStart(17, '0')}.0000.${i % 2 ? 'aaaaaaaa' : 'bbbbbbbb'}`,
		}));
		const shuffled = [...writes].sort(() => Math.random() - 0.5);
		const answers = await Promise.all(
			shuffled.map((w) =>
				update(u.id, { first_name: w.value, harmonyuser_versions: { first_name: w.version } }),
			),
		);
		expect(answers.every((a) => a.status === 200)).toBe(true);
		const final = await get(u.id);
		expect(final.first_name).toBe('w23');
		expect(final.harmonyuser_versions.first_name).toBe(writes[23].version);
		// exactly the writes that came after a newer one were refused
		const applied = answers.filter((a) => a.body.harmonyuser_stale.length === 0).length;
		expect(applied).toBeGreaterThanOrEqual(1);
		expect(answers.filter((a) => a.body.harmonyuser_stale.length === 1).length).toBe(24 - applied);
	});

	test('a versioned write made before a local edit, arriving while that edit is being written: the local edit wins (no lost update)', async () => {
		lab.installMuPlugin(site, SLOW_FIXTURE, 'hus-slow-user-write');
		try {
			const u = await create();
			const { siteId } = (await rest(site, site.admin, `${NS}/info`)).body;
			const outcomes = { local: 0, lost: 0 };
			for (let i = 0; i < 6; i++) {
				// a version newer than anything the site holds, older than its next local version: the clock's last
				// reading with the greatest site id
				const clock = (
					await lab.sql(
						site,
						"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_clock'",
					)
				).trim();
				const sync = `${clock}.zzzzzzzz`;
				// the local edit (over REST, or in PHP as wp-admin does) writes, then pauses 800 ms before the end of its
				// request, where it is versioned; the sync write arrives in between
				const local =
					i % 2
						? lab.wpEval(
								site,
								`$GLOBALS['hus_test_slow_ms'] = 800; wp_update_user(array('ID' => ${u.id}, 'first_name' => 'L${i}'));`,
							)
						: rest(site, site.admin, `/wp/v2/users/${u.id}`, {
								method: 'POST',
								body: { first_name: `L${i}` },
								headers: { 'X-HUS-Test-Slow-Ms': '800' },
							});
				await eventually(
					async () =>
						(
							await lab.sql(
								site,
								"SELECT option_value FROM wp_options WHERE option_name = 'hus_test_slow_write'",
							)
						).trim() === `L${i}`,
				);
				const synced = await update(u.id, {
					first_name: `S${i}`,
					harmonyuser_versions: { first_name: sync },
				});
				await local;
				expect(synced.body.harmonyuser_stale).toEqual(['first_name']);
				const after = await get(u.id);
				if (
					after.first_name === `L${i}` &&
					after.harmonyuser_versions.first_name.endsWith(`.${siteId}`)
				)
					outcomes.local++;
				else outcomes.lost++;
			}
			expect(outcomes).toEqual({ local: 6, lost: 0 });
		} finally {
			lab.removeMuPlugin(site, 'hus-slow-user-write');
		}
	});

	test('batch: each sub-request is compared and set on its own and names its stale fields', async () => {
		const [a, b] = [await create(), await create()];
		const older = '00000000000000002.0000.aaaaaaaa';
		const later = await newer(site);
		const path = `?context=edit&_fields=${FIELDS}`;
		const r = await rest(site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: [
					{
						method: 'POST',
						path: `/wp/v2/users/${a.id}${path}`,
						body: { first_name: 'Batch old', harmonyuser_versions: { first_name: older } },
					},
					{
						method: 'POST',
						path: `/wp/v2/users/${b.id}${path}`,
						body: {
							first_name: 'Batch new',
							last_name: 'Too',
							harmonyuser_versions: { first_name: later, last_name: older },
						},
					},
				],
			},
		});
		expect(r.status).toBe(207);
		const [ra, rb] = r.body.responses;
		expect(ra).toMatchObject({
			status: 200,
			body: { first_name: 'Vera', harmonyuser_stale: ['first_name'] },
		});
		expect(rb).toMatchObject({
			status: 200,
			body: { first_name: 'Batch new', last_name: 'Sion', harmonyuser_stale: ['last_name'] },
		});
		expect((await versionsOf(b.id)).first_name).toBe(later);
	});

	test('versioned create: all fields take the versions given (the rest the newest); the event echoes them', async () => {
		receiver.clear();
		const first = await newer(site, 500);
		const v = await newer(site, 1_000);
		const login = uniqueLogin('vcr');
		const r = await rest(site, site.admin, `/wp/v2/users?context=edit&_fields=${FIELDS}`, {
			method: 'POST',
			body: {
				username: login,
				email: `${login}@versions.test`,
				password: 'Created-by-sync-1',
				first_name: 'Sync',
				harmonyuser_versions: { email: v, first_name: first },
			},
		});
		expect(r.status).toBe(201);
		expect(r.body.harmonyuser_stale).toEqual([]);
		const versions = await versionsOf(r.body.id);
		expect(versions.email).toBe(v);
		expect(versions.first_name).toBe(first);
		expect(versions.roles).toBe(v);
		expect(versions.password).toBe(v);
		const [event] = await eventsOf(login, 1);
		expect(event).toMatchObject({ event: 'user.created', version: v, user: { versions } });
	});

	test('deletes: an older delete loses (409 harmonyuser_stale); a newer one deletes and its tombstone keeps the version', async () => {
		const u = await create();
		const local = await versionsOf(u.id);
		const newest = Object.values(local).sort().at(-1) as string;
		const old = await rest(
			site,
			site.admin,
			`/wp/v2/users/${u.id}?force=true&reassign=1&harmonyuser_version=00000000000000003.0000.aaaaaaaa`,
			{ method: 'DELETE' },
		);
		expect(old.status).toBe(409);
		expect(old.body.code).toBe('harmonyuser_stale');
		expect((await get(u.id)).id).toBe(u.id);
		receiver.clear();
		// equal to the newest field: the delete goes ahead
		const ok = await rest(
			site,
			site.admin,
			`/wp/v2/users/${u.id}?force=true&reassign=1&harmonyuser_version=${newest}`,
			{ method: 'DELETE' },
		);
		expect(ok.status).toBe(200);
		const tomb = await lab.sql(
			site,
			`SELECT version FROM wp_harmonyuser_tombstones WHERE user_id = ${u.id}`,
		);
		expect(tomb.trim()).toBe(newest);
		const [event] = await eventsOf(u.username, 1);
		expect(event).toMatchObject({
			event: 'user.deleted',
			version: newest,
			user: { versions: local },
		});
	});

	test('a local delete gets a new local version; the tombstone blocks an older versioned re-create and resolve reports it', async () => {
		const u = await create();
		const syncId = u.meta.harmonyuser_sync_id;
		receiver.clear();
		await lab.wpEval(
			site,
			`require_once ABSPATH . 'wp-admin/includes/user.php'; wp_delete_user(${u.id}, 1);`,
		);
		const tomb = (
			await lab.sql(site, `SELECT version FROM wp_harmonyuser_tombstones WHERE user_id = ${u.id}`)
		).trim();
		expect(tomb).toMatch(VERSION);
		expect((await eventsOf(u.username, 1))[0]).toMatchObject({
			event: 'user.deleted',
			version: tomb,
		});

		const resolve = await rest(
			site,
			site.admin,
			`${NS}/users/resolve?sync_id=${syncId}&email=nobody-${u.username}@x.test&login=nobody-${u.username}`,
		);
		expect(resolve.body).toEqual({
			user: null,
			matchedBy: null,
			tombstone: { version: tomb, time: expect.stringMatching(/Z$/) },
		});
		const none = await rest(
			site,
			site.admin,
			`${NS}/users/resolve?sync_id=${randomUUID()}&email=nobody-${u.username}@x.test&login=nobody-${u.username}`,
		);
		expect(none.body).toEqual({ user: null, matchedBy: null, tombstone: null });

		const recreate = (version: string) =>
			rest(site, site.admin, '/wp/v2/users', {
				method: 'POST',
				body: {
					username: u.username,
					email: u.email,
					password: 'Back-again-1',
					meta: { harmonyuser_sync_id: syncId, harmonyuser_sync_linked: '1' },
					harmonyuser_versions: { email: version, first_name: '00000000000000004.0000.aaaaaaaa' },
				},
			});
		for (const version of ['00000000000000005.0000.aaaaaaaa', tomb]) {
			const refused = await recreate(version);
			expect(refused.status).toBe(409);
			expect(refused.body).toMatchObject({
				code: 'harmonyuser_stale',
				data: { tombstone: { version: tomb } },
			});
		}
		expect(
			(
				await lab.sql(site, `SELECT COUNT(*) FROM wp_users WHERE user_login = '${u.username}'`)
			).trim(),
		).toBe('0');
		// a newer create may re-create the user
		const back = await recreate(await newer(site, 5_000));
		expect(back.status).toBe(201);
		expect(back.body.meta.harmonyuser_sync_id).toBe(syncId);
		// an unversioned create is a local one: not compared with tombstones (as before)
	});

	test('the queue keeps per-user order: a newer event waits for an older one that is waiting for its retry', async () => {
		const u = await create();
		const rows = async () =>
			(
				await lab.sql(
					site,
					`SELECT event, status, attempts FROM wp_harmonyuser_queue WHERE webhook_id = '${hookId}' AND user_id = ${u.id} ORDER BY id`,
				)
			)
				.trim()
				.split('\n')
				.map((line) => line.split('\t'));
		/** A change whose delivery meets a 503: once the bridge has recorded the failed attempt. */
		const failingChange = async (firstName: string) => {
			receiver.status = 503;
			await update(u.id, { first_name: firstName });
			await eventually(async () =>
				(await rows()).some(([, status, attempts]) => status === 'pending' && attempts === '1'),
			);
			receiver.status = 200;
		};
		receiver.clear();
		await failingChange('First change');
		await update(u.id, { first_name: 'Second change' });
		await settle();
		// the second was not sent although the receiver was up: the first waits for its retry
		expect(await rows()).toEqual([
			['user.created', 'delivered', '1'],
			['user.updated', 'pending', '1'],
			['user.updated', 'pending', '0'],
		]);
		expect(receiver.eventsFor(u.username).map((e) => e.user.firstName)).toEqual(['First change']);
		// a normal run before the retry is due sends neither
		await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST' });
		expect(receiver.eventsFor(u.username)).toHaveLength(1);
		// when the retry goes out, the newer event follows it at once, in order
		const run = await rest(site, site.admin, `${NS}/queue/run`, {
			method: 'POST',
			body: { force: true },
		});
		expect(run.body.delivered).toBeGreaterThanOrEqual(2);
		await settle();
		expect(receiver.eventsFor(u.username).map((e) => e.user.firstName)).toEqual([
			'First change',
			'First change',
			'Second change',
		]);
		expect((await rows()).map((r) => r[1])).toEqual(['delivered', 'delivered', 'delivered']);

		// the run that delivers the older row also sends the newer one that waited (no cron needed)
		receiver.clear();
		await failingChange('Third change');
		await update(u.id, { first_name: 'Fourth change' });
		await settle();
		await lab.sql(
			site,
			`UPDATE wp_harmonyuser_queue SET next_attempt_at = 0 WHERE webhook_id = '${hookId}' AND user_id = ${u.id} AND status = 'pending' AND attempts = 1`,
		);
		await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST' });
		expect(receiver.eventsFor(u.username).map((e) => e.user.firstName)).toEqual([
			'Third change',
			'Third change',
			'Fourth change',
		]);

		// a row that ran out of attempts no longer holds the user's later events back
		receiver.clear();
		await failingChange('Fifth change');
		await lab.sql(
			site,
			`UPDATE wp_harmonyuser_queue SET status = 'failed' WHERE webhook_id = '${hookId}' AND user_id = ${u.id} AND status = 'pending'`,
		);
		await update(u.id, { first_name: 'Sixth change' });
		expect((await eventsOf(u.username, 2)).map((e) => e.user.firstName)).toEqual([
			'Fifth change',
			'Sixth change',
		]);
	});

	test('upgrade from DB version 2: the tombstone table gets its version column, old tombstones a version from their time', async () => {
		await lab.sql(
			site,
			"ALTER TABLE wp_harmonyuser_tombstones DROP COLUMN version, DROP INDEX sync_id; UPDATE wp_options SET option_value = '2' WHERE option_name = 'harmonyuser_bridge_db_version';",
		);
		const sid = randomUUID();
		await lab.sql(
			site,
			`INSERT INTO wp_harmonyuser_tombstones (user_id, login, email, sync_id, deleted_at) VALUES (999999, 'legacy', 'legacy@x.test', '${sid}', '2026-01-02T03:04:05Z')`,
		);
		await rest(site, site.admin, `${NS}/info`); // any request upgrades
		expect(
			(
				await lab.sql(
					site,
					"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_db_version'",
				)
			).trim(),
		).toBe('3');
		const { siteId } = (await rest(site, site.admin, `${NS}/info`)).body;
		const version = (
			await lab.sql(site, `SELECT version FROM wp_harmonyuser_tombstones WHERE sync_id = '${sid}'`)
		).trim();
		expect(version).toBe(
			`${String(Date.parse('2026-01-02T03:04:05Z') * 1000).padStart(17, '0')}.0000.${siteId}`,
		);
		await lab.sql(site, `DELETE FROM wp_harmonyuser_tombstones WHERE sync_id = '${sid}'`);
	});
});
