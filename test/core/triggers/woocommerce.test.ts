/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets -- test secrets */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signWooDelivery } from '../../../core/security/wooSignature';
import { parseWhitelist } from '../../../core/security/whitelist';
import type { TriggerSettings } from '../../../core/triggers/delivery';
import { verifyWoo } from '../../../core/triggers/verifyWoo';
import { parseWooPayload, wooGmtToIso } from '../../../core/triggers/wooCustomer';
import { wooToSyncEvent } from '../../../core/triggers/wooEvent';

const SECRET = 'woo-secret-0123456789abcdef';
const fixture = (name: string) => readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'woocommerce', `${name}.json`));
const settings: TriggerSettings = {
	source: 'woocommerce', secrets: [SECRET], toleranceSeconds: 300, trustForwardedFor: false,
	siteUrl: 'https://shop.example', events: ['customer.created', 'customer.updated', 'customer.deleted'],
};
const delivery = (topic: string, body: Buffer, extra: Record<string, string> = {}) => ({
	rawBody: body,
	remoteAddress: '::ffff:203.0.113.7',
	headers: {
		'x-wc-webhook-topic': topic, 'x-wc-webhook-source': 'https://shop.example/', 'x-wc-webhook-delivery-id': `d-${topic}`,
		'x-wc-webhook-signature': signWooDelivery(SECRET, body), ...extra,
	},
});

describe('WooCommerce customer payloads → sync events', () => {
	it('maps customer.created: login, email, names, role; billing and shipping are not synced', () => {
		const payload = parseWooPayload('customer.created', JSON.parse(fixture('customer.created').toString()));
		if (!payload.ok) throw new Error(payload.error);
		const event = wooToSyncEvent({ topic: 'customer.created', payload: payload.value, deliveryId: 'abc', sourceUrl: 'https://shop.example/' });
		if (!event.ok) throw new Error(event.error);
		expect(event.value).toMatchObject({
			id: 'abc', action: 'create', event: 'user.created', time: '2017-03-21T19:09:30.000Z',
			source: { url: 'https://shop.example' }, path: ['https://shop.example'],
			user: { login: 'john.doe', email: 'john.doe@example.com', firstName: 'John', lastName: 'Doe', roles: ['customer'], sourceId: 25, meta: {} },
		});
		expect(JSON.stringify(event.value)).not.toMatch(/billing|San Francisco|555/);
	});

	it('maps customer.updated to update, with the modification time', () => {
		const verdict = verifyWoo(delivery('customer.updated', fixture('customer.updated')), settings);
		expect(verdict.kind).toBe('accept');
		if (verdict.kind !== 'accept') return;
		expect(verdict.event).toMatchObject({ action: 'update', event: 'user.updated', time: '2017-03-21T19:11:14.000Z', user: { firstName: 'James', roles: ['subscriber'] } });
		expect(verdict.event.source.ip).toBe('203.0.113.7');
		expect(verdict.dedupeKeys).toEqual(['delivery:d-customer.updated', expect.stringMatching(/^body:[0-9a-f]{64}$/)]);
	});

	it('maps customer.deleted ({ id } only) to a delete naming the customer by placeholders', () => {
		const verdict = verifyWoo(delivery('customer.deleted', fixture('customer.deleted')), settings);
		if (verdict.kind !== 'accept') throw new Error(JSON.stringify(verdict));
		expect(verdict.event).toMatchObject({ action: 'delete', event: 'user.deleted', user: { login: 'wc-customer-25', email: 'wc-customer-25@shop.example.invalid', sourceId: 25 } });
	});

	it('reads WooCommerce GMT dates as UTC', () => {
		expect(wooGmtToIso('2017-03-21T19:09:30')).toBe('2017-03-21T19:09:30.000Z');
		expect(wooGmtToIso(null)).toBeUndefined();
		expect(wooGmtToIso('garbage')).toBeUndefined();
	});
});

describe('WooCommerce delivery verification', () => {
	it('answers the creation ping (unsigned webhook_id=<n> form body) with 200 and starts nothing', () => {
		const ping = { rawBody: Buffer.from('webhook_id=12'), headers: {}, remoteAddress: '127.0.0.1' };
		expect(verifyWoo(ping, settings)).toEqual({ kind: 'ignore', status: 200, body: { ping: true } });
	});

	it('rejects bad signatures (401), unknown topics and invalid customers (400), strangers (403)', () => {
		const body = fixture('customer.created');
		expect(verifyWoo(delivery('customer.created', body, { 'x-wc-webhook-signature': signWooDelivery('nope-nope-nope-nope', body) }), settings)).toMatchObject({ status: 401 });
		expect(verifyWoo(delivery('order.created', body), settings)).toMatchObject({ status: 400, message: expect.stringMatching(/topic/) });
		const bad = Buffer.from(JSON.stringify({ id: 'x', email: 3 }));
		expect(verifyWoo(delivery('customer.created', bad), settings)).toMatchObject({ status: 400, message: expect.stringMatching(/WooCommerce customer/) });
		const whitelist = parseWhitelist(['10.0.0.0/8']);
		expect(verifyWoo(delivery('customer.created', body), { ...settings, whitelist })).toMatchObject({ status: 403 });
		expect(verifyWoo(delivery('customer.created', body), { ...settings, whitelist: parseWhitelist(['https://shop.example']) }).kind).toBe('accept');
	});

	it('takes the source from the registered shop, never from the unsigned X-WC-Webhook-Source', () => {
		const body = fixture('customer.created');
		const spoofed = delivery('customer.created', body, { 'x-wc-webhook-source': 'https://a.example/' });
		expect(verifyWoo(spoofed, { ...settings, whitelist: parseWhitelist(['https://a.example']) })).toMatchObject({ status: 403 });
		const verdict = verifyWoo(spoofed, settings);
		expect(verdict.kind === 'accept' && verdict.event.source.url).toBe('https://shop.example');
	});

	it('ignores topics the node does not listen for', () => {
		expect(verifyWoo(delivery('customer.deleted', fixture('customer.deleted')), { ...settings, events: ['customer.created'] })).toMatchObject({ kind: 'ignore' });
	});
});
