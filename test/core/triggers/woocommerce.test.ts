import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signWooDelivery } from '../../../core/security/wooSignature';
import { parseWhitelist } from '../../../core/security/whitelist';
import type { TriggerSettings } from '../../../core/triggers/delivery';
import { verifyWoo } from '../../../core/triggers/verifyWoo';
import { customerEvent, customerRecord, deleteEvent } from '../../../core/triggers/wooEvent';
import {
	customerFingerprint,
	parseWooCustomer,
	wooGmtToIso,
	type WooCustomer,
} from '../../../core/woocommerce/customer';

const SECRET = 'woo-secret-0123456789abcdef';
const DIR = path.join(__dirname, '..', '..', 'fixtures', 'woocommerce');
/** A recorded body, as WooCommerce sends it (trimmed JSON). */
const fixture = (name: string) => Buffer.from(readFileSync(path.join(DIR, name)).toString().trim());
const json = (name: string) => JSON.parse(fixture(name).toString()) as Record<string, unknown>;
const customer = (name: string): WooCustomer => {
	const parsed = parseWooCustomer(json(name));
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.value;
};
interface Recorded {
	headers: Record<string, string>;
	body: string;
}
const recorded = (name: string) =>
	(JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as { deliveries: Recorded[] }).deliveries;

const settings: TriggerSettings = {
	source: 'woocommerce',
	secrets: [SECRET],
	toleranceSeconds: 300,
	trustForwardedFor: false,
	siteUrl: 'https://shop.example',
	events: ['customer.created', 'customer.updated', 'customer.deleted'],
};
/** A recorded delivery (headers as WooCommerce sent them), re-signed with the test secret. */
const signed = (delivery: Recorded, secret = SECRET) => ({
	rawBody: Buffer.from(delivery.body),
	remoteAddress: '::ffff:203.0.113.7',
	headers: Object.fromEntries(
		Object.entries({
			...delivery.headers,
			'X-WC-Webhook-Signature': signWooDelivery(secret, delivery.body),
		}).map(([k, v]) => [k.toLowerCase(), v]),
	),
});
const delivery = (topic: string, body: Buffer, extra: Record<string, string> = {}) =>
	signed({
		headers: { 'X-WC-Webhook-Topic': topic, 'X-WC-Webhook-Delivery-ID': 'd1', ...extra },
		body: body.toString(),
	});

describe('WooCommerce customers → sync events (real 7.9.0 bodies)', () => {
	it('carries login, email, names, role, the bridge sync id from meta_data, billing and shipping (phone included)', () => {
		const item = customerEvent(
			'created',
			customer('customer.created.json'),
			'https://shop.example/',
		);
		if (!item.ok) throw new Error(item.error);
		expect(item.event).toMatchObject({
			action: 'create',
			event: 'user.created',
			time: '2026-12-02T20:58:34.000Z',
			source: { url: 'https://shop.example' },
			path: ['https://shop.example'],
			user: {
				login: 'meta.customer',
				email: 'meta.customer@shop.test',
				firstName: 'Meta',
				lastName: 'Customer',
				roles: ['customer'],
				sourceId: 15,
				syncId: '2f6c1a9e-7b1d-4c1e-9a55-3c8f2d7e1b01',
				meta: {},
				woo: {
					customerId: 15,
					isPayingCustomer: false,
					billing: {
						company: 'Acme',
						city: 'Paris',
						email: 'billing@shop.test',
						phone: '+33 1 23 45 67 89',
						address_2: '',
					},
					shipping: { city: 'Lyon', phone: '+33 4 11 22 33 44' },
				},
			},
		});
		expect(item.event.id).toMatch(/^woo:shop\.example:15:created:[0-9a-f]{20}$/);
		// meta_data is never copied (it holds every unprotected meta, application-password records included).
		expect(JSON.stringify(item.event)).not.toMatch(/newsletter|meta_data|avatar/);
	});

	it('a user created outside WooCommerce (date_modified null) takes its creation time', () => {
		const wpUser = customer('customer.created.wp-user.json');
		expect(wpUser.date_modified_gmt).toBeNull();
		const item = customerEvent('created', wpUser, 'https://shop.example');
		expect(item.ok && item.event.time).toBe('2026-12-02T20:45:23.000Z');
		expect(item.ok && item.event.user.roles).toEqual(['subscriber']);
	});

	it('fingerprints what events carry: the identical created/updated pair alike, three customers of one second apart', () => {
		const burst = recorded('deliveries.burst.json');
		const prints = burst.map((d) => {
			const parsed = parseWooCustomer(JSON.parse(d.body));
			if (!parsed.ok) throw new Error(parsed.error);
			return customerFingerprint(parsed.value);
		});
		expect(burst.map((d) => d.headers['X-WC-Webhook-Topic'])).toEqual([
			'customer.created',
			'customer.updated',
			'customer.created',
			'customer.updated',
			'customer.created',
			'customer.updated',
			'customer.created',
		]);
		// WooCommerce's delivery id repeats per webhook within the second: it identifies nothing.
		expect(
			new Set(
				burst
					.filter((d) => d.headers['X-WC-Webhook-Topic'] === 'customer.created')
					.map((d) => d.headers['X-WC-Webhook-Delivery-ID']),
			).size,
		).toBe(1);
		expect(prints[0]).toBe(prints[1]);
		expect(new Set([prints[0], prints[2], prints[4], prints[6]]).size).toBe(4);
		const renamed = customer('customer.updated.json');
		expect(customerFingerprint(renamed)).not.toBe(
			customerFingerprint(customer('customer.created.json')),
		);
		expect(customerFingerprint({ ...renamed, date_modified_gmt: '2030-01-01T00:00:00' })).toBe(
			customerFingerprint(renamed),
		);
	});

	it('a delete names the user the trigger remembered; an unknown one gets .invalid placeholders and woo.unidentified', () => {
		const known = customerRecord('updated', customer('customer.updated.json'));
		const named = deleteEvent(15, { ...known, topic: 'deleted' }, 'https://shop.example');
		expect(named.ok && named.event).toMatchObject({
			action: 'delete',
			event: 'user.deleted',
			id: 'woo:shop.example:15:deleted',
			user: {
				login: 'meta.customer',
				email: 'meta.customer@shop.test',
				syncId: '2f6c1a9e-7b1d-4c1e-9a55-3c8f2d7e1b01',
				roles: ['customer'],
				woo: { customerId: 15 },
			},
		});
		const unknown = deleteEvent(16, undefined, 'https://shop.example');
		expect(unknown.ok && unknown.event.user).toMatchObject({
			login: 'wc-customer-16',
			email: 'wc-customer-16@shop.example.invalid',
			woo: { customerId: 16, unidentified: true },
		});
	});

	it('reads WooCommerce GMT dates as UTC', () => {
		expect(wooGmtToIso('2017-03-21T19:09:30')).toBe('2017-03-21T19:09:30.000Z');
		expect(wooGmtToIso(null)).toBeUndefined();
		expect(wooGmtToIso('garbage')).toBeUndefined();
	});
});

