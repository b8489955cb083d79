/**
 * WooCommerce for real: a shop on a lab site (the fake WooCommerce mu-plugin, which queues, signs, fails and disables
 * like WooCommerce 7.9.0; or the real 7.9.0 when HUS_REAL_WOOCOMMERCE names it) delivers to a receiver standing in
 * for n8n's webhook endpoint, which runs the trigger in n8n-core's WebhookContext; the events are applied to other
 * lab sites by the User Sync node in n8n's engine.
 */
import { randomUUID } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { SyncResult } from '../../../core/sync/result';
import type { TriggerHarness } from '../../../lab/harness/engine';
import { runSync, uniqueLogin } from '../../../lab/harness/sync';
import { findUser, rest } from '../../../lab/harness/wp';
import { triggerHarness } from './triggerLab';
import { FAKE_WOO, fakeShop, realShop, Receiver, type Shop } from './wooShop';

const REAL = process.env.HUS_REAL_WOOCOMMERCE;
/** The shops to run against: the fake always; the real WooCommerce on the 4th lab site when asked for. */
const KINDS: Array<'fake' | 'real'> = REAL ? ['fake', 'real'] : ['fake'];

interface Customer {
	id: number;
	username: string;
	email: string;
}

describe.each(KINDS)('WooCommerce shop (%s) → trigger → User Sync', (kind) => {
	let shopSite: Site;
	let wooTarget: Site;
	let plainTarget: Site;
	let shop: Shop;
	let harness: TriggerHarness;
	const receiver = new Receiver();
	const made: Array<[Site, number]> = [];

	const createCustomer = async (
		login: string,
		extra: Record<string, unknown> = {},
	): Promise<Customer> => {
		const reply = await rest(shopSite, shopSite.admin, '/wc/v3/customers', {
			method: 'POST',
			body: {
				username: login,
				email: `${login}@shop.test`,
				password: `Pw-${login}-1`,
				first_name: 'Shop',
				last_name: login,
				...extra,
			},
		});
		if (reply.status !== 201)
			throw new Error(
				`create customer ${login}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`,
			);
		made.push([shopSite, reply.body.id]);
		return reply.body as Customer;
	};
	const deleteCustomer = async (id: number) => {
		const reply = await rest(
			shopSite,
			shopSite.admin,
			`/wc/v3/customers/${id}?force=true&reassign=1`,
			{ method: 'DELETE' },
		);
		expect(reply.status).toBe(200);
	};
	/** Runs the shop's queue; returns the calls (answered deliveries) and events it produced. */
	const deliver = async () => {
		const before = receiver.calls.length;
		const eventsBefore = receiver.events().length;
		await shop.runQueue();
		await receiver.settled();
		return { calls: receiver.calls.slice(before), events: receiver.events().slice(eventsBefore) };
	};
	const eventsFor = (events: ReturnType<Receiver['events']>, login: string) =>
		events.filter((event) => event.user.login === login);
	const apply = async (site: Site, event: Record<string, unknown>): Promise<SyncResult> => {
		const { results, error } = await runSync({
			site,
			operation: 'applyEvent',
			input: [event as IDataObject],
		});
		expect(error).toBeUndefined();
		if (results[0].user?.targetId && results[0].action === 'create')
			made.push([site, results[0].user.targetId]);
		return results[0];
	};

	beforeAll(async () => {
		const sites = lab.sites();
		[, wooTarget, plainTarget] = sites;
		shopSite = kind === 'real' ? sites[3] : sites[0];
		if (!shopSite) throw new Error('the real WooCommerce runs on a 4th lab site: HUS_LAB_SITES=4');
		await receiver.start();
		shop =
			kind === 'real'
				? await realShop(shopSite, receiver.port)
				: await fakeShop(shopSite, receiver.port);
		// The WooCommerce target: the fake's /wc/v3/customers (billing/shipping in user meta, as WooCommerce keeps them).
		lab.installMuPlugin(wooTarget, FAKE_WOO, 'fake-woocommerce-webhooks');
		harness = await triggerHarness(
			shopSite,
			{ source: 'woocommerce', options: { checkDeliveryUrl: false } },
			{
				webhookBaseUrl: receiver.baseUrl,
				workflowId: `wf-woo-${kind}-${randomUUID().slice(0, 8)}`,
			},
		);
		receiver.harness = harness;
		expect(await harness.activate()).toEqual({ created: true });
		await receiver.settled();
	});

	afterAll(async () => {
		await harness?.deactivate().catch(() => undefined);
		await receiver.stop();
		for (const [site, id] of made)
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		await shop?.remove();
		lab.removeMuPlugin(wooTarget, 'fake-woocommerce-webhooks');
	});

	test('activation: WooCommerce’s pings answer 200 before the secret is stored; the first catch-up only takes a baseline', async () => {
		const pings = receiver.calls.filter((call) => (call.body as { ping?: boolean }).ping);
		expect(pings).toHaveLength(3);
		expect(pings.every((call) => call.status === 200)).toBe(true);
		expect(receiver.events()).toEqual([]);
		const hooks = (await shop.webhooks()).filter(
			(hook) => hook.delivery_url === harness.webhookUrl,
		);
		expect(hooks.map((hook) => [hook.topic, hook.status]).sort()).toEqual([
			['customer.created', 'active'],
			['customer.deleted', 'active'],
			['customer.updated', 'active'],
		]);
	});

	test('a burst of 3 customers in one second: 3 events (their delivery ids repeat; the identical updated twins start nothing)', async () => {
		const logins = [uniqueLogin('wcb'), uniqueLogin('wcb'), uniqueLogin('wcb')];
		await Promise.all(logins.map((login) => createCustomer(login)));
		const { calls, events } = await deliver();
		expect(calls.every((call) => call.status === 200)).toBe(true);
		const created = calls.filter(
			(call) => call.headers['x-wc-webhook-topic'] === 'customer.created',
		);
		expect(created).toHaveLength(3);
		expect(
			new Set(created.map((call) => call.headers['x-wc-webhook-delivery-id'])).size,
		).toBeLessThan(3);
		expect(String(created[0].headers['user-agent'])).toMatch(
			/^WooCommerce\/7\.9\.0 Hookshot \(WordPress\/6\.\d+\.\d+\)$/,
		);
		expect(events.map((event) => [event.action, event.user.login]).sort()).toEqual(
			logins.map((login) => ['create', login]).sort(),
		);
		expect(calls.filter((call) => (call.body as { duplicate?: boolean }).duplicate)).toHaveLength(
			3,
		);
	});

	test('WooCommerce’s error body (customer deleted before delivery): 2xx, nothing started; its delete is reported, not guessed', async () => {
		const login = uniqueLogin('wce');
		const customer = await createCustomer(login);
		await deleteCustomer(customer.id);
		const { calls, events } = await deliver();
		const errors = calls.filter(
			(call) => (call.body as { code?: string }).code === 'woocommerce_rest_invalid_id',
		);
		expect(errors).toHaveLength(2);
		expect(errors.every((call) => call.status === 200 && !call.workflowData)).toBe(true);
		expect(calls.every((call) => call.status === 200)).toBe(true);
		expect(
			(await shop.webhooks())
				.filter((hook) => hook.delivery_url === harness.webhookUrl)
				.every((hook) => hook.status === 'active'),
		).toBe(true);
		// The trigger never saw who customer N was: the event says so, and the User Sync node looks nobody up.
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			action: 'delete',
			user: {
				login: `wc-customer-${customer.id}`,
				woo: { customerId: customer.id, unidentified: true },
			},
		});
		const result = await apply(wooTarget, events[0]);
		expect(result).toMatchObject({
			status: 'failed',
			reason: 'unidentified_user',
			detail: 'woocommerce_customer_unknown',
			requests: 0,
		});
	});

	test('billing and shipping round trip: into a WooCommerce site through /wc/v3/customers, into a plain site reported', async () => {
		const login = uniqueLogin('wcbill');
		const billing = {
			first_name: 'Bill',
			last_name: 'Ing',
			company: 'Acme',
			address_1: '1 Main St',
			city: 'Paris',
			postcode: '75002',
			country: 'FR',
			email: `${login}.billing@shop.test`,
			phone: '+33 1 23 45 67 89',
		};
		const shipping = {
			first_name: 'Ship',
			last_name: 'Ping',
			address_1: '2 Quai',
			city: 'Lyon',
			postcode: '69002',
			country: 'FR',
			phone: '+33 4 11 22 33 44',
		};
		const customer = await createCustomer(login, { billing, shipping });
		const { events } = await deliver();
		const [event] = eventsFor(events, login);
		expect(event).toMatchObject({
			action: 'create',
			user: { roles: ['customer'], woo: { customerId: customer.id, billing, shipping } },
		});

		const intoWoo = await apply(wooTarget, event);
		expect(intoWoo).toMatchObject({
			status: 'synced',
			reason: 'created',
			changes: expect.arrayContaining(['billing', 'shipping']),
		});
		const targetId = intoWoo.user!.targetId!;
		const onTarget = (await rest(wooTarget, wooTarget.admin, `/wc/v3/customers/${targetId}`)).body;
		expect(onTarget).toMatchObject({ username: login, role: 'customer', billing, shipping });

		const intoPlain = await apply(plainTarget, event);
		expect(intoPlain).toMatchObject({ status: 'synced', reason: 'created' });
		expect(intoPlain.notSynced).toEqual(
			expect.arrayContaining([
				expect.objectContaining({
					field: 'roles',
					reason: 'role_missing_on_target',
					values: ['customer'],
				}),
				expect.objectContaining({ field: 'billing', reason: 'no_woocommerce' }),
				expect.objectContaining({ field: 'shipping', reason: 'no_woocommerce' }),
			]),
		);
		expect((await findUser(plainTarget, login))?.roles).toEqual(['subscriber']);

		// A billing-only change on the shop reaches the WooCommerce site as just that.
		await rest(shopSite, shopSite.admin, `/wc/v3/customers/${customer.id}`, {
			method: 'PUT',
			body: { billing: { city: 'Marseille' } },
		});
		const changed = eventsFor((await deliver()).events, login);
		expect(changed).toHaveLength(1);
		expect(changed[0]).toMatchObject({
			action: 'update',
			user: { woo: { billing: { city: 'Marseille' } } },
		});
		expect(await apply(wooTarget, changed[0])).toMatchObject({
			status: 'synced',
			reason: 'updated',
			changes: ['billing'],
		});
		expect(
			(await rest(wooTarget, wooTarget.admin, `/wc/v3/customers/${targetId}`)).body.billing.city,
		).toBe('Marseille');
		expect(await apply(plainTarget, changed[0])).toMatchObject({
			status: 'synced',
			reason: 'unchanged',
			notSynced: expect.arrayContaining([
				expect.objectContaining({ field: 'billing', reason: 'no_woocommerce' }),
			]),
		});
		// Applied twice, nothing more is written.
		expect(await apply(wooTarget, changed[0])).toMatchObject({
			status: 'synced',
			reason: 'unchanged',
			changes: [],
		});
	});

	test('a delete on the shop ({"id":N} only) is applied on another site, naming the real user', async () => {
		const login = uniqueLogin('wcdel');
		const customer = await createCustomer(login);
		const [created] = eventsFor((await deliver()).events, login);
		expect(await apply(wooTarget, created)).toMatchObject({ status: 'synced', reason: 'created' });
		expect(await findUser(wooTarget, login)).toBeDefined();

		await deleteCustomer(customer.id);
		const { calls, events } = await deliver();
		expect(calls.map((call) => call.headers['x-wc-webhook-topic'])).toEqual(['customer.deleted']);
		expect(events).toEqual([
			expect.objectContaining({
				action: 'delete',
				user: expect.objectContaining({ login, email: `${login}@shop.test`, roles: ['customer'] }),
			}),
		]);
		expect(await apply(wooTarget, events[0])).toMatchObject({
			status: 'synced',
			action: 'delete',
			reason: 'deleted',
		});
		expect(await findUser(wooTarget, login)).toBeUndefined();
	});

	test('n8n unreachable for more than 5 deliveries: WooCommerce disables the webhooks; at recovery every change arrives', async () => {
		const known = await createCustomer(uniqueLogin('wck'));
		const doomed = await createCustomer(uniqueLogin('wcd'));
		await deliver();

		await receiver.stop(); // n8n is down
		const missed = [];
		for (let i = 0; i < 7; i++) missed.push(await createCustomer(uniqueLogin('wco')));
		await rest(shopSite, shopSite.admin, `/wp/v2/users/${known.id}`, {
			method: 'POST',
			body: { first_name: 'Renamed' },
		});
		await deleteCustomer(doomed.id);
		await shop.runQueue();
		const statuses = Object.fromEntries(
			(await shop.webhooks())
				.filter((hook) => hook.delivery_url === harness.webhookUrl)
				.map((hook) => [hook.topic, hook.status]),
		);
		expect(statuses).toMatchObject({
			'customer.created': 'disabled',
			'customer.updated': 'disabled',
		});

		// n8n is back and starts: checkExists finds the disabled webhooks, create registers them anew, and the
		// ping of the new webhooks runs the catch-up.
		await receiver.start();
		const before = receiver.events().length;
		expect(await harness.activate()).toEqual({ created: true });
		await receiver.settled();
		const recovered = receiver.events().slice(before);
		for (const customer of missed)
			expect(eventsFor(recovered, customer.username)).toEqual([
				expect.objectContaining({ action: 'create' }),
			]);
		expect(eventsFor(recovered, known.username)).toEqual([
			expect.objectContaining({
				action: 'update',
				user: expect.objectContaining({ firstName: 'Renamed' }),
			}),
		]);
		expect(eventsFor(recovered, doomed.username)).toEqual([
			expect.objectContaining({ action: 'delete' }),
		]);
		expect(recovered).toHaveLength(9);
		const after = (await shop.webhooks()).filter(
			(hook) => hook.delivery_url === harness.webhookUrl,
		);
		expect(after.map((hook) => hook.status)).toEqual(['active', 'active', 'active']);

		// And deliveries flow again, once each.
		const login = uniqueLogin('wca');
		await createCustomer(login);
		expect(eventsFor((await deliver()).events, login)).toHaveLength(1);
	});
});

