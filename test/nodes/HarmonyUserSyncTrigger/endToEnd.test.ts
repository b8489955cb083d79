/**
 * Real deliveries end to end: the bridge plugin (or the fake WooCommerce) on a lab site posts to a loopback server
 * standing in for n8n's webhook endpoint, which feeds them to the trigger's webhook() in n8n-core's WebhookContext;
 * the emitted sync event is then applied to another lab site by the User Sync node.
 */
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { parseSyncEvent } from '../../../core/schemas/syncEvent';
import { NS, installBridge, removeBridge, uniqueLogin } from '../../../lab/harness/bridge';
import { serveTrigger } from '../../../lab/harness/engine';
import { runSync } from '../../../lab/harness/sync';
import { eventually } from '../../../lab/harness/wait';
import { findUser, rest } from '../../../lab/harness/wp';
import { triggerHarness } from './triggerLab';
import { fakeShop, Receiver } from './wooShop';

describe('HarmonyUser Sync Trigger end to end (real bridge deliveries → webhook() → User Sync)', () => {
	let source: Site;
	let target: Site;
	const made: Array<[Site, number]> = [];
	beforeAll(async () => {
		[source, target] = lab.sites();
		await installBridge(source);
		await installBridge(target);
	});
	afterAll(async () => {
		for (const [site, id] of made)
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		await removeBridge(source);
		await removeBridge(target);
	});

	test('a user created via REST on the source arrives as a valid sync event and is created on the target', async () => {
		const served = await serveTrigger((webhookBaseUrl) =>
			triggerHarnessSync(source, webhookBaseUrl),
		);
		const { harness } = served;
		try {
			await harness.activate();
			const credentialReads = harness.credentialReads('wordPressAppPasswordApi');
			expect(credentialReads).toBeGreaterThan(0); // registering read it: the count below counts real reads
			const login = uniqueLogin('trg');
			const created = await rest(source, source.admin, '/wp/v2/users', {
				method: 'POST',
				body: {
					username: login,
					email: `${login}@trigger.test`,
					password: 'Trigger-pass-1',
					first_name: 'Tri',
					last_name: 'Gger',
					roles: ['author'],
				},
			});
			expect(created.status).toBe(201);
			made.push([source, created.body.id]);
			const acceptedCalls = () =>
				served.calls.filter(
					(call) =>
						call.workflowData?.[0]?.[0]?.json &&
						(call.workflowData[0][0].json as { user: { login: string } }).user.login === login,
				);
			// Under PHP-FPM the 201 leaves before the request's shutdown queues the event: run the queue until it went.
			await eventually(`the delivery of ${login}`, async () => {
				await rest(source, source.admin, `${NS}/queue/run`, {
					method: 'POST',
					body: { force: true },
				});
				return acceptedCalls().length > 0;
			});
			const accepted = acceptedCalls();
			expect(accepted).toHaveLength(1);
			const event = accepted[0].workflowData![0][0].json;
			const parsed = parseSyncEvent(event);
			expect(parsed.ok).toBe(true);
			expect(event).toMatchObject({
				event: 'user.created',
				action: 'create',
				source: { url: source.url, ip: '127.0.0.1' },
				user: {
					login,
					email: `${login}@trigger.test`,
					firstName: 'Tri',
					lastName: 'Gger',
					roles: ['author'],
				},
			});
			expect(served.calls.every((call) => call.status === 200)).toBe(true);
			// Deliveries read the site from the registration, not the credential (n8n decrypts it in an isolate each time).
			expect(harness.credentialReads('wordPressAppPasswordApi')).toBe(credentialReads);

			const { results, error } = await runSync({
				site: target,
				operation: 'applyEvent',
				input: [event],
			});
			expect(error).toBeUndefined();
			expect(results[0]).toMatchObject({ status: 'synced' });
			const copy = await findUser(target, login);
			expect(copy).toBeDefined();
			made.push([target, copy!.id]);
			// The event carried the source's password hash; the target's bridge stored it as-is.
			const hash = (site: Site, id: number) =>
				lab.sql(site, `SELECT user_pass FROM wp_users WHERE ID = ${id}`).then((out) => out.trim());
			expect(await hash(target, copy!.id)).toBe(await hash(source, created.body.id));
		} finally {
			await harness.deactivate();
			await served.close();
		}
		const left = (await rest(source, source.admin, `${NS}/webhooks`)).body as Array<{
			url: string;
		}>;
		expect(left.some((hook) => hook.url === harness.webhookUrl)).toBe(false);
	});

	test('WooCommerce (fake WooCommerce, signed deliveries from its queue): a new user arrives as a create event', async () => {
		const receiver = new Receiver();
		await receiver.start();
		const shop = await fakeShop(source, receiver.port);
		const harness = await triggerHarness(
			source,
			{ source: 'woocommerce', options: { checkDeliveryUrl: false } },
			{ webhookBaseUrl: receiver.baseUrl },
		);
		receiver.harness = harness;
		try {
			await harness.activate();
			await receiver.settled();
			const login = uniqueLogin('wcc');
			const created = await rest(source, source.admin, '/wp/v2/users', {
				method: 'POST',
				body: {
					username: login,
					email: `${login}@shop.test`,
					password: 'Trigger-pass-1',
					first_name: 'Shop',
					roles: ['subscriber'],
				},
			});
			made.push([source, created.body.id]);
			expect(receiver.events()).toEqual([]); // WooCommerce delivers later, from its queue
			await shop.runQueue();
			await receiver.settled();
			expect(receiver.events()).toEqual([
				expect.objectContaining({
					event: 'user.created',
					action: 'create',
					source: { url: source.url, ip: '127.0.0.1' },
					user: expect.objectContaining({
						login,
						email: `${login}@shop.test`,
						firstName: 'Shop',
						roles: ['subscriber'],
						sourceId: created.body.id,
					}),
				}),
			]);
		} finally {
			await harness.deactivate();
			await receiver.stop();
			await shop.remove();
		}
	});
});

/** serveTrigger wants the harness synchronously; the package loads once, so this resolves at once after the first. */
function triggerHarnessSync(site: Site, webhookBaseUrl: string, source = 'bridge') {
	return triggerHarness(site, { source }, { webhookBaseUrl });
}