describe('WooCommerce delivery verification', () => {
	it('answers the creation ping (unsigned webhook_id=<n>) even before a secret is stored', () => {
		const ping = JSON.parse(readFileSync(path.join(DIR, 'ping.json'), 'utf8')) as Recorded;
		const request = {
			rawBody: Buffer.from(ping.body),
			headers: ping.headers,
			remoteAddress: '127.0.0.1',
		};
		expect(verifyWoo(request, { ...settings, secrets: [] })).toEqual({
			kind: 'ping',
			webhookId: 2,
		});
	});

	it('every recorded delivery of a burst verifies; created and updated are deliveries to claim', () => {
		for (const recordedDelivery of recorded('deliveries.burst.json')) {
			const verdict = verifyWoo(signed(recordedDelivery), settings);
			expect(verdict).toMatchObject({
				kind: 'woo',
				delivery: { kind: 'customer', ip: '203.0.113.7' },
			});
		}
	});

	it('WooCommerce’s signed error body answers 2xx and starts nothing; the delete is a delivery', () => {
		const [, createdError, updatedError, deleted] = recorded('deliveries.lifecycle.json');
		for (const error of [createdError, updatedError]) {
			expect(verifyWoo(signed(error), settings)).toEqual({
				kind: 'ignore',
				status: 200,
				body: {
					ignored: true,
					reason: expect.stringContaining('woocommerce_rest_invalid_id'),
					code: 'woocommerce_rest_invalid_id',
				},
			});
		}
		expect(verifyWoo(signed(deleted), settings)).toMatchObject({
			kind: 'woo',
			delivery: { kind: 'deleted', customerId: 16 },
		});
	});

	it('rejects bad signatures (401), unknown topics and invalid customers (400), strangers (403)', () => {
		const body = fixture('customer.created.json');
		expect(
			verifyWoo(
				signed(
					{ headers: { 'X-WC-Webhook-Topic': 'customer.created' }, body: body.toString() },
					'nope-nope-nope-nope',
				),
				settings,
			),
		).toMatchObject({ status: 401 });
		expect(verifyWoo(delivery('order.created', body), settings)).toMatchObject({
			status: 400,
			message: expect.stringMatching(/topic/),
		});
		const bad = Buffer.from(JSON.stringify({ id: 'x', email: 3 }));
		expect(verifyWoo(delivery('customer.created', bad), settings)).toMatchObject({
			status: 400,
			message: expect.stringMatching(/WooCommerce customer/),
		});
		expect(
			verifyWoo(delivery('customer.created', body), {
				...settings,
				whitelist: parseWhitelist(['10.0.0.0/8']),
			}),
		).toMatchObject({ status: 403 });
		expect(
			verifyWoo(delivery('customer.created', body), {
				...settings,
				whitelist: parseWhitelist(['https://shop.example']),
			}).kind,
		).toBe('woo');
		expect(
			verifyWoo(delivery('customer.created', body), { ...settings, secrets: [] }),
		).toMatchObject({ status: 401 });
	});

	it('ignores topics the node does not listen for', () => {
		expect(
			verifyWoo(delivery('customer.deleted', fixture('customer.deleted.json')), {
				...settings,
				events: ['customer.created'],
			}),
		).toMatchObject({ kind: 'ignore' });
	});
});
