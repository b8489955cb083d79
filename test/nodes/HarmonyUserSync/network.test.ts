/**
 * User Sync over a WordPress Site Network credential, in n8n's engine against the lab's real sites: one result per
 * item × target, the fan-out's path told to every target (so the events its writes cause are covered), a site that
 * is down failing only its pairs, named targets, a password n8n put back on the wrong row, Reconcile per target.
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { clearWebhooks, installBridge, NS, removeBridge } from '../../../lab/harness/bridge';
import { allDeliveriesSettled } from '../../../lab/harness/deliveries';
import { networkCredentialOf, runSync, uniqueLogin, userEvent } from '../../../lab/harness/sync';
import { WebhookReceiver } from '../../../lab/harness/webhookReceiver';
import { findUser, rest } from '../../../lab/harness/wp';
import { coversNetwork, parseNetwork } from '../../../core/network/network';

describe('User Sync over a site network', () => {
	let A: Site;
	let B: Site;
	let C: Site;
	const made: Array<[Site, string]> = [];
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	/** A row for a site that does not answer: nothing listens on its port. */
	const down = {
		name: 'Down',
		url: 'http://127.0.0.1:9',
		username: 'admin',
		applicationPassword: 'Down: nope nope nope',
		readOnly: false,
		enabled: true,
	};

	beforeAll(async () => {
		[A, B, C] = lab.sites();
		await receiver.start();
		await installBridge(B);
		await clearWebhooks(B);
		expect(
			(
				await rest(B, B.admin, `${NS}/webhooks`, {
					method: 'POST',
					body: { url: receiver.url, secret },
				})
			).status,
		).toBe(201);
	});
	afterAll(async () => {
		await clearWebhooks(B).catch(() => undefined);
		await removeBridge(B).catch(() => undefined);
		await receiver.stop();
		for (const [site, login] of made) {
			await lab.sql(
				site,
				`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login = '${login}'; DELETE FROM wp_users WHERE user_login = '${login}';`,
			);
		}
	});
	const track = (login: string) => [A, B, C].forEach((site) => made.push([site, login]));

	test('a change on A reaches every other site once, one result per item × site, each naming the whole fan-out in its path', async () => {
		const [ann, bob] = [uniqueLogin('netann'), uniqueLogin('netbob')];
		track(ann);
		track(bob);
		const network = networkCredentialOf([A, B, C]);
		const { results, pairedItems, error } = await runSync({
			site: A,
			operation: 'applyEvent',
			network,
			input: [userEvent(A, ann), userEvent(A, bob)],
		});
		expect(error).toBeUndefined();
		expect(results.map((r) => [r.user?.login, r.targetName, r.status, r.reason])).toEqual([
			[ann, B.name, 'synced', 'created'],
			[ann, C.name, 'synced', 'created'],
			[bob, B.name, 'synced', 'created'],
			[bob, C.name, 'synced', 'created'],
		]);
		expect(pairedItems).toEqual([{ item: 0 }, { item: 0 }, { item: 1 }, { item: 1 }]);
		expect(
			results.every((r) => JSON.stringify(r.path) === JSON.stringify([A.url, B.url, C.url])),
		).toBe(true);
		for (const site of [B, C])
			for (const login of [ann, bob]) expect(await findUser(site, login)).toBeDefined();
		// The event B's bridge emits for that write carries the whole fan-out: a network trigger sees it covered.
		await allDeliveriesSettled(B);
		const [echo] = receiver.eventsFor(ann);
		expect(echo.path).toEqual([A.url, B.url, C.url]);
		const parsed = parseNetwork(network);
		if (!parsed.ok) throw new Error(parsed.error);
		expect(coversNetwork(parsed.value, echo.path, echo.source.url)).toBe(true);
		// Applied again: the sites in the path are not written twice.
		const again = await runSync({
			site: A,
			operation: 'applyEvent',
			network,
			input: [{ ...userEvent(A, ann), path: [A.url, B.url] }],
		});
		expect(again.results.map((r) => [r.targetName, r.status, r.action])).toEqual([
			[C.name, 'synced', 'none'],
		]);
	});

	test('a site that is down fails only its own pairs; they keep the event for a replay', async () => {
		const login = uniqueLogin('netdown');
		track(login);
		const network = networkCredentialOf([A, B, C], [down]);
		const { results, error } = await runSync({
			site: A,
			operation: 'applyEvent',
			network,
			input: [userEvent(A, login)],
			parameters: { options: { retries: 0, timeout: 5 } },
		});
		expect(error).toBeUndefined();
		expect(results.map((r) => [r.targetName, r.status])).toEqual([
			[B.name, 'synced'],
			[C.name, 'synced'],
			['Down', 'failed'],
		]);
		expect(results[2]).toMatchObject({
			target: 'http://127.0.0.1:9',
			event: expect.objectContaining({ user: expect.objectContaining({ login }) }),
		});
		// A replay names the site: only it is written.
		const replay = await runSync({
			site: A,
			operation: 'applyEvent',
			network: networkCredentialOf([A, B, C]),
			input: [{ ...(results[2].event as object), target: C.url }],
			parameters: { sendTo: 'named', siteNames: '={{ $json.target }}' },
		});
		expect(replay.results.map((r) => [r.targetName, r.status, r.action])).toEqual([
			[C.name, 'synced', 'none'],
		]);
	});

	test('sites named in a field: by name or URL; an unknown name fails and a switched-off site is rejected, without a request', async () => {
		const login = uniqueLogin('netnamed');
		track(login);
		const network = networkCredentialOf([A, B, { site: C, enabled: false }]);
		const { results } = await runSync({
			site: A,
			operation: 'upsertUsers',
			network,
			input: [
				{
					login,
					email: `${login}@example.test`,
					roles: ['subscriber'],
					sites: [B.url, C.name, 'Nowhere'],
				},
			],
			parameters: { sendTo: 'named', siteNames: '={{ $json.sites }}', sourceSite: A.url },
		});
		expect(results.map((r) => [r.targetName ?? r.target, r.status, r.reason])).toEqual([
			[B.name, 'synced', 'created'],
			[C.name, 'rejected', 'site_disabled'],
			['Nowhere', 'failed', 'unknown_site'],
		]);
		expect(await findUser(C, login)).toBeUndefined();
	});

	test('a password n8n put back on the wrong row (rows deleted or reordered) is refused before any request', async () => {
		const login = uniqueLogin('netswap');
		const good = networkCredentialOf([B, C]) as unknown as {
			sites: { site: Array<Record<string, unknown>> };
		};
		const [rowB, rowC] = good.sites.site;
		const swapped = {
			sites: {
				site: [
					{ ...rowB, applicationPassword: rowC.applicationPassword },
					{ ...rowC, applicationPassword: rowB.applicationPassword },
				],
			},
		};
		const { error, results } = await runSync({
			site: A,
			operation: 'applyEvent',
			network: swapped as never,
			input: [userEvent(A, login)],
		});
		expect(error?.message).toContain(
			`site 1 ("${B.name}"): its application password is bound to "${C.name}"`,
		);
		expect(error?.message).not.toContain(B.admin.appPassword);
		expect(error?.message).not.toContain(C.admin.appPassword);
		expect(results).toEqual([]);
		for (const site of [B, C]) expect(await findUser(site, login)).toBeUndefined();
	});

	test('Reconcile: the source listing is read once, each target scanned once; the second run outputs nothing with changes only', async () => {
		const logins = [uniqueLogin('netrec'), uniqueLogin('netrec')];
		for (const login of logins) {
			track(login);
			expect(
				(
					await rest(A, A.admin, '/wp/v2/users', {
						method: 'POST',
						body: {
							username: login,
							email: `${login}@example.test`,
							password: `Pw-${login}`,
							roles: ['subscriber'],
						},
					})
				).status,
			).toBe(201);
		}
		const network = networkCredentialOf([A, B, C]);
		const listing = await runSync({
			site: A,
			operation: 'getUsers',
			network,
			input: [{}],
			parameters: { siteName: A.name, filters: { search: 'netrec' } },
		});
		expect(listing.json.map((user) => user.login).sort()).toEqual([...logins].sort());
		const first = await runSync({
			site: A,
			operation: 'reconcile',
			network,
			input: listing.json,
			parameters: { reconcileOutput: 'changes' },
		});
		expect(first.results.map((r) => [r.targetName, r.reason]).sort()).toEqual([
			[B.name, 'created'],
			[B.name, 'created'],
			[C.name, 'created'],
			[C.name, 'created'],
		]);
		const second = await runSync({
			site: A,
			operation: 'reconcile',
			network,
			input: listing.json,
			parameters: { reconcileOutput: 'changes' },
		});
		expect(second.results).toEqual([]);
		const all = await runSync({ site: A, operation: 'reconcile', network, input: listing.json });
		expect(all.results.map((r) => [r.targetName, r.reason])).toEqual([
			[B.name, 'unchanged'],
			[B.name, 'unchanged'],
			[C.name, 'unchanged'],
			[C.name, 'unchanged'],
		]);
	});

	test('Get Users names a site the network lacks: a clear error', async () => {
		const { error } = await runSync({
			site: A,
			operation: 'getUsers',
			network: networkCredentialOf([A, B]),
			input: [{}],
			parameters: { siteName: 'Nowhere' },
		});
		expect(error?.message).toContain('The network has no site named "Nowhere"');
	});
});
