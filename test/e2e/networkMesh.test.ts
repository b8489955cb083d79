/**
 * The proof for site networks: examples/network-mesh.json (trigger → User Sync → Sync Log, three nodes) on
 * real n8n 2.41.1 over a WordPress Site Network credential of 10 real lab sites, the bridge plugin on every one.
 * - A change on any site reaches the other 9 exactly once (SQL on every site), each pair logged once.
 * - One execution per change, counted through n8n's REST API; the 9 echoes each site's bridge delivers are
 *   answered without one, and nothing more starts once the deliveries have settled (loops stop).
 * - A site whose server is down when the fan-out reaches it fails only its own pair; once it is back,
 *   examples/network-replay-failed.json (Sync Log → User Sync, Sites Named in a Field = {{ $json.target }})
 *   writes it there.
 * Needs a lab of 10 sites: the integration project's lab has HUS_LAB_SITES (default 10, lab/harness/labs.js);
 * with fewer it is skipped, saying so. Not run again on WordPress 6.8 (jest.config.js: nothing here depends on
 * WordPress's release, and that lab has 4 sites).
 */
import { DatabaseSync } from 'node:sqlite';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { clearWebhooks, installBridge } from '../../lab/harness/bridge';
import { allDeliveriesSettled } from '../../lab/harness/deliveries';
import { createUser, findUser, rest } from '../../lab/harness/wp';
import {
	SETUP_TIMEOUT,
	logRows,
	networkCredentialData,
	networkSiteName,
	networkSubscribed,
	settledExecutions,
	startN8nWithPackage,
	stopStage,
	syncLogFile,
	withN8nLog,
} from '../../lab/harness/n8n/e2e';
import {
	eventually,
	loadExample,
	type ExecutionSummary,
	type RealN8n,
} from '../../lab/harness/n8n';
import { sleep } from '../../lab/harness/wait';

const SITES = 10;
const RUN = `nm${Date.now().toString(36)}`;
let counter = 0;
const login = (tag: string) => `${RUN}${tag}${++counter}`;

const available = lab.sites().length;
if (available < SITES) {
	process.stderr.write(
		`networkMesh.test.ts: the lab has ${available} sites, this test needs ${SITES} (HUS_LAB_SITES=${SITES}): skipped\n`,
	);
}
const describeWithTenSites = available >= SITES ? describe : describe.skip;

