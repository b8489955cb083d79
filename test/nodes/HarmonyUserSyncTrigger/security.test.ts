/**
 * The trigger's defences in n8n's real WebhookContext: every rejected request answers with the right status and
 * returns NO workflowData (nothing executes). Bodies are signed correctly where the body check is the one tested.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { signWooDelivery } from '../../../core/security/wooSignature';
import type { TriggerHarness, WebhookCallResult } from '../../../lab/harness/engine';
import { fuzzBodies, validEvent } from './fuzz';
import { bridgeRequest, now, PREVIOUS, SECRET } from './signedRequests';
import { STATIC_KEY, triggerHarness } from './triggerLab';

function expectRejected(result: WebhookCallResult, status: number): void {
	expect(result.status).toBe(status);
	expect(result.workflowData).toBeUndefined();
	expect(result.response.workflowData).toBeUndefined();
}

describe('HarmonyUser Sync Trigger security (n8n-core WebhookContext)', () => {
	let site: Site;
	let harness: TriggerHarness;
	beforeAll(async () => {
		[site] = lab.sites();
		harness = await triggerHarness(site, { options: { previousSecret: PREVIOUS } });
		harness.staticData[STATIC_KEY] = { webhookId: 'fuzz', secret: SECRET };
	});

	test('≥ 1,000 malformed or fuzzed bodies, correctly signed: every one 400, nothing executes', async () => {
		const bodies = fuzzBodies(1100, site.url);
		const statuses = new Map<string, number>();
		for (const { kind, body } of bodies) {
			const result = await harness.call(bridgeRequest(body));
			if (result.status !== 400 || result.workflowData)
				throw new Error(`${kind} → ${result.status}: ${body.toString('utf8').slice(0, 200)}`);
			expect(typeof (result.body as { error: string }).error).toBe('string');
			statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
		}
		expect(bodies.length).toBeGreaterThanOrEqual(1000);
		expect([...statuses.keys()].sort()).toEqual([
			'huge strings',
			'random bytes',
			'truncated JSON',
			'valid JSON, not the schema',
			'wrong types',
		]);
		// The same bodies unsigned or signed with another secret never reach the body check.
		for (const { body } of bodies.slice(0, 200))
			expectRejected(
				await harness.call(bridgeRequest(body, { secret: 'attacker-secret-0123456789' })),
				401,
			);
	}, 30000);

	test('bad signatures 401; the previous secret is accepted during rotation', async () => {
		const body = JSON.stringify(validEvent(randomUUID(), site.url));
		const good = bridgeRequest(body);
		expectRejected(
			await harness.call({
				...good,
				headers: { ...good.headers, 'x-harmonyuser-signature': 'sha256=00' },
			}),
			401,
		);
		expectRejected(
			await harness.call({ ...good, headers: { ...good.headers, 'x-harmonyuser-signature': '' } }),
			401,
		);
		expectRejected(await harness.call({ ...good, body: `${body} ` }), 401);
		const rotated = await harness.call(bridgeRequest(body, { secret: PREVIOUS }));
		expect(rotated.status).toBe(200);
		expect(rotated.workflowData?.[0]).toHaveLength(1);
	});

	test('expired and future timestamps 401, with a valid signature', async () => {
		const body = JSON.stringify(validEvent(randomUUID(), site.url));
		expectRejected(
			await harness.call(bridgeRequest(body, { ts: String(Number(now()) - 301) })),
			401,
		);
		expectRejected(
			await harness.call(bridgeRequest(body, { ts: String(Number(now()) + 301) })),
			401,
		);
		expectRejected(await harness.call(bridgeRequest(body, { ts: 'soon' })), 401);
	});

	test('a replayed delivery answers 200 { duplicate: true } and starts nothing; the bridge re-signing it (a retry) runs again', async () => {
		const body = JSON.stringify(validEvent(randomUUID(), site.url));
		const request = bridgeRequest(body);
		const first = await harness.call(request);
		expect(first.workflowData?.[0]?.[0]?.json).toMatchObject({
			action: 'update',
			source: { url: site.url, ip: '127.0.0.1' },
		});
		const again = await harness.call(request);
		expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
		expect(again.workflowData).toBeUndefined();
		// Only the secret's holder can sign anew, and the bridge does so only when no 2xx came back (n8n accepted
		// it but could not start the run): at least once, never dropped as a duplicate.
		const retry = await harness.call(bridgeRequest(body, { ts: String(Number(now()) + 5) }));
		expect(retry.workflowData?.[0]?.[0]?.json).toMatchObject({ action: 'update' });
	});

	test('non-whitelisted IPs and URLs 403; X-Forwarded-For only when trusted, right-most entry', async () => {
		const fenced = await triggerHarness(site, {
			whitelistEnabled: true,
			whitelist: { entries: [{ value: '10.0.0.0/8' }] },
			options: {},
		});
		fenced.staticData[STATIC_KEY] = { secret: SECRET };
		const body = () => JSON.stringify(validEvent(randomUUID(), site.url));
		expectRejected(await fenced.call(bridgeRequest(body(), { ip: '127.0.0.1' })), 403);
		expectRejected(
			await fenced.call(
				bridgeRequest(body(), { ip: '127.0.0.1', headers: { 'x-forwarded-for': '10.1.1.1' } }),
			),
			403,
		);
		expect(
			(await fenced.call(bridgeRequest(body(), { ip: '::ffff:10.9.9.9' }))).workflowData,
		).toBeDefined();

		const proxied = await triggerHarness(site, {
			whitelistEnabled: true,
			whitelist: { entries: [{ value: '10.0.0.0/8' }] },
			options: { trustForwardedFor: true },
		});
		proxied.staticData[STATIC_KEY] = { secret: SECRET };
		const viaProxy = await proxied.call(
			bridgeRequest(body(), {
				ip: '127.0.0.1',
				headers: { 'x-forwarded-for': '198.51.100.4, 10.1.1.1' },
			}),
		);
		expect(viaProxy.workflowData?.[0]?.[0]?.json).toMatchObject({ source: { ip: '10.1.1.1' } });
		expectRejected(
			await proxied.call(
				bridgeRequest(body(), {
					ip: '10.0.0.1',
					headers: { 'x-forwarded-for': '10.1.1.1, 198.51.100.4' },
				}),
			),
			403,
		);

		const byUrl = await triggerHarness(site, {
			whitelistEnabled: true,
			whitelist: { entries: [{ value: 'https://elsewhere.example' }] },
			options: {},
		});
		byUrl.staticData[STATIC_KEY] = { secret: SECRET };
		expectRejected(await byUrl.call(bridgeRequest(body())), 403);
	});

	test('WooCommerce: the ping answers 200 without executing; signed customers run once; replays with a new delivery id do not', async () => {
		const woo = await triggerHarness(site, { source: 'woocommerce', options: { catchUp: false } });
		// WooCommerce pings while the webhook is being registered: before the node has stored its secret.
		const early = await woo.call({
			body: 'webhook_id=3',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		});
		expect(early).toMatchObject({ status: 200, body: { ping: true } });
		woo.staticData[STATIC_KEY] = { secret: SECRET };
		const ping = await woo.call({
			body: 'webhook_id=3',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		});
		expect(ping).toMatchObject({ status: 200, body: { ping: true } });
		expect(ping.workflowData).toBeUndefined();
		const body = readFileSync(
			path.join(__dirname, '..', '..', 'fixtures', 'woocommerce', 'customer.updated.json'),
		);
		const request = (deliveryId: string, signature = signWooDelivery(SECRET, body)) => ({
			body,
			headers: {
				'x-wc-webhook-topic': 'customer.updated',
				'x-wc-webhook-source': `${site.url}/`,
				'x-wc-webhook-delivery-id': deliveryId,
				'x-wc-webhook-signature': signature,
			},
		});
		expectRejected(
			await woo.call(request('d1', signWooDelivery('wrong-secret-0123456789', body))),
			401,
		);
		const first = await woo.call(request('d1'));
		expect(first.workflowData?.[0]?.[0]?.json).toMatchObject({
			id: expect.stringMatching(/^woo:127\.0\.0\.1:15:updated:/),
			action: 'update',
			user: { login: 'meta.customer' },
		});
		expect((await woo.call(request('d1'))).body).toEqual({ duplicate: true });
		const forged = await woo.call(request('d2-forged'));
		expect(forged).toMatchObject({ status: 200, body: { duplicate: true } });
		expect(forged.workflowData).toBeUndefined();
	});
});
