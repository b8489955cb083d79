/** Activation and deactivation of the trigger against a real lab site (bridge) and the fake WooCommerce routes. */
import path from 'node:path';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { NS, installBridge, removeBridge } from '../../../lab/harness/bridge';
import { rest } from '../../../lab/harness/wp';
import { nodeStatic, STATIC_KEY, triggerHarness } from './triggerLab';

const FAKE_WOO = path.join(
	__dirname,
	'..',
	'..',
	'fixtures',
	'wp',
	'fake-woocommerce-webhooks.php',
);

describe('HarmonyUser Sync Trigger: webhook lifecycle (n8n-core HookContext)', () => {
	let site: Site;
	beforeAll(async () => {
		[site] = lab.sites();
		await installBridge(site);
		lab.installMuPlugin(site, FAKE_WOO, 'fake-woocommerce-webhooks');
	});
	afterAll(async () => {
		lab.removeMuPlugin(site, 'fake-woocommerce-webhooks');
		await removeBridge(site);
	});

	const bridgeHooks = async () =>
		(await rest(site, site.admin, `${NS}/webhooks`)).body as Array<{
			id: string;
			url: string;
			events: string[];
		}>;

	test('bridge: activation registers the webhook, checkExists sees it, deactivation removes it', async () => {
		const harness = await triggerHarness(site, { events: ['user.created', 'user.updated'] });
		expect(await harness.hook('checkExists')).toBe(false);
		expect(await harness.activate()).toEqual({ created: true });
		const stored = nodeStatic(harness);
		expect(stored.webhookId).toEqual(expect.any(String));
		expect(String(stored.secret)).toMatch(/^[0-9a-f]{64}$/);
		expect(stored.siteUrl).toBe(site.url);
		const mine = (await bridgeHooks()).filter((hook) => hook.url === harness.webhookUrl);
		expect(mine).toEqual([
			expect.objectContaining({ id: stored.webhookId, events: ['user.created', 'user.updated'] }),
		]);
		expect(JSON.stringify(await bridgeHooks())).not.toContain(String(stored.secret));

		expect(await harness.hook('checkExists')).toBe(true);
		expect(await harness.activate()).toEqual({ created: false }); // a restart re-activates without duplicates
		expect((await bridgeHooks()).filter((hook) => hook.url === harness.webhookUrl)).toHaveLength(1);

		await harness.deactivate();
		expect(
			(await bridgeHooks()).some(
				(hook) => hook.url === harness.webhookUrl || hook.id === stored.webhookId,
			),
		).toBe(false);
		expect(harness.staticData[STATIC_KEY]).toEqual({});
		expect(await harness.hook('checkExists')).toBe(false);
	});

	test('bridge: a subscription deleted on the site, or changed events, make checkExists false; create replaces stale ones', async () => {
		const harness = await triggerHarness(site);
		await harness.activate();
		const { webhookId } = nodeStatic(harness);
		await rest(site, site.admin, `${NS}/webhooks/${String(webhookId)}`, { method: 'DELETE' });
		expect(await harness.hook('checkExists')).toBe(false);
		await harness.hook('delete'); // already gone: 404 is fine
		await harness.activate();

		// The same workflow after an edit: same node and URL, same static data, other events.
		const narrower = await triggerHarness(
			site,
			{ events: ['user.deleted'] },
			{ webhookId: harness.webhookUrl.split('/').slice(-2)[0] },
		);
		Object.assign(narrower.staticData, harness.staticData);
		expect(narrower.webhookUrl).toBe(harness.webhookUrl);
		expect(await narrower.hook('checkExists')).toBe(false);
		await narrower.hook('create');
		const mine = (await bridgeHooks()).filter((hook) => hook.url === harness.webhookUrl);
		expect(mine).toEqual([expect.objectContaining({ events: ['user.deleted'] })]);
		await narrower.deactivate();
	});

	test('bridge: a site without the plugin gives a clear activation error', async () => {
		const [, site2] = lab.sites();
		await removeBridge(site2).catch(() => undefined);
		const harness = await triggerHarness(site2);
		await expect(harness.activate()).rejects.toThrow(/bridge plugin/);
	});

	test('WooCommerce: one webhook per topic with the shared secret, found again, removed on deactivation', async () => {
		const harness = await triggerHarness(site, {
			source: 'woocommerce',
			wooEvents: ['customer.created', 'customer.deleted'],
			options: { checkDeliveryUrl: false },
		});
		expect(await harness.hook('checkExists')).toBe(false);
		await harness.activate();
		const stored = nodeStatic(harness) as { wooWebhooks: Record<string, number>; secret: string };
		expect(Object.keys(stored.wooWebhooks).sort()).toEqual([
			'customer.created',
			'customer.deleted',
		]);
		const listed = (await rest(site, site.admin, '/wc/v3/webhooks')).body as Array<{
			id: number;
			topic: string;
			delivery_url: string;
			status: string;
		}>;
		const mine = listed.filter((hook) => hook.delivery_url === harness.webhookUrl);
		expect(mine.map((hook) => [hook.topic, hook.status]).sort()).toEqual([
			['customer.created', 'active'],
			['customer.deleted', 'active'],
		]);
		expect(await harness.hook('checkExists')).toBe(true);
		await harness.deactivate();
		const after = (await rest(site, site.admin, '/wc/v3/webhooks')).body as Array<{
			delivery_url: string;
		}>;
		expect(after.some((hook) => hook.delivery_url === harness.webhookUrl)).toBe(false);
	});
});