describeWithTenSites(
	'real n8n: one mesh workflow over a network of 10 real WordPress sites',
	() => {
		let n8n: RealN8n | undefined;
		let sites: Site[] = [];
		let meshId = '';
		const credentialIds: Record<string, string> = {};
		const logged = (body: () => Promise<void>) => withN8nLog(() => n8n, body);
		const timings: Record<string, number> = {};

		/** How many users with this login each site holds, in the sites' order: one query over the 10 databases. */
		async function copies(name: string): Promise<number[]> {
			const union = sites
				.map(
					(site, i) =>
						`SELECT ${i} AS i, COUNT(*) AS n FROM \`${site.db}\`.wp_users WHERE user_login = '${name}'`,
				)
				.join(' UNION ALL ');
			const rows = (await lab.sql(sites[0], `${union} ORDER BY i`)).trim().split('\n');
			return rows.map((row) => Number(row.split('\t')[1]));
		}

		/** The mesh's executions once every site's deliveries have settled and none runs; `count` expected in all. */
		async function meshExecutions(count: number): Promise<ExecutionSummary[]> {
			await allDeliveriesSettled(...sites);
			const executions = await settledExecutions(n8n!, meshId, count);
			return executions;
		}

		/** Every delivery each site's bridge queued for this user (the change on its source, an echo on the others): status and n8n's answer. */
		async function deliveries(name: string): Promise<string[]> {
			const rows: string[] = [];
			for (const site of sites) {
				const found = await lab.sql(
					site,
					`SELECT CONCAT(q.status, ' ', q.last_status) FROM wp_harmonyuser_queue q JOIN wp_users u ON u.ID = q.user_id WHERE u.user_login = '${name}'`,
				);
				rows.push(...found.trim().split('\n').filter(Boolean));
			}
			return rows;
		}

		/** One change on `source`, timed until the other 9 sites hold `expect` for the login. */
		async function reachesTheOthers(
			what: string,
			source: Site,
			name: string,
			expected: (copiesBySite: number[]) => boolean,
		): Promise<number> {
			const started = Date.now();
			await eventually(
				`${what} from ${source.name} on the other sites`,
				async () => expected(await copies(name)),
				30_000,
				100,
			);
			return Date.now() - started;
		}

		beforeAll(async () => {
			sites = lab.sites().slice(0, SITES);
			for (const site of sites) {
				await installBridge(site);
				await clearWebhooks(site);
			}
			({ n8n } = await startN8nWithPackage());
			credentialIds.NETWORK_CREDENTIAL_ID = await n8n.createCredential(
				'WordPress Site Network (10 sites)',
				'wordPressSiteNetworkApi',
				networkCredentialData(sites),
			);
			const workflow = loadExample('network-mesh.json', credentialIds);
			meshId = await n8n.createWorkflow(workflow);
			const started = Date.now();
			await n8n.activate(meshId);
			await networkSubscribed(n8n, workflow, 'Any site changed', sites);
			timings.activation = Date.now() - started;
		}, SETUP_TIMEOUT);

		afterAll(async () => {
			process.stderr.write(
				`real n8n network mesh of ${SITES} sites, ms: ${JSON.stringify(timings)}\n`,
			);
			await n8n?.deactivate(meshId).catch(() => undefined);
			// Whatever happened, every site's server runs again for the next test file (a no-op when they all run).
			await lab.up({ count: available, portBase: lab.sites()[0].port }).catch(() => undefined);
			await stopStage(n8n, sites, RUN);
		}, 180_000);

		test(
			'a change on any of the 10 sites reaches the other 9 exactly once: one execution per change, none for the 9 echoes, loops stop',
			logged(async () => {
				const names: string[] = [];
				const createMs: number[] = [];
				// A user created on each site in turn.
				for (const [i, source] of sites.entries()) {
					const name = login('c');
					names.push(name);
					await createUser(source, name, {
						email: `${name}@mesh.test`,
						first_name: 'Net',
						last_name: 'Work',
						roles: ['author'],
					});
					createMs.push(
						await reachesTheOthers('the user', source, name, (n) =>
							n.every((count) => count === 1),
						),
					);
					// Exactly one more execution: the change's; the echoes its 9 writes caused started none.
					expect(await meshExecutions(i + 1)).toHaveLength(i + 1);
				}
				timings.createToLastSiteMedian = [...createMs].sort((a, b) => a - b)[
					Math.floor(createMs.length / 2)
				];

				// An update on site 5 and a delete on site 8: the same, one execution each.
				const [updated, deleted] = [names[0], names[1]];
				const onE = (await findUser(sites[4], updated))!;
				expect(
					(
						await rest(sites[4], sites[4].admin, `/wp/v2/users/${onE.id}`, {
							method: 'POST',
							body: { first_name: 'Meshed' },
						})
					).status,
				).toBe(200);
				await eventually(
					'the update on every site',
					async () => {
						const firstNames = await Promise.all(
							sites.map(async (site) => (await findUser(site, updated))?.first_name),
						);
						return firstNames.every((value) => value === 'Meshed');
					},
					30_000,
				);
				expect(await meshExecutions(SITES + 1)).toHaveLength(SITES + 1);
				const onH = (await findUser(sites[7], deleted))!;
				expect(
					(
						await rest(sites[7], sites[7].admin, `/wp/v2/users/${onH.id}?force=true&reassign=1`, {
							method: 'DELETE',
						})
					).status,
				).toBe(200);
				await reachesTheOthers('the delete', sites[7], deleted, (n) =>
					n.every((count) => count === 0),
				);

				// Loops stop: after the deliveries settled and a quiet second, still one execution per change, all successful.
				await allDeliveriesSettled(...sites);
				await sleep(1500);
				const executions = await meshExecutions(SITES + 2);
				expect(executions).toHaveLength(SITES + 2);
				expect(executions.filter((execution) => execution.status !== 'success')).toEqual([]);

				// SQL on every site: each created user exactly once on each of the 10 sites (the deleted one nowhere).
				for (const name of names)
					expect(await copies(name)).toEqual(Array(SITES).fill(name === deleted ? 0 : 1));

				// The log: one entry per change and other site, each written once, told the whole fan-out; no echo logged.
				for (const [i, name] of names.entries()) {
					const rows = logRows(n8n!, 'login = ?', name);
					const creates = rows.filter((row) => row.action === 'create');
					expect(creates.map((row) => row.status)).toEqual(Array(SITES - 1).fill('synced'));
					expect(creates.map((row) => row.target).sort()).toEqual(
						sites
							.filter((_, k) => k !== i)
							.map((site) => site.url)
							.sort(),
					);
					for (const row of creates) {
						expect(row.source).toBe(sites[i].url);
						expect(new Set(JSON.parse(row.path))).toEqual(new Set(sites.map((site) => site.url)));
					}
					expect(rows.filter((row) => row.status !== 'synced')).toEqual([]);
				}
				expect(
					logRows(n8n!, 'login = ? AND action = ?', updated, 'update')
						.map((row) => row.target)
						.sort(),
				).toEqual(
					sites
						.filter((_, k) => k !== 4)
						.map((site) => site.url)
						.sort(),
				);
				expect(logRows(n8n!, 'login = ? AND action = ?', deleted, 'delete')).toHaveLength(
					SITES - 1,
				);

				// Every site delivered the change it made (1) and the echo of the write it received (9), each answered 200.
				expect(await deliveries(names[2])).toEqual(Array(SITES).fill('delivered 200'));
			}),
			300_000,
		);

		test(
			'a site down when the fan-out reaches it fails only its own pair; once it is back the replay example writes it there',
			logged(async () => {
				const J = sites[SITES - 1];
				const before = (await meshExecutions(0)).length;
				// Site J's server stops (php -S, its process group).
				process.kill(-J.pid, 'SIGTERM');
				await eventually(`${J.name} down`, async () =>
					fetch(J.url).then(
						() => false,
						() => true,
					),
				);

				const fromA = login('down');
				const fromD = login('down');
				await createUser(sites[0], fromA, { email: `${fromA}@mesh.test`, roles: ['editor'] });
				await createUser(sites[3], fromD, { email: `${fromD}@mesh.test` });
				for (const [source, name] of [
					[sites[0], fromA],
					[sites[3], fromD],
				] as const) {
					await reachesTheOthers('the user', source, name, (n) =>
						n.slice(0, -1).every((count) => count === 1),
					);
				}
				// Still one execution per change, each successful: a site's failure is a result, not an error.
				const executions = await meshExecutions(before + 2);
				expect(executions).toHaveLength(before + 2);
				expect(executions.filter((execution) => execution.status !== 'success')).toEqual([]);
				for (const name of [fromA, fromD]) {
					const rows = logRows(n8n!, 'login = ?', name);
					expect(rows.filter((row) => row.status === 'synced')).toHaveLength(SITES - 2);
					const failed = rows.filter((row) => row.status === 'failed');
					expect(failed.map((row) => [row.target, row.action])).toEqual([[J.url, 'none']]);
				}

				// J back (the lab restarts its server): nothing reached it meanwhile.
				await lab.up({ count: available, portBase: sites[0].port });
				sites = lab.sites().slice(0, SITES);
				expect(await copies(fromA)).toEqual([...Array(SITES - 1).fill(1), 0]);

				// The replay example, run now from its Schedule Trigger: each failed pair, to the site it names.
				const replay = loadExample('network-replay-failed.json', credentialIds);
				const replayId = await n8n!.createWorkflow(replay);
				const started = Date.now();
				await n8n!.runFromTrigger(replayId, 'Every 15 minutes');
				const [execution] = await settledExecutions(n8n!, replayId);
				expect(execution.status).toBe('success');
				timings.replay = Date.now() - started;
				for (const name of [fromA, fromD]) expect(await copies(name)).toEqual(Array(SITES).fill(1));
				expect((await findUser(J, fromA))?.roles).toEqual(['editor']);

				// The originals resolved, each linked to its retry, which wrote J.
				const db = new DatabaseSync(syncLogFile(n8n!), { readOnly: true, timeout: 10_000 });
				try {
					const rows = db
						.prepare(
							`SELECT id, login, status, action, target, replay_of, replayed_by FROM sync_log WHERE login IN (?, ?) AND target = ? ORDER BY seq`,
						)
						.all(fromA, fromD, J.url) as Array<Record<string, string | null>>;
					const originals = rows.filter((row) => row.replay_of === null);
					expect(originals.map((row) => row.status)).toEqual(['resolved', 'resolved']);
					for (const original of originals) {
						expect(rows.find((row) => row.id === original.replayed_by)).toMatchObject({
							status: 'synced',
							action: 'create',
							replay_of: original.id,
						});
					}
				} finally {
					db.close();
				}

				// The replay's writes on J are changes J's bridge delivers. Replay Failed gave each replayed event the other
				// sites of its original fan-out in its path, so with J added the path covers the network: no execution.
				await allDeliveriesSettled(...sites);
				await sleep(1500);
				const after = await meshExecutions(before + 2);
				timings.meshExecutionsAfterReplay = after.length - before - 2;
				expect(timings.meshExecutionsAfterReplay).toBe(0);
				expect(after.filter((item) => item.status !== 'success')).toEqual([]);
				for (const name of [fromA, fromD]) {
					expect(await copies(name)).toEqual(Array(SITES).fill(1));
					const fromJ = logRows(n8n!, 'login = ? AND source = ?', name, J.url);
					expect(fromJ.filter((row) => row.action !== 'none')).toEqual([]);
				}
				// A second replay finds nothing left to do.
				await n8n!.runFromTrigger(replayId, 'Every 15 minutes');
				await settledExecutions(n8n!, replayId, 2);
				expect(logRows(n8n!, 'target = ? AND login IN (?, ?)', J.url, fromA, fromD)).toHaveLength(
					4,
				);
				process.stderr.write(
					`network mesh: ${networkSiteName(SITES - 1)} down then replayed; mesh executions caused by the replay's writes: ${timings.meshExecutionsAfterReplay}\n`,
				);
			}),
			300_000,
		);
	},
);
