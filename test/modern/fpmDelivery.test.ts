/**
 * A black-holed receiver cannot tie up PHP-FPM's workers (the lab's pool has 4): a burst of 8 profile updates while
 * the bridge has a subscription to a receiver whose connections hang, and an unrelated request in the middle of it,
 * answer as fast as without any subscription. Before the bridge's runner, each update's worker stayed busy after
 * its response until the delivery timed out (3 s), and the unrelated request waited for a free worker (5.9 s).
 * Needs the integration-wp68 project's lab (nginx + PHP-FPM sites).
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

const BURST = 8;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe("PHP-FPM: deliveries never hold the site's workers", () => {
	let site: Site;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	const hole = new BlackHole();
	const ids: number[] = [];

	beforeAll(async () => {
		const found = lab.sites().find((s) => s.server === 'fpm');
		if (!found)
			throw new Error(
				'needs a lab site under nginx + PHP-FPM (the integration-wp68 project, lab/harness/labs.js)',
			);
		site = found;
		await installBridge(site);
		await clearWebhooks(site);
		await Promise.all([receiver.start(), hole.start()]);
		for (let i = 0; i < BURST; i++) {
			const login = uniqueLogin('fpmb');
			const r = await rest(site, site.admin, '/wp/v2/users', {
				method: 'POST',
				body: { username: login, email: `${login}@fpm.test`, password: 'Pw-fpm-burst-1' },
			});
			expect(r.status).toBe(201);
			ids.push(r.body.id);
		}
	});
	afterAll(async () => {
		await clearWebhooks(site);
		await Promise.all([receiver.stop(), hole.stop()]);
		await lab.sql(
			site,
			"DELETE FROM wp_options WHERE option_name = 'harmonyuser_bridge_receiver_backoff'",
		);
		for (const id of ids)
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		await removeBridge(site);
	});

	/** 8 updates at once and, 20 ms in, an unrelated GET: the slowest update's and the GET's milliseconds. */
	async function burst(round: string): Promise<{ updates: number; unrelated: number }> {
		const t0 = performance.now();
		const updates = ids.map(async (id) => {
			const r = await rest(site, site.admin, `/wp/v2/users/${id}`, {
				method: 'POST',
				body: { first_name: `${round} ${id}` },
			});
			expect(r.status).toBe(200);
			return performance.now() - t0;
		});
		await new Promise((resolve) => setTimeout(resolve, 20));
		const t1 = performance.now();
		const me = await rest(site, site.admin, '/wp/v2/users/me?context=edit');
		expect(me.status).toBe(200);
		const unrelated = performance.now() - t1;
		return { updates: Math.max(...(await Promise.all(updates))), unrelated };
	}

	test('a burst of updates with a black-holed receiver answers as fast as with no subscription', async () => {
		const plain: Array<{ updates: number; unrelated: number }> = [];
		const holed: Array<{ updates: number; unrelated: number }> = [];
		await burst('warm');
		for (let i = 0; i < 3; i++) plain.push(await burst(`plain${i}`));
		await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: receiver.url, secret },
		});
		await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: hole.url, secret },
		});
		for (let i = 0; i < 3; i++) {
			await lab.sql(
				site,
				"DELETE FROM wp_options WHERE option_name = 'harmonyuser_bridge_receiver_backoff'",
			); // a fresh hole each round
			await lab.sql(site, 'DELETE FROM wp_harmonyuser_queue'); // no older rows for the new ones to wait behind
			holed.push(await burst(`holed${i}`));
			await deliveriesSettled(site);
		}
		const m = (xs: Array<{ updates: number; unrelated: number }>, k: 'updates' | 'unrelated') =>
			median(xs.map((x) => x[k]));
		// Before the runner: ~3 s (a worker per update until its delivery timed out) and 5.9 s for the unrelated GET.
		expect(m(holed, 'unrelated') - m(plain, 'unrelated')).toBeLessThan(400);
		expect(m(holed, 'updates') - m(plain, 'updates')).toBeLessThan(600);
		// Every update reached the receiver that answers.
		const got = new Set(receiver.received.map((r) => r.body?.user?.firstName));
		for (let i = 0; i < 3; i++) for (const id of ids) expect(got.has(`holed${i} ${id}`)).toBe(true);
	}, 120000);
});
