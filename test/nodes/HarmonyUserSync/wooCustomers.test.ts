/**
 * WooCommerce events (the trigger's WooCommerce source: `user.woo` with billing and shipping) applied by the User
 * Sync node in n8n's engine to lab sites: a site without WooCommerce (customer → subscriber, addresses reported),
 * a site running (the fake) WooCommerce (addresses through /wc/v3/customers), through single writes and through the
 * bridge's batches (Reconcile).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { SyncResult } from '../../../core/sync/result';
import { installBridge, removeBridge } from '../../../lab/harness/bridge';
import { runSync, uniqueLogin } from '../../../lab/harness/sync';
import { findUser, rest } from '../../../lab/harness/wp';

const FAKE_WOO = path.join(
	__dirname,
	'..',
	'..',
	'fixtures',
	'wp',
	'fake-woocommerce-webhooks.php',
);
const SHOP = 'https://shop.example';

function wooEvent(
	login: string,
	customerId: number,
	extra: { billing?: IDataObject; shipping?: IDataObject; isPayingCustomer?: boolean } = {},
): IDataObject {
	return {
		id: `woo:shop.example:${customerId}:created:${randomUUID().slice(0, 8)}`,
		action: 'create',
		event: 'user.created',
		time: new Date().toISOString(),
		source: { url: SHOP },
		path: [SHOP],
		user: {
			login,
			email: `${login}@shop.test`,
			firstName: 'Woo',
			lastName: login,
			roles: ['customer'],
			sourceId: customerId,
			woo: {
				customerId,
				billing: { city: 'Paris', phone: '+33 1', email: `${login}.b@shop.test`, ...extra.billing },
				shipping: { city: 'Lyon', phone: '+33 4', ...extra.shipping },
				isPayingCustomer: extra.isPayingCustomer,
			},
		},
	};
}

describe('User Sync: WooCommerce customers into sites with and without WooCommerce', () => {
	let plain: Site;
	let shopTarget: Site;
	const made: Array<[Site, number]> = [];
	const track = (site: Site, results: SyncResult[]) => {
		for (const result of results)
			if (result.action === 'create' && result.user?.targetId)
				made.push([site, result.user.targetId]);
	};

	beforeAll(async () => {
		[, shopTarget, plain] = lab.sites();
		lab.installMuPlugin(shopTarget, FAKE_WOO, 'fake-woocommerce-webhooks');
	});
	afterAll(async () => {
		for (const [site, id] of made)
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		lab.removeMuPlugin(shopTarget, 'fake-woocommerce-webhooks');
	});

	test('three new customers in one run into a site without WooCommerce: all created as subscribers, addresses reported', async () => {
		const logins = [uniqueLogin('wcp'), uniqueLogin('wcp'), uniqueLogin('wcp')];
		const { results, error } = await runSync({
			site: plain,
			operation: 'applyEvent',
			input: logins.map((login, i) => wooEvent(login, 9000 + i)),
		});
		expect(error).toBeUndefined();
		track(plain, results);
		for (const result of results) {
			expect(result).toMatchObject({ status: 'synced', reason: 'created' });
			expect(result.notSynced).toEqual(
				expect.arrayContaining([
					expect.objectContaining({
						field: 'roles',
						reason: 'role_missing_on_target',
						values: ['customer'],
						message: expect.stringContaining('subscriber given instead'),
					}),
					expect.objectContaining({
						field: 'billing',
						reason: 'no_woocommerce',
						values: expect.arrayContaining(['billing_city', 'billing_phone']),
					}),
					expect.objectContaining({
						field: 'shipping',
						reason: 'no_woocommerce',
						values: expect.arrayContaining(['shipping_phone']),
					}),
				]),
			);
		}
		for (const login of logins)
			expect((await findUser(plain, login))?.roles).toEqual(['subscriber']);
	});

	test('the node’s own Role Mapping wins over the default', async () => {
		const login = uniqueLogin('wcm');
		const mapped = await runSync({
			site: plain,
			operation: 'applyEvent',
			input: [wooEvent(login, 9100)],
			parameters: {
				policies: { roleMapping: { mappings: [{ from: 'customer', to: 'contributor' }] } },
			},
		});
		track(plain, mapped.results);
		expect(mapped.results[0]).toMatchObject({ status: 'synced', reason: 'created' });
		expect((await findUser(plain, login))?.roles).toEqual(['contributor']);
	});

	test('into a site running WooCommerce: the customer role is kept and billing/shipping land in /wc/v3/customers; paying status never written', async () => {
		const login = uniqueLogin('wcw');
		const { results } = await runSync({
			site: shopTarget,
			operation: 'applyEvent',
			input: [wooEvent(login, 9200, { isPayingCustomer: true })],
		});
		track(shopTarget, results);
		expect(results[0]).toMatchObject({
			status: 'synced',
			reason: 'created',
			changes: expect.arrayContaining(['billing', 'shipping']),
		});
		const customer = (
			await rest(shopTarget, shopTarget.admin, `/wc/v3/customers/${results[0].user!.targetId}`)
		).body;
		expect(customer).toMatchObject({
			role: 'customer',
			billing: { city: 'Paris', phone: '+33 1' },
			shipping: { city: 'Lyon', phone: '+33 4' },
			is_paying_customer: false,
		});
		// A billing email WooCommerce refuses: the user stays synced, the address is reported.
		const refused = await runSync({
			site: shopTarget,
			operation: 'upsertUsers',
			input: [wooEvent(login, 9200, { billing: { email: 'not-an-email' } })],
		});
		expect(refused.results[0]).toMatchObject({
			status: 'synced',
			notSynced: [expect.objectContaining({ field: 'billing', reason: 'woocommerce_error' })],
		});
	});

	test('Reconcile through the bridge’s batches writes the addresses after the batched creates', async () => {
		await installBridge(shopTarget);
		try {
			const logins = [uniqueLogin('wcr'), uniqueLogin('wcr')];
			const { results, error } = await runSync({
				site: shopTarget,
				operation: 'reconcile',
				input: logins.map((login, i) => wooEvent(login, 9300 + i)),
			});
			expect(error).toBeUndefined();
			const created = results.filter((result) => result.reason === 'created');
			track(shopTarget, created);
			expect(created).toHaveLength(2);
			for (const result of created) {
				expect(result.changes).toEqual(expect.arrayContaining(['billing', 'shipping']));
				const customer = (
					await rest(shopTarget, shopTarget.admin, `/wc/v3/customers/${result.user!.targetId}`)
				).body;
				expect(customer.billing.city).toBe('Paris');
			}
		} finally {
			await removeBridge(shopTarget);
		}
	});
});