describe('WooCommerce delivery URL check at activation', () => {
	test('a URL WooCommerce will not call (n8n on port 5678) is refused with a clear message; nothing is registered', async () => {
		const [site] = lab.sites();
		lab.installMuPlugin(site, FAKE_WOO, 'fake-woocommerce-webhooks');
		try {
			const harness = await triggerHarness(
				site,
				{ source: 'woocommerce' },
				{ webhookBaseUrl: 'http://127.0.0.1:5678/webhook' },
			);
			await expect(harness.activate()).rejects.toThrow(
				/WooCommerce will not deliver to http:\/\/127\.0\.0\.1:5678\/webhook\/.*port 5678.*80, 443 and 8080/,
			);
			const hooks = (await rest(site, site.admin, '/wc/v3/webhooks')).body as Array<{
				delivery_url: string;
			}>;
			expect(hooks.some((hook) => hook.delivery_url === harness.webhookUrl)).toBe(false);
			const local = await triggerHarness(
				site,
				{ source: 'woocommerce' },
				{ webhookBaseUrl: 'http://localhost:8080/webhook' },
			);
			await expect(local.activate()).rejects.toThrow(
				/localhost \(127\.0\.0\.1\) is a loopback or private address/,
			);
		} finally {
			lab.removeMuPlugin(site, 'fake-woocommerce-webhooks');
		}
	});
});
