/** The WooCommerce customer map (SQLite) and the delivery-URL check: what makes deliveries distinct, deletes named. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteWooCustomers } from '../../../core/dedupe/sqliteWooCustomers';
import type { WooCustomerRecord } from '../../../core/dedupe/wooCustomerMap';
import { customerRecord } from '../../../core/triggers/wooEvent';
import { parseWooCustomer, type WooCustomer } from '../../../core/woocommerce/customer';
import { checkDeliveryUrl, isLocalIpv4 } from '../../../core/woocommerce/deliverability';

const DIR = path.join(__dirname, '..', '..', 'fixtures', 'woocommerce');
const burst = (
	JSON.parse(readFileSync(path.join(DIR, 'deliveries.burst.json'), 'utf8')) as {
		deliveries: Array<{ headers: Record<string, string>; body: string }>;
	}
).deliveries;
const asCustomer = (body: string): WooCustomer => {
	const parsed = parseWooCustomer(JSON.parse(body));
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.value;
};
const eventOf = (topic: string) => topic.slice('customer.'.length) as 'created' | 'updated';

describe('WooCommerce customer map (SQLite)', () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'hus-woo-map-'));
	let files = 0;
	const fresh = () => new SqliteWooCustomers(path.join(dir, `map-${++files}.sqlite`));

	it('a real burst (3 customers + 1 user in one second, each with its created/updated pair): 4 changes pass, the 3 twins are duplicates', async () => {
		const map = fresh();
		const outcomes = [];
		for (const d of burst)
			outcomes.push(
				await map.claimCustomer(
					'wf:n',
					customerRecord(eventOf(d.headers['X-WC-Webhook-Topic']), asCustomer(d.body)),
				),
			);
		expect(outcomes).toEqual([
			'fresh',
			'duplicate',
			'fresh',
			'duplicate',
			'fresh',
			'duplicate',
			'fresh',
		]);
		// Each workflow node keeps its own rows: another trigger on the same shop sees all of them.
		expect(
			await map.claimCustomer('wf2:n', customerRecord('created', asCustomer(burst[0].body))),
		).toBe('fresh');
		await map.close();
	});

	it('an updated twin that arrives first does not swallow the created one (it may create the user)', async () => {
		const map = fresh();
		const body = asCustomer(burst[0].body);
		expect(await map.claimCustomer('s', customerRecord('updated', body))).toBe('fresh');
		expect(await map.claimCustomer('s', customerRecord('created', body))).toBe('fresh');
		expect(await map.claimCustomer('s', customerRecord('updated', body))).toBe('duplicate');
		await map.close();
	});

	it('A → B → A are three changes; an older body replayed is stale; nothing passes after the delete', async () => {
		const map = fresh();
		const a = asCustomer(burst[0].body);
		const b = { ...a, first_name: 'Bea', date_modified_gmt: '2026-12-02T20:45:24' };
		const backToA = { ...a, date_modified_gmt: '2026-12-02T20:45:24' };
		expect(await map.claimCustomer('s', customerRecord('updated', a))).toBe('fresh');
		expect(await map.claimCustomer('s', customerRecord('updated', b))).toBe('fresh');
		expect(await map.claimCustomer('s', customerRecord('updated', backToA))).toBe('fresh');
		expect(await map.claimCustomer('s', customerRecord('updated', b))).toBe('fresh'); // same second: cannot tell, applied
		expect(await map.claimCustomer('s', customerRecord('updated', a))).toBe('stale'); // older modification time
		const deleted = await map.claimDelete('s', a.id);
		expect(deleted).toMatchObject({
			outcome: 'fresh',
			known: { customerId: a.id, login: a.username, email: a.email, role: 'customer' },
		});
		expect(await map.claimDelete('s', a.id)).toEqual({ outcome: 'duplicate' });
		expect(await map.claimCustomer('s', customerRecord('updated', b))).toBe('stale');
		await map.close();
	});

	it('a delete of a customer never seen is fresh but unnamed; state leases are taken once', async () => {
		const map = fresh();
		expect(await map.claimDelete('s', 999)).toEqual({ outcome: 'fresh' });
		expect(await map.claimDelete('s', 999)).toEqual({ outcome: 'duplicate' });
		await map.setState('s', 'catch_up', 'due');
		expect(await map.takeState('s', 'catch_up', 'due', 60_000)).toBe(true);
		expect(await map.takeState('s', 'catch_up', 'due', 60_000)).toBe(false);
		await map.setState('s', 'catch_up', 'due'); // marked again while running: clearing the lease keeps it due
		await map.clearState('s', 'catch_up', 'running');
		expect(await map.getState('s', 'catch_up')).toBe('due');
		const record: WooCustomerRecord = {
			customerId: 5,
			login: 'five',
			email: 'five@x.test',
			fingerprint: 'f',
			topic: 'updated',
		};
		await map.remember('s', [record]);
		expect((await map.customers('s')).map((r) => r.customerId).sort()).toEqual([5, 999]);
		expect(await map.pruneWoo(Date.now() + 1)).toBe(1); // the tombstone; live customers stay
		await map.close();
	});
});

describe('delivery URLs WooCommerce will call (wp_http_validate_url, WordPress 6.1)', () => {
	const resolve = async (host: string) =>
		({ 'n8n.example.com': '203.0.113.5', 'n8n.internal': '10.0.0.7', localhost: '127.0.0.1' })[
			host
		];
	const shop = 'https://shop.example.com';
	it.each([
		['https://n8n.example.com/webhook/x/webhook', shop],
		['http://n8n.example.com:8080/webhook/x/webhook', shop],
		['http://127.0.0.1:9281/webhook', 'http://127.0.0.1:9281'],
		['http://127.0.0.1/webhook', 'http://127.0.0.1:9281'],
		['https://unknown.example/webhook', shop],
	])('accepts %s (shop %s)', async (url, home) => {
		expect(await checkDeliveryUrl(url, home, resolve)).toEqual({ ok: true });
	});
	it.each([
		['http://n8n.example.com:5678/webhook/x/webhook', shop, 'port'],
		['http://localhost:5678/webhook/x/webhook', 'http://127.0.0.1:9281', 'private_host'],
		['https://n8n.internal/webhook', shop, 'private_host'],
		['http://192.168.1.20:8080/webhook', shop, 'private_host'],
		['http://127.0.0.1:5678/webhook', 'http://127.0.0.1:9281', 'port'],
		['http://[::1]:8080/webhook', shop, 'url'],
	])('refuses %s (shop %s): %s', async (url, home, reason) => {
		const check = await checkDeliveryUrl(url, home, resolve);
		expect(check).toMatchObject({
			ok: false,
			reason,
			message: expect.stringContaining('WooCommerce will not deliver'),
		});
	});
	it('knows WordPress’s local ranges', () => {
		expect(
			['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '0.1.2.3'].every(
				isLocalIpv4,
			),
		).toBe(true);
		expect(['172.32.0.1', '8.8.8.8', '169.254.1.1', '100.64.0.1'].some(isLocalIpv4)).toBe(false);
	});
});
