/**
 * Deliveries off the request path (the bridge's runner, includes/runner.php), on nginx + PHP-FPM (the 6.8 lab:
 * under php -S the runner's loopback call is not measured here): a request that queues events never waits for a receiver, a
 * black-holed receiver costs the runner one short connect timeout and is then backed off, and every other receiver
 * still gets its events, in order. test/modern/fpmDelivery.test.ts has the burst on PHP-FPM's worker pool.
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { BlackHole } from '../../lab/harness/blackHole';
import { deliveriesSettled } from '../../lab/harness/deliveries';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { rest } from '../../lab/harness/wp';
import {
	NS,
	clearWebhooks,
	installBridge,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('bridge plugin: deliveries off the request path', () => {
	let site: Site;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	const hole = new BlackHole();
	let holeHook = '';
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		await installBridge(site);
		await clearWebhooks(site);
		await Promise.all([receiver.start(), hole.start()]);
		expect(await hole.swallows()).toBe(true);
	});
	afterAll(async () => {
		await clearWebhooks(site);
		await Promise.all([receiver.stop(), hole.stop()]);
		await lab.sql(
			site,
			"DELETE FROM wp_options WHERE option_name = 'harmonyuser_bridge_receiver_backoff'",
		);
		for (const id of made)
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		await removeBridge(site);
	});

	const subscribe = async (url: string) => {
		const r = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url, secret },
		});
		expect(r.status).toBe(201);
		return r.body.id as string;
	};
	const create = async () => {
		const login = uniqueLogin('bdel');
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@delivery.test`, password: 'Pw-delivery-1' },
		});
		expect(r.status).toBe(201);
		made.push(r.body.id);
		return { id: r.body.id as number, login };
	};
	/** Milliseconds of one profile update, as the user making it waits for it. */
	const update = async (id: number, firstName: string) => {
		const t0 = performance.now();
		const r = await rest(site, site.admin, `/wp/v2/users/${id}`, {
			method: 'POST',
			body: { first_name: firstName },
		});
		const ms = performance.now() - t0;
		expect(r.status).toBe(200);
		return ms;
	};
	/** The hole's rows of a user: [attempts, last error, seconds until due]. */
	const holeRows = async (userId: number) =>
		(
			await lab.sql(
				site,
				`SELECT attempts, IFNULL(last_error, '-'), next_attempt_at - UNIX_TIMESTAMP() FROM wp_harmonyuser_queue WHERE webhook_id = '${holeHook}' AND user_id = ${userId} ORDER BY id`,
			)
		)
			.trim()
			.split('\n')
			.filter(Boolean)
			.map((line) => line.split('\t'));
	const forgetBackoff = () =>
		lab.sql(
			site,
			"DELETE FROM wp_options WHERE option_name = 'harmonyuser_bridge_receiver_backoff'",
		);

	// Users made before any subscription: their rows below are the updates' only (no create rows to wait behind).
	let users: Array<{ id: number; login: string }> = [];
	test('a request that queues events answers without waiting for a black-holed receiver', async () => {
		users = [];
		for (let i = 0; i < 6; i++) users.push(await create());
		const alone: number[] = [];
		for (let i = 0; i < 3; i++) alone.push(await update(users[i].id, `Alone ${i}`));
		await deliveriesSettled(site);

		await subscribe(receiver.url);
		holeHook = await subscribe(hole.url);
		const withHole: number[] = [];
		for (let i = 0; i < 3; i++) {
			await forgetBackoff(); // a fresh black hole each time: the runner pays a connect timeout for it
			withHole.push(await update(users[i].id, `Holed ${i}`));
			await deliveriesSettled(site);
		}
		// Delivering to the hole costs the 1 s connect timeout (3 s before the runner): no request paid it.
		expect(median(withHole) - median(alone)).toBeLessThan(700);
		expect(Math.max(...withHole)).toBeLessThan(Math.max(...alone) + 900);
		for (let i = 0; i < 3; i++) {
			// The receiver that answers got the event; the hole's row had its attempt by the runner: a connect timeout.
			expect(receiver.eventsFor(users[i].login).map((e) => e.user.firstName)).toEqual([
				`Holed ${i}`,
			]);
			expect((await holeRows(users[i].id)).map((r) => r.slice(0, 2))).toEqual([['1', 'timeout']]);
		}
	}, 60000);

	test('a receiver that timed out is backed off: new rows for it wait without spending attempts, the others go out', async () => {
		const [b, c, d] = users.slice(3);
		receiver.clear();
		await forgetBackoff();
		await update(b.id, 'First');
		await deliveriesSettled(site);
		expect((await holeRows(b.id)).map((r) => r.slice(0, 2))).toEqual([['1', 'timeout']]);
		const backoff = Number(
			await lab.wpEval(
				site,
				`echo harmonyuser_bridge_receiver_backed_off_until(${JSON.stringify(hole.url)}) - time();`,
			),
		);
		expect(backoff).toBeGreaterThan(20);
		expect(backoff).toBeLessThanOrEqual(30);

		const t0 = Date.now();
		await update(c.id, 'Second');
		await update(d.id, 'Third');
		await deliveriesSettled(site);
		expect(Date.now() - t0).toBeLessThan(5000);
		for (const u of [c, d]) {
			const [row] = await holeRows(u.id);
			expect(row.slice(0, 2)).toEqual(['0', '-']); // queued to wait for the back-off: no attempt spent
			expect(Number(row[2])).toBeGreaterThan(15);
		}
		expect([b, c, d].map((u) => receiver.eventsFor(u.login).map((e) => e.user.firstName))).toEqual([
			['First'],
			['Second'],
			['Third'],
		]);
	}, 60000);

	test("the runner starts only with the site's key", async () => {
		const res = await fetch(`${site.url}/wp-admin/admin-ajax.php`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({
				action: 'harmonyuser_bridge_run',
				key: 'not-the-key',
			}).toString(),
		});
		await res.text();
		expect(res.status).toBe(403);
		const key = (
			await lab.sql(
				site,
				"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_runner_key'",
			)
		).trim();
		expect(key).toMatch(/^[A-Za-z0-9]{40}$/);
		const ok = await fetch(`${site.url}/wp-admin/admin-ajax.php`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ action: 'harmonyuser_bridge_run', key }).toString(),
		});
		expect(await ok.text()).toBe('');
		expect(ok.status).toBe(202);
	});
});
