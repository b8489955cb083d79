/**
 * What events carry and what the queue keeps: no password hash in any queue row (it is read at delivery), delivered
 * bodies blanked, only REST-visible unprotected meta, and size caps per field and per event with an error entry.
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { deliveriesSettled } from '../../lab/harness/deliveries';
import { rest } from '../../lab/harness/wp';
import {
	NS,
	clearWebhooks,
	createAccount,
	installBridge,
	openSealedHash,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';
import { GUARD_FIXTURE, GUARD_FIXTURE_NAME, dropUsers } from './guard-lab';

const FIELD_CAP = 65536;
const EVENT_CAP = 262144;

describe('bridge guard: event contents and the queue', () => {
	let site: Site;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	let hookId: string;
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		lab.installMuPlugin(site, GUARD_FIXTURE, GUARD_FIXTURE_NAME);
		await installBridge(site);
		await clearWebhooks(site);
		await receiver.start();
		const r = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: receiver.url, secret },
		});
		expect(r.status).toBe(201);
		hookId = r.body.id;
	});
	afterAll(async () => {
		await clearWebhooks(site);
		await receiver.stop();
		await dropUsers(site, made);
		await lab.wpEval(site, `delete_option('harmonyuser_bridge_event_errors');`);
		lab.removeMuPlugin(site, GUARD_FIXTURE_NAME);
		await removeBridge(site);
	});

	const create = async (body: Record<string, unknown> = {}) => {
		const login = uniqueLogin('gev');
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@guard.test`, password: 'Pw-guard-1', ...body },
		});
		expect(r.status).toBe(201);
		made.push(r.body.id);
		await deliveriesSettled(site);
		return { id: r.body.id as number, login };
	};
	/** The events about a login the receiver has, once the site's deliveries are done (they come after the response). */
	const eventsOf = async (login: string) => {
		await deliveriesSettled(site);
		return receiver.eventsFor(login);
	};
	const dbHash = async (id: number) =>
		(await lab.sql(site, `SELECT user_pass FROM wp_users WHERE ID = ${id}`)).trim();
	const rows = async (userId: number) =>
		(
			await lab.sql(
				site,
				`SELECT event, status, body FROM wp_harmonyuser_queue WHERE webhook_id = '${hookId}' AND user_id = ${userId} ORDER BY id`,
			)
		)
			.trim()
			.split('\n')
			.filter(Boolean)
			.map((line) => {
				const [event, status, ...body] = line.split('\t');
				return { event, status, body: body.join('\t') };
			});

	test('the queue never holds a password hash: stored without it, the current hash is read at delivery, delivered bodies are blanked', async () => {
		const port = receiver.port;
		await receiver.stop();
		const u = await create();
		const changed = await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { password: 'Second-pass-2' },
		});
		expect(changed.status).toBe(200);
		await deliveriesSettled(site);
		const hash = await dbHash(u.id);
		const waiting = await rows(u.id);
		expect(waiting.map((r) => [r.event, r.status])).toEqual([
			['user.created', 'pending'],
			['user.password_changed', 'pending'],
		]);
		for (const r of waiting) {
			expect(r.body).toContain(`"login":"${u.login}"`);
			expect(r.body).not.toContain('passwordHash');
			expect(r.body).not.toContain(hash);
			expect(r.body).not.toMatch(/\$P\$|\$wp\$|\$2y\$|\$argon2/);
		}
		// a row that ran out of attempts keeps its body for a retry, without the hash
		await lab.sql(
			site,
			`UPDATE wp_harmonyuser_queue SET attempts = 9 WHERE webhook_id = '${hookId}' AND user_id = ${u.id} AND event = 'user.created'`,
		);
		await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST', body: { force: true } });
		const failed = (await rows(u.id))[0];
		expect(failed.status).toBe('failed');
		expect(failed.body).not.toContain('passwordHash');

		await receiver.start(port);
		receiver.clear();
		const run = await rest(site, site.admin, `${NS}/queue/run`, {
			method: 'POST',
			body: { force: true },
		});
		expect(run.status).toBe(200);
		await lab.sql(
			site,
			`UPDATE wp_harmonyuser_queue SET status = 'pending' WHERE webhook_id = '${hookId}' AND user_id = ${u.id} AND status = 'failed'`,
		);
		await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST', body: { force: true } });
		const events = await eventsOf(u.login);
		expect(events.map((e) => e.event).sort()).toEqual(['user.created', 'user.password_changed']);
		// The current one, sealed with the network key (no hash leaves the site in clear).
		for (const e of events) expect(await openSealedHash(site, e.user)).toBe(hash);
		expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
		expect((await rows(u.id)).map((r) => [r.status, r.body])).toEqual([
			['delivered', ''],
			['delivered', ''],
		]);
	});

	test('delivered at once: the row is blanked in the same request; update events carry no hash at all', async () => {
		receiver.clear();
		const u = await create({ first_name: 'Fresh' });
		expect(await openSealedHash(site, (await eventsOf(u.login))[0].user)).toBe(await dbHash(u.id));
		await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { first_name: 'Changed' },
		});
		const update = (await eventsOf(u.login)).find((e) => e.event === 'user.updated');
		expect(update.user).not.toHaveProperty('passwordHash');
		expect((await rows(u.id)).map((r) => [r.status, r.body])).toEqual([
			['delivered', ''],
			['delivered', ''],
		]);
		expect(
			(
				await lab.sql(
					site,
					`SELECT COUNT(*) FROM wp_harmonyuser_queue WHERE body LIKE '%passwordHash%'`,
				)
			).trim(),
		).toBe('0');
	});

	test('events carry only meta registered for REST and not protected: no "_" keys, no show_in_rest=false keys', async () => {
		const u = await create();
		await lab.wpEval(
			site,
			`update_user_meta(${u.id}, 'hus_guard_hidden', 'hidden-value'); update_user_meta(${u.id}, '_hus_guard_private', 'private-value');
			 update_user_meta(${u.id}, '_unregistered_private', 'x');`,
		);
		receiver.clear();
		await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { meta: { hus_guard_public: 'shown' } },
		});
		const [event] = await eventsOf(u.login);
		expect(event.event).toBe('user.updated');
		expect(event.user.meta).toEqual({
			hus_guard_public: 'shown',
			hus_guard_big: '',
			hus_guard_m1: '',
			hus_guard_m2: '',
			hus_guard_m3: '',
			hus_guard_m4: '',
			hus_guard_m5: '',
		});
		const raw = receiver.received.map((r) => r.raw).join('\n');
		expect(raw).not.toContain('hidden-value');
		expect(raw).not.toContain('private-value');
		expect(raw).not.toContain('_unregistered_private');
		// and a change to a private key alone sends nothing
		receiver.clear();
		await lab.wpEval(
			site,
			`update_user_meta(${u.id}, '_hus_guard_private', 'private-2'); update_user_meta(${u.id}, 'hus_guard_hidden', 'hidden-2');`,
		);
		expect(await eventsOf(u.login)).toEqual([]);
	});

	test('a field over 64 KiB is left out of the event and listed in "omitted", with an error entry; the rest is delivered', async () => {
		const u = await create();
		receiver.clear();
		const big = 'b'.repeat(70 * 1024);
		const r = await rest(site, site.admin, `/wp/v2/users/${u.id}`, {
			method: 'POST',
			body: { first_name: 'Small', meta: { hus_guard_big: big } },
		});
		expect(r.status).toBe(200);
		const [event] = await eventsOf(u.login);
		expect(event.user.firstName).toBe('Small');
		expect(event.user.meta).not.toHaveProperty('hus_guard_big');
		expect(event.omitted).toEqual([
			{
				field: 'meta.hus_guard_big',
				bytes: big.length + 2,
				limit: FIELD_CAP,
				reason: 'field_too_large',
			},
		]);
		const queue = await rest(site, site.admin, `${NS}/queue`);
		expect(queue.body.eventErrors).toContainEqual(
			expect.objectContaining({
				eventId: event.id,
				event: 'user.updated',
				userId: u.id,
				login: u.login,
				field: 'meta.hus_guard_big',
				reason: 'field_too_large',
				time: expect.any(String),
			}),
		);
		expect(
			(
				await lab.sql(
					site,
					`SELECT COUNT(*) FROM wp_harmonyuser_queue WHERE body LIKE '%bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb%'`,
				)
			).trim(),
		).toBe('0');
	});

	test("a subscriber's 1 MiB biography is not sent anywhere (the user changed it themself, through REST)", async () => {
		const sub = await createAccount(site, uniqueLogin('gevsub'), 'subscriber');
		made.push(sub.id);
		receiver.clear();
		const bio = 'x'.repeat(1024 * 1024);
		expect(
			(await rest(site, sub, '/wp/v2/users/me', { method: 'POST', body: { description: bio } }))
				.status,
		).toBe(200);
		const [event] = await eventsOf(sub.username);
		expect(event.user).not.toHaveProperty('description');
		expect(event.omitted).toEqual([
			{ field: 'description', bytes: bio.length + 2, limit: FIELD_CAP, reason: 'field_too_large' },
		]);
		expect(receiver.received.every((x) => x.raw.length < EVENT_CAP)).toBe(true);
	});

	test('an event over 256 KiB drops its largest meta values until it fits, each listed with reason event_too_large', async () => {
		const u = await create();
		receiver.clear();
		const meta = Object.fromEntries(
			[1, 2, 3, 4, 5].map((i) => [`hus_guard_m${i}`, String(i).repeat(60 * 1024 - i * 100)]),
		);
		expect(
			(await rest(site, site.admin, `/wp/v2/users/${u.id}`, { method: 'POST', body: { meta } }))
				.status,
		).toBe(200);
		await deliveriesSettled(site);
		const [got] = receiver.received.filter((r) => r.body?.user?.login === u.login);
		expect(got.raw.length).toBeLessThanOrEqual(EVENT_CAP);
		const event = got.body;
		// m1 is the largest: it goes first, and without it the event fits
		expect(
			event.omitted.map((o: { field: string; reason: string; limit: number }) => [
				o.field,
				o.reason,
				o.limit,
			]),
		).toEqual([['meta.hus_guard_m1', 'event_too_large', EVENT_CAP]]);
		expect(
			Object.keys(event.user.meta)
				.filter((k) => k.startsWith('hus_guard_m'))
				.sort(),
		).toEqual(['hus_guard_m2', 'hus_guard_m3', 'hus_guard_m4', 'hus_guard_m5']);
	});
});
