/**
 * The WooCommerce customer map through the node in n8n-core's WebhookContext: shared by processes in Postgres (queue
 * mode), a store that is down (deliveries still accepted), and a webhook WooCommerce disabled while another still
 * delivers (re-enabled, and what it missed caught up).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { SqliteWooCustomers } from '../../../core/dedupe/sqliteWooCustomers';
import { signWooDelivery } from '../../../core/security/wooSignature';
import type { WebhookCallResult } from '../../../lab/harness/engine';
import { createTestDatabase, type TestDatabase } from '../../../lab/harness/postgres';
import { runSync, uniqueLogin } from '../../../lab/harness/sync';
import { rest } from '../../../lab/harness/wp';
import { SECRET } from './signedRequests';
import { freshDedupeFile, STATIC_KEY, triggerHarness } from './triggerLab';
import { fakeShop, Receiver } from './wooShop';

const DIR = path.join(__dirname, '..', '..', 'fixtures', 'woocommerce');
interface Recorded {
	headers: Record<string, string>;
	body: string;
}
const recorded = (name: string) =>
	(JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as { deliveries: Recorded[] }).deliveries;
const signedRequest = (delivery: Recorded) => ({
	body: delivery.body,
	headers: {
		...delivery.headers,
		'X-WC-Webhook-Signature': signWooDelivery(SECRET, delivery.body),
	},
});
const started = (result: WebhookCallResult) =>
	(result.workflowData?.[0] ?? []).map((item) => item.json as IDataObject & { user: IDataObject });

describe('WooCommerce customer map through the trigger', () => {
	let db: TestDatabase;
	let site: Site;
	beforeAll(async () => {
		[site] = lab.sites();
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	test('Postgres (queue mode): two processes racing on a real burst start each distinct change once; a later delete is named', async () => {
		const { host, port, database, user } = db.settings;
		const credentials = {
			harmonyUserSyncPostgres: {
				host,
				port,
				database,
				user,
				password: '',
				ssl: false,
				schema: 'public',
				tablePrefix: 'hus_',
			},
		};
		const parameters = {
			source: 'woocommerce',
			dedupeStore: 'postgres',
			options: { catchUp: false },
		};
		const make = () => triggerHarness(site, parameters, { credentials, workflowId: 'wf-woo-race' });
		const [a, b] = await Promise.all([make(), make()]);
		for (const h of [a, b]) h.staticData[STATIC_KEY] = { secret: SECRET };
		const events = [];
		for (const delivery of recorded('deliveries.burst.json')) {
			const results = await Promise.all([
				a.call(signedRequest(delivery)),
				b.call(signedRequest(delivery)),
			]);
			expect(results.every((result) => result.status === 200)).toBe(true);
			events.push(...results.flatMap(started));
		}
		expect(events.map((event) => [event.action, event.user.login])).toEqual([
			['create', 'burst1'],
			['create', 'burst2'],
			['create', 'burst3'],
			['create', 'wpuser1'],
		]);
		const rows = await db.query('SELECT count(*)::int AS n FROM public.hus_woo_customers');
		expect(rows[0].n).toBe(4);
		// WooCommerce sends `{"id":3}`: the other process names burst1 from the shared map.
		const deleted = await b.call(
			signedRequest({ headers: { 'X-WC-Webhook-Topic': 'customer.deleted' }, body: '{"id":3}' }),
		);
		expect(started(deleted)).toEqual([
			expect.objectContaining({
				action: 'delete',
				user: expect.objectContaining({ login: 'burst1', email: 'burst1@shop.test' }),
			}),
		]);
		expect(
			(
				await a.call(
					signedRequest({
						headers: { 'X-WC-Webhook-Topic': 'customer.deleted' },
						body: '{"id":3}',
					}),
				)
			).body,
		).toEqual({ duplicate: true });
	});

	test('the store down: deliveries are accepted (WooCommerce never retries); a repeat then reaches the node, which writes nothing twice', async () => {
		const [, target] = lab.sites();
		// A store that cannot open (its directory sits under a file): as a database that is down.
		const blocker = path.join(tmpdir(), `hus-not-a-dir-${randomUUID()}`);
		writeFileSync(blocker, '');
		const harness = await triggerHarness(
			site,
			{
				source: 'woocommerce',
				options: { catchUp: false, databasePath: path.join(blocker, 'seen.sqlite') },
			},
			{ workflowId: `wf-down-${randomUUID()}` },
		);
		harness.staticData[STATIC_KEY] = { secret: SECRET };
		const login = uniqueLogin('wcdown');
		const customer = JSON.parse(
			readFileSync(path.join(DIR, 'customer.created.json'), 'utf8'),
		) as IDataObject;
		const body = JSON.stringify({
			...customer,
			id: 424242,
			username: login,
			email: `${login}@shop.test`,
			meta_data: [],
		});
		const first = await harness.call(
			signedRequest({ headers: { 'X-WC-Webhook-Topic': 'customer.created' }, body }),
		);
		const again = await harness.call(
			signedRequest({ headers: { 'X-WC-Webhook-Topic': 'customer.updated' }, body }),
		);
		for (const call of [first, again])
			expect(call).toMatchObject({ status: 200, body: { accepted: true, dedupe: 'unavailable' } });
		const [created] = started(first);
		const [updated] = started(again);
		const results = [];
		for (const event of [created, updated, created])
			results.push(
				(await runSync({ site: target, operation: 'applyEvent', input: [event] })).results[0],
			);
		// A repeated update finds the target equal; a repeated create meets the account as a first contact: linked only.
		expect(results.map((result) => result.reason)).toEqual(['created', 'unchanged', 'linked']);
		expect(results.slice(1).map((result) => result.changes)).toEqual([[], []]);
		await lab.sql(
			target,
			`DELETE FROM wp_usermeta WHERE user_id = ${results[0].user!.targetId}; DELETE FROM wp_users WHERE ID = ${results[0].user!.targetId};`,
		);
		// Without the map a delete cannot be named: reported, never guessed.
		const deleted = await harness.call(
			signedRequest({
				headers: { 'X-WC-Webhook-Topic': 'customer.deleted' },
				body: '{"id":424242}',
			}),
		);
		expect(started(deleted)).toEqual([
			expect.objectContaining({
				action: 'delete',
				user: expect.objectContaining({ woo: { customerId: 424242, unidentified: true } }),
			}),
		]);
	});

	test('a webhook WooCommerce disabled is re-enabled by a delivery on another, and what it missed is caught up', async () => {
		const receiver = new Receiver();
		await receiver.start();
		const shop = await fakeShop(site, receiver.port);
		const databasePath = freshDedupeFile();
		const workflowSuffix = randomUUID();
		const harness = await triggerHarness(
			site,
			{ source: 'woocommerce', options: { checkDeliveryUrl: false, databasePath } },
			{ webhookBaseUrl: receiver.baseUrl, workflowId: `wf-heal-${workflowSuffix}` },
		);
		receiver.harness = harness;
		const made: number[] = [];
		try {
			await harness.activate();
			await receiver.settled();
			const knownLogin = uniqueLogin('wch');
			const known = (
				await rest(site, site.admin, '/wc/v3/customers', {
					method: 'POST',
					body: { username: knownLogin, email: `${knownLogin}@shop.test` },
				})
			).body;
			made.push(known.id);
			await shop.runQueue();
			await receiver.settled();
			const ids = (harness.staticData[STATIC_KEY] as { wooWebhooks: Record<string, number> })
				.wooWebhooks;
			await rest(site, site.admin, `/wc/v3/webhooks/${ids['customer.created']}`, {
				method: 'PUT',
				body: { status: 'disabled' },
			});

			// A user registers while customer.created is disabled: WooCommerce queues nothing for it.
			const missedLogin = uniqueLogin('wcm');
			const missed = (
				await rest(site, site.admin, '/wp/v2/users', {
					method: 'POST',
					body: {
						username: missedLogin,
						email: `${missedLogin}@shop.test`,
						password: 'Pw-missed-1',
					},
				})
			).body;
			made.push(missed.id);
			// The last check of the webhooks was a minute ago (they are checked at most once a minute).
			const map = new SqliteWooCustomers(databasePath);
			await map.setState(
				`wf-heal-${workflowSuffix}:trigger-node`,
				'health_checked_at',
				String(Date.now() - 61_000),
			);
			await map.close();
			// A change on customer.updated (still active) arrives: the trigger checks its webhooks and catches up.
			await rest(site, site.admin, `/wp/v2/users/${known.id}`, {
				method: 'POST',
				body: { first_name: 'Healed' },
			});
			const before = receiver.events().length;
			await shop.runQueue();
			await receiver.settled();
			const events = receiver.events().slice(before);
			expect(events.map((event) => [event.action, event.user.login]).sort()).toEqual(
				[
					['create', missedLogin],
					['update', known.username],
				].sort(),
			);
			const created = (await shop.webhooks()).find((hook) => hook.id === ids['customer.created']);
			expect(created?.status).toBe('active');
		} finally {
			await harness.deactivate();
			await receiver.stop();
			await shop.remove();
			for (const id of made)
				await lab.sql(
					site,
					`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
				);
		}
	});
});
