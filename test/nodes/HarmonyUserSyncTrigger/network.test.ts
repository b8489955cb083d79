/**
 * One trigger for a site network, against three real lab sites running the bridge plugin: the activation lifecycle
 * in n8n-core's HookContext (a user's activation and n8n's start-up), real deliveries through n8n-core's
 * WebhookContext, the echoes of a real fan-out by the User Sync node, and forged deliveries.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { RecordedSite } from '../../../core/triggers/networkSubscriptions';
import { signBridgeDelivery } from '../../../core/security/signature';
import { NS, installBridge, removeBridge, uniqueLogin } from '../../../lab/harness/bridge';
import {
	recordWarnings,
	runNode,
	serveTrigger,
	type TriggerHarness,
	type WebhookCallResult,
} from '../../../lab/harness/engine';
import { SYNC_NODE, syncPackage } from '../../../lab/harness/sync';
import { eventually } from '../../../lab/harness/wait';
import { findUser, rest } from '../../../lab/harness/wp';
import {
	networkCredential,
	networkRow,
	networkTriggerHarness,
	nodeStatic,
	STATIC_KEY,
	webhookIdOf,
	type NetworkRow,
} from './triggerLab';

interface Subscription {
	id: string;
	url: string;
	events: string[];
}

/** A port nothing listens on: a site that is down. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

function recorded(harness: TriggerHarness): RecordedSite[] {
	return (nodeStatic(harness).networkSites ?? []) as RecordedSite[];
}

function secretOf(harness: TriggerHarness, name: string): string {
	const site = recorded(harness).find((entry) => entry.name === name);
	if (!site?.secret) throw new Error(`no secret recorded for ${name}`);
	return site.secret;
}

function signed(body: string, secret: string, siteName: string) {
	const ts = String(Math.floor(Date.now() / 1000));
	return {
		body,
		query: { site: siteName },
		headers: {
			'content-type': 'application/json',
			'x-harmonyuser-timestamp': ts,
			'x-harmonyuser-signature': signBridgeDelivery(secret, ts, body),
		},
	};
}

function eventFrom(source: Site, path: string[] = [source.url]): string {
	return JSON.stringify({
		id: randomUUID(),
		event: 'user.updated',
		action: 'update',
		time: new Date().toISOString(),
		source: { url: source.url },
		path,
		user: { login: 'network-ada', email: 'network-ada@example.test', roles: ['subscriber'] },
	});
}

function expectNothingStarted(result: WebhookCallResult, status: number): void {
	expect(result.status).toBe(status);
	expect(result.workflowData).toBeUndefined();
	expect(result.response.workflowData).toBeUndefined();
}

describe('HarmonyUser Sync Trigger on a site network (3 lab sites, n8n-core HookContext and WebhookContext)', () => {
	let sites: Site[];
	let rows: NetworkRow[];
	const made: Array<[Site, number]> = [];
	beforeAll(async () => {
		sites = lab.sites().slice(0, 3);
		expect(sites).toHaveLength(3);
		for (const site of sites) await installBridge(site);
		rows = sites.map((site) => networkRow(site));
	});
	afterAll(async () => {
		for (const [site, id] of made)
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id = ${id}; DELETE FROM wp_users WHERE ID = ${id};`,
			);
		for (const site of sites) await removeBridge(site);
	});

	const subscriptionsOn = async (site: Site) =>
		(await rest(site, site.admin, `${NS}/webhooks`)).body as Subscription[];
	/** The harness's subscriptions on a site: its webhook URL with any `?site=`. */
	const mine = async (site: Site, harness: TriggerHarness) =>
		(await subscriptionsOn(site)).filter((hook) => hook.url.startsWith(harness.webhookUrl));
	const secretsOf = (harness: TriggerHarness) =>
		recorded(harness).flatMap((site) => (site.secret ? [site.secret] : []));

	test('activation subscribes every enabled site with its own delivery URL and secret; checkExists; deactivation removes them all', async () => {
		const harness = await networkTriggerHarness(rows, { events: ['user.created', 'user.updated'] });
		expect(await harness.hook('checkExists')).toBe(false);
		expect(await harness.activate()).toEqual({ created: true });

		const stored = recorded(harness);
		expect(stored.map(({ name, url }) => ({ name, url }))).toEqual(
			sites.map((site, i) => ({ name: `Lab ${i + 1}`, url: site.url })),
		);
		for (const entry of stored) {
			expect(entry.webhookId).toEqual(expect.any(String));
			expect(entry.secret).toMatch(/^[0-9a-f]{64}$/);
			expect(entry.pending).toBeUndefined();
		}
		expect(new Set(secretsOf(harness)).size).toBe(3);
		for (const [i, site] of sites.entries()) {
			expect(await mine(site, harness)).toEqual([
				expect.objectContaining({
					id: stored[i].webhookId,
					url: `${harness.webhookUrl}?site=Lab%20${i + 1}`,
					events: ['user.created', 'user.updated'],
				}),
			]);
			const listing = JSON.stringify(await subscriptionsOn(site));
			for (const secret of secretsOf(harness)) expect(listing).not.toContain(secret);
		}

		expect(await harness.hook('checkExists')).toBe(true);
		expect(await harness.activate()).toEqual({ created: false }); // a restart: nothing duplicated
		for (const site of sites) expect(await mine(site, harness)).toHaveLength(1);

		await harness.deactivate();
		for (const site of sites) expect(await mine(site, harness)).toEqual([]);
		expect(harness.staticData[STATIC_KEY]).toEqual({});
		expect(await harness.hook('checkExists')).toBe(false);
	});

	test('a real delivery from each site starts one execution with that site as source; the echoes of a fan-out start none', async () => {
		const served = await serveTrigger((webhookBaseUrl) =>
			networkTriggerHarness(rows, {}, { webhookBaseUrl }),
		);
		const { harness } = served;
		// Which site each delivery's URL named, beside what the trigger answered.
		const seen: Array<{ site: string; result: WebhookCallResult }> = [];
		const call = harness.call.bind(harness);
		harness.call = async (init) => {
			const result = await call(init);
			seen.push({ site: String(init.query?.site ?? ''), result });
			return result;
		};
		const started = (login: string) =>
			seen.filter(
				({ result }) =>
					(result.workflowData?.[0]?.[0]?.json as { user?: { login?: string } } | undefined)?.user
						?.login === login,
			);
		// The bridge delivers from a background runner too: done when none of the trigger's rows is left undelivered.
		const delivered = async (site: Site) => {
			await rest(site, site.admin, `${NS}/queue/run`, { method: 'POST', body: { force: true } });
			const webhookId = recorded(harness).find((entry) => entry.url === site.url)?.webhookId;
			await eventually(`${site.name}'s deliveries`, async () => {
				const queue = (await rest(site, site.admin, `${NS}/queue`)).body as {
					items: Array<{ webhook_id: string }>;
				};
				return !queue.items.some((item) => item.webhook_id === webhookId);
			});
		};
		try {
			await harness.activate();
			const logins: string[] = [];
			for (const [i, site] of sites.entries()) {
				const login = uniqueLogin('net');
				logins.push(login);
				const created = await rest(site, site.admin, '/wp/v2/users', {
					method: 'POST',
					body: {
						username: login,
						email: `${login}@network.test`,
						password: 'Network-pass-1',
						roles: ['subscriber'],
					},
				});
				expect(created.status).toBe(201);
				made.push([site, created.body.id]);
				await delivered(site);
				const runs = started(login);
				expect(runs.map((run) => run.site)).toEqual([`Lab ${i + 1}`]);
				expect(runs[0].result.workflowData![0][0].json).toMatchObject({
					event: 'user.created',
					source: { url: site.url, ip: '127.0.0.1' },
					user: { login },
				});
			}
			// No delivery was refused: each site signed with its own secret, for its own URL.
			expect(seen.filter(({ result }) => result.status !== 200)).toEqual([]);

			// The first site's change fanned out by the User Sync node to the other two: their echoes are covered.
			const [first, ...others] = sites;
			const event = started(logins[0])[0].result.workflowData![0][0].json;
			const before = seen.length;
			const fanOut = await runNode(await syncPackage(), {
				type: SYNC_NODE,
				parameters: { target: 'network', operation: 'applyEvent' },
				credentials: { wordPressSiteNetworkApi: networkCredential(rows) },
				input: [event as IDataObject],
			});
			expect(fanOut.error).toBeUndefined();
			expect(fanOut.items.map((item) => [item.json.status, item.json.target])).toEqual(
				others.map((site) => ['synced', site.url]),
			);
			for (const site of others) {
				const copy = await findUser(site, logins[0]);
				expect(copy).toBeDefined();
				made.push([site, copy!.id]);
				await delivered(site);
			}
			// Only these sites' events are queued for this trigger since: the echoes (a create, maybe an update).
			const echoes = seen.slice(before);
			expect([...new Set(echoes.map((echo) => echo.site))].sort()).toEqual(['Lab 2', 'Lab 3']);
			for (const { result } of echoes)
				expect(result).toMatchObject({
					status: 200,
					body: { covered: true },
					workflowData: undefined,
				});
			expect(started(logins[0])).toHaveLength(1); // the change itself, and nothing for its echoes
			expect((event.source as IDataObject).url).toBe(first.url);
		} finally {
			await harness.deactivate();
			await served.close();
		}
		for (const site of sites) expect(await mine(site, harness)).toEqual([]);
	});

	test('a body claiming another site, or signed with another site’s secret, is refused and starts nothing; unknown sites 404', async () => {
		const harness = await networkTriggerHarness(rows);
		try {
			await harness.activate();
			const [one, two, three] = sites;
			const [secret1, secret2] = [secretOf(harness, 'Lab 1'), secretOf(harness, 'Lab 2')];
			// Site 2's change, signed with site 1's secret: for site 1's URL the body speaks for another site (403),
			// for site 2's URL the signature is not site 2's (401).
			expectNothingStarted(await harness.call(signed(eventFrom(two), secret1, 'Lab 1')), 403);
			expectNothingStarted(await harness.call(signed(eventFrom(two), secret1, 'Lab 2')), 401);
			// Site 1's own change under site 2's name, with site 1's secret: 401.
			expectNothingStarted(await harness.call(signed(eventFrom(one), secret1, 'Lab 2')), 401);
			for (const name of ['Nope', '']) {
				const unknown = await harness.call(signed(eventFrom(one), secret1, name));
				expectNothingStarted(unknown, 404);
				expect(JSON.stringify(unknown.body)).toMatch(/site/);
			}
			expectNothingStarted(
				await harness.call({ ...signed(eventFrom(one), secret1, 'Lab 1'), query: {} }),
				404,
			);

			// Signed right: it runs (a name is matched case-insensitively).
			const accepted = await harness.call(signed(eventFrom(two), secret2, 'lab 2'));
			expect(accepted.workflowData?.[0]?.[0]?.json).toMatchObject({ source: { url: two.url } });

			// A signed echo whose path covers every site: 200 { covered: true }, nothing runs; one site short of it runs.
			const echo = await harness.call(
				signed(eventFrom(two, [one.url, two.url, three.url]), secret2, 'Lab 2'),
			);
			expectNothingStarted(echo, 200);
			expect(echo.body).toEqual({ covered: true });
			const partial = await harness.call(
				signed(eventFrom(two, [one.url, two.url]), secret2, 'Lab 2'),
			);
			expect(partial.workflowData?.[0]).toHaveLength(1);
		} finally {
			await harness.deactivate();
		}
	});

	test('one site down at a user’s activation: the error names it, and no subscription is left on the other sites', async () => {
		const down = networkRow(sites[0], {
			name: 'Down',
			url: `http://127.0.0.1:${await closedPort()}`,
		});
		const harness = await networkTriggerHarness([...rows, down]);
		const failure = await harness.activate().then(
			() => undefined,
			(error: Error & { description?: string }) => error,
		);
		expect(failure?.message).toBe(
			'Could not subscribe network site "Down". No subscription was left on the other sites.',
		);
		expect(failure?.description).toMatch(
			/^"Down": WordPress http:\/\/127\.0\.0\.1:\d+ failed .*could not be reached/,
		);
		for (const site of sites)
			expect(
				JSON.stringify({ message: failure?.message, description: failure?.description }),
			).not.toContain(site.admin.appPassword);
		for (const site of sites) expect(await mine(site, harness)).toEqual([]);
		expect(recorded(harness)).toEqual([]);
	});

	test('at start-up a site that is down does not stop the others: it is pending, warned about, and subscribed at the next activation', async () => {
		const down = networkRow(sites[0], {
			name: 'Down',
			url: `http://127.0.0.1:${await closedPort()}`,
		});
		const [, , third] = sites;
		await removeBridge(third); // Lab 3 answers, but without the plugin: it fails too, and comes back below
		const warnings = recordWarnings();
		let harness = await networkTriggerHarness([...rows, down]);
		try {
			expect(await harness.hook('checkExists', 'init')).toBe(false);
			expect(await harness.hook('create', 'init')).toBe(true);
			const first = recorded(harness);
			expect(
				first.map((site) => [site.name, site.pending === true, Boolean(site.webhookId)]),
			).toEqual([
				['Lab 1', false, true],
				['Lab 2', false, true],
				['Lab 3', true, false],
				['Down', true, false],
			]);
			for (const site of sites.slice(0, 2)) expect(await mine(site, harness)).toHaveLength(1);
			expect(warnings.messages.filter((message) => /start-up/.test(message))).toEqual([
				expect.stringMatching(
					/network site "Lab 3" could not be subscribed at start-up \(.*rest_no_route.*Bridge plugin active/,
				),
				expect.stringMatching(
					/network site "Down" could not be subscribed at start-up \(.*could not be reached/,
				),
			]);
			for (const message of warnings.messages)
				for (const secret of [...secretsOf(harness), ...sites.map((s) => s.admin.appPassword)])
					expect(message).not.toContain(secret);

			// While a site is pending the registration is incomplete: n8n's next start (or activation) creates again.
			await installBridge(third);
			expect(await harness.hook('checkExists', 'init')).toBe(false);
			expect(await harness.hook('create', 'init')).toBe(true);
			const second = recorded(harness);
			expect(second.slice(0, 2)).toEqual(first.slice(0, 2)); // kept as they were: same subscriptions and secrets
			expect(second[2]).toEqual({
				name: 'Lab 3',
				url: third.url,
				webhookId: expect.any(String),
				secret: expect.stringMatching(/^[0-9a-f]{64}$/),
			});
			expect(second[3]).toMatchObject({ name: 'Down', pending: true });
			expect(await mine(third, harness)).toEqual([
				expect.objectContaining({ id: second[2].webhookId }),
			]);

			// Switched off in the credential: the pending site is no longer wanted, and the registration is complete.
			harness = await networkTriggerHarness(
				[...rows, { ...down, enabled: false }],
				{},
				{ webhookId: webhookIdOf(harness), staticData: harness.staticData },
			);
			expect(await harness.hook('checkExists', 'init')).toBe(false);
			await harness.hook('create', 'init');
			expect(recorded(harness).map((site) => site.name)).toEqual(['Lab 1', 'Lab 2', 'Lab 3']);
			expect(await harness.hook('checkExists', 'init')).toBe(true);
		} finally {
			warnings.stop();
			await installBridge(third);
			await harness.deactivate();
		}
		for (const site of sites) expect(await mine(site, harness)).toEqual([]);
	});

	test('a site taken out of the credential, or switched off, loses its subscription at the next activation', async () => {
		let harness = await networkTriggerHarness(rows);
		await harness.activate();
		const before = recorded(harness);
		const [one, two, three] = sites;
		try {
			// Lab 3's row deleted from the credential (same workflow, same URL, same static data).
			harness = await networkTriggerHarness(
				rows.slice(0, 2),
				{},
				{ webhookId: webhookIdOf(harness), staticData: harness.staticData },
			);
			expect(await harness.hook('checkExists')).toBe(false);
			expect(await harness.activate()).toEqual({ created: true });
			expect(await mine(three, harness)).toEqual([]);
			expect(recorded(harness)).toEqual(before.slice(0, 2));
			expect(await harness.hook('checkExists')).toBe(true);

			// Lab 2 switched off.
			harness = await networkTriggerHarness(
				[rows[0], { ...rows[1], enabled: false }],
				{},
				{ webhookId: webhookIdOf(harness), staticData: harness.staticData },
			);
			await harness.activate();
			expect(await mine(two, harness)).toEqual([]);
			expect(recorded(harness)).toEqual(before.slice(0, 1));
			expect(await mine(one, harness)).toEqual([
				expect.objectContaining({ id: before[0].webhookId }),
			]);
		} finally {
			await harness.deactivate();
		}
		for (const site of sites) expect(await mine(site, harness)).toEqual([]);
	});
});
