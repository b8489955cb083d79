/**
 * Queue mode, n8n's own distributed engine: a main process (webhooks, enqueueing into Redis) and two workers
 * (`n8n worker --concurrency=5`) on Postgres, with the package installed the Community Nodes way for all of them.
 * The one-way real-time sync A → B (the two-way example's A half) with the trigger's dedupe store and the Sync Log
 * both on Postgres takes a burst of 200 user changes on A (100 creates, 100 updates of users both sites already
 * have; 4 REST writes in flight): every change is applied to B exactly once and logged exactly once, and the
 * executions ran on both workers.
 */
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { NS, clearWebhooks, installBridge } from '../../lab/harness/bridge';
import { createTestDatabase, type TestDatabase } from '../../lab/harness/postgres';
import { rest } from '../../lab/harness/wp';
import {
	SETUP_TIMEOUT,
	clearSubscriptions,
	credentialData,
	removeUsersByPrefix,
	subscriptions,
	withN8nLog,
} from '../../lab/harness/n8n/e2e';
import { createQueueUser, QueueModeN8n } from '../../lab/harness/n8n/queueMode';
import { eventually, loadExample, webhookPathOf, type WorkflowJson } from '../../lab/harness/n8n';

const RUN = `qm${Date.now().toString(36)}`;
const CREATES = 100;
const UPDATES = 100;
const IN_FLIGHT = 4;

/** Runs the tasks with at most `limit` in flight. */
async function inFlight<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
	const results: T[] = new Array(tasks.length);
	let next = 0;
	const lane = async () => {
		while (next < tasks.length) {
			const index = next++;
			results[index] = await tasks[index]();
		}
	};
	await Promise.all(Array.from({ length: limit }, lane));
	return results;
}

/** Rows of a `mysql --batch --skip-column-names` answer (tab-separated). */
function sqlRows(text: string): string[][] {
	return text
		.trim()
		.split('\n')
		.filter(Boolean)
		.map((line) => line.split('\t'));
}

describe('real n8n in queue mode (main + 2 workers, Redis, Postgres)', () => {
	let cluster: QueueModeN8n | undefined;
	let logDb: TestDatabase | undefined;
	let A: Site;
	let B: Site;
	const credentialIds: Record<string, string> = {};
	let postgresCredential = '';
	const logged = (body: () => Promise<void>) => withN8nLog(() => cluster?.main, body);

	beforeAll(async () => {
		[A, B] = lab.sites();
		for (const site of [A, B]) {
			await installBridge(site);
			await clearWebhooks(site);
		}
		const started = Date.now();
		cluster = await QueueModeN8n.start({ workers: 2, concurrency: 5 });
		process.stderr.write(
			`queue mode: main ready in ${cluster.main.startTimes[0]} ms, workers in ${cluster.workers.map((worker) => worker.readyMs).join(', ')} ms ` +
				`(all up ${Date.now() - started} ms after the start, package install included)\n`,
		);
		logDb = await createTestDatabase();
		const { host, port, database, user } = logDb.settings;
		postgresCredential = await cluster.main.createCredential(
			'HarmonyUser Sync Postgres',
			'harmonyUserSyncPostgres',
			{
				host,
				port,
				database,
				user,
				password: '',
				ssl: false,
				schema: 'public',
				tablePrefix: 'harmonyuser_',
			},
		);
		for (const [letter, site] of [
			['A', A],
			['B', B],
		] as const) {
			credentialIds[`SITE_${letter}_CREDENTIAL_ID`] = await cluster.main.createCredential(
				`WordPress Site ${letter}`,
				'wordPressAppPasswordApi',
				credentialData(site),
			);
		}
	}, SETUP_TIMEOUT);

	afterAll(async () => {
		await cluster?.dispose();
		await logDb?.drop().catch(() => undefined);
		for (const site of [A, B]) {
			if (!site) continue;
			await clearSubscriptions(site);
			await removeUsersByPrefix(site, RUN);
		}
	}, 120_000);

	test(
		'a burst of 200 changes on A is applied to B exactly once and logged exactly once (Postgres log and dedupe), on both workers',
		logged(async () => {
			const main = cluster!.main;
			// Users both sites have before the burst (same login and email), linked once as an administrator's Upsert
			// would (B's copy takes A's sync id): a reported change that meets an unlinked account only links it.
			const existing = Array.from({ length: UPDATES }, (_, i) => `${RUN}old${i}`);
			const idsOnA = await inFlight(
				IN_FLIGHT,
				existing.map((name) => () => createQueueUser(A, name)),
			);
			const idsOnB = await inFlight(
				IN_FLIGHT,
				existing.map((name) => () => createQueueUser(B, name)),
			);
			const onA = await rest(
				A,
				A.admin,
				`/wp/v2/users?include=${idsOnA.join(',')}&per_page=100&context=edit&_fields=id,meta`,
			);
			const syncIdOf = new Map(
				(onA.body as Array<{ id: number; meta: Record<string, string> }>).map((u) => [
					u.id,
					u.meta.harmonyuser_sync_id,
				]),
			);
			const syncIds = idsOnA.map((idA) => syncIdOf.get(Number(idA)) ?? '');
			expect(syncIds.filter((syncId) => /^[0-9a-f-]{36}$/.test(syncId))).toHaveLength(UPDATES);
			await inFlight(
				IN_FLIGHT,
				idsOnB.map((idB, i) => async () => {
					const meta = { harmonyuser_sync_id: syncIds[i], harmonyuser_sync_linked: '1' };
					expect(
						(await rest(B, B.admin, `/wp/v2/users/${idB}`, { method: 'POST', body: { meta } }))
							.status,
					).toBe(200);
				}),
			);

			// The two-way example's A → B half, with both stores on Postgres (queue mode: no file is shared).
			const twoWay = loadExample('two-way-sync.json', credentialIds);
			const pg = {
				harmonyUserSyncPostgres: { id: postgresCredential, name: 'HarmonyUser Sync Postgres' },
			};
			const nodes = twoWay.nodes
				.filter((node) => ['Site A changed', 'Apply to Site B', 'Sync Log'].includes(node.name))
				.map((node) => {
					if (node.name === 'Site A changed')
						return {
							...node,
							parameters: { ...node.parameters, dedupeStore: 'postgres' },
							credentials: { ...node.credentials, ...pg },
						};
					if (node.name === 'Sync Log')
						return {
							...node,
							parameters: { ...node.parameters, store: 'postgres' },
							credentials: pg,
						};
					return node;
				});
			const workflow: WorkflowJson = {
				...twoWay,
				name: 'A → B in queue mode',
				nodes,
				connections: {
					'Site A changed': twoWay.connections['Site A changed'],
					'Apply to Site B': twoWay.connections['Apply to Site B'],
				},
			};
			const id = await main.createWorkflow(workflow);
			await main.activate(id);
			const hookPath = webhookPathOf(workflow, 'Site A changed');
			expect(await main.waitForWebhook(hookPath)).toBe(401);
			// The trigger's subscription on A is created during activation, possibly just after the path answers.
			await eventually('the subscription on A', async () =>
				(await subscriptions(A)).some((hook) => hook.url === `${main.url}/webhook/${hookPath}`),
			);

			// The burst: creates and updates interleaved, 4 REST writes in flight on A.
			const created = Array.from({ length: CREATES }, (_, i) => `${RUN}new${i}`);
			const tasks: Array<() => Promise<unknown>> = [];
			for (let i = 0; i < Math.max(CREATES, UPDATES); i += 1) {
				if (i < CREATES) tasks.push(() => createQueueUser(A, created[i]));
				if (i < UPDATES) {
					tasks.push(async () => {
						const reply = await rest(A, A.admin, `/wp/v2/users/${idsOnA[i]}`, {
							method: 'POST',
							body: { first_name: 'Burst', last_name: `Updated ${i}` },
						});
						if (reply.status !== 200) throw new Error(`update ${existing[i]}: ${reply.status}`);
					});
				}
			}
			const burstStarted = Date.now();
			await inFlight(IN_FLIGHT, tasks);
			const burstMs = Date.now() - burstStarted;

			// Deliveries that failed or timed out wait for their retry time: force them until the queue is empty.
			let queueRuns = 0;
			const drained = await eventually(
				'the bridge queue on A drained',
				async () => {
					queueRuns += 1;
					const run = await rest(A, A.admin, `${NS}/queue/run`, {
						method: 'POST',
						body: { force: true },
					});
					expect(run.status).toBe(200);
					return run.body.queue.pending === 0 && run.body.queue.sending === 0 && run.body;
				},
				60_000,
				500,
			);
			expect(drained.queue.failed).toBe(0);

			// Every change logged exactly once.
			const table = 'harmonyuser_sync_log';
			const logCount = async () =>
				Number(
					(await logDb!.query(`SELECT COUNT(*) AS n FROM ${table} WHERE login LIKE '${RUN}%'`))[0]
						.n,
				);
			await eventually(
				'200 log entries',
				async () => (await logCount()) >= CREATES + UPDATES,
				120_000,
				500,
			);
			const appliedMs = Date.now() - burstStarted;
			// All executions finished (n8n's own table, in its Postgres database).
			const n8nDb = cluster!.database!;
			const executions = await eventually(
				'executions finished',
				async () => {
					const rows = await n8nDb.query(
						`SELECT id, status FROM execution_entity WHERE "workflowId" = '${id}'`,
					);
					return (
						rows.length >= CREATES + UPDATES &&
						rows.every((row) => !['new', 'running', 'waiting'].includes(String(row.status))) &&
						rows
					);
				},
				60_000,
				500,
			);
			expect(await logCount()).toBe(CREATES + UPDATES);
			const perEvent = await logDb!.query(
				`SELECT event_id, COUNT(*) AS n FROM ${table} WHERE login LIKE '${RUN}%' GROUP BY event_id HAVING COUNT(*) > 1`,
			);
			expect(perEvent).toEqual([]);
			const outcomes = await logDb!.query(
				`SELECT status, action, COUNT(*) AS n FROM ${table} WHERE login LIKE '${RUN}%' GROUP BY status, action ORDER BY action`,
			);
			expect(outcomes.map((row) => [row.status, row.action, Number(row.n)])).toEqual([
				['synced', 'create', CREATES],
				['synced', 'update', UPDATES],
			]);
			const distinctEvents = await logDb!.query(
				`SELECT COUNT(DISTINCT event_id) AS n FROM ${table} WHERE login LIKE '${RUN}%' AND target = '${B.url}'`,
			);
			expect(Number(distinctEvents[0].n)).toBe(CREATES + UPDATES);

			// B: exactly the expected users, once each, with the final values.
			const onB = sqlRows(
				await lab.sql(
					B,
					`SELECT u.user_login, u.user_email, MAX(CASE WHEN m.meta_key = 'first_name' THEN m.meta_value END), MAX(CASE WHEN m.meta_key = 'last_name' THEN m.meta_value END)
					 FROM wp_users u LEFT JOIN wp_usermeta m ON m.user_id = u.ID WHERE u.user_login LIKE '${RUN}%' GROUP BY u.ID, u.user_login, u.user_email`,
				),
			);
			expect(onB).toHaveLength(CREATES + UPDATES);
			const expected = [
				...created.map((name) => [name, `${name}@queue.test`, 'Initial', name]),
				...existing.map((name, i) => [name, `${name}@queue.test`, 'Burst', `Updated ${i}`]),
			];
			expect(onB.sort()).toEqual(expected.sort());

			// Exactly one execution per accepted delivery, all successful; spread over both workers (their logs).
			expect(executions).toHaveLength(CREATES + UPDATES);
			expect(executions.filter((execution) => execution.status !== 'success')).toEqual([]);
			const byWorker = cluster!.executionsByWorker();
			const counts = Object.fromEntries(
				Object.entries(byWorker).map(([name, ids]) => [name, ids.length]),
			);
			const ids = new Set(executions.map((execution) => String(execution.id)));
			const seenOnWorkers = Object.values(byWorker)
				.flat()
				.filter((executionId) => ids.has(executionId));
			expect(new Set(seenOnWorkers).size).toBe(CREATES + UPDATES);
			expect(seenOnWorkers).toHaveLength(CREATES + UPDATES);
			for (const name of Object.keys(byWorker)) expect(counts[name]).toBeGreaterThan(0);
			process.stderr.write(
				`queue mode burst: ${CREATES + UPDATES} changes on A in ${burstMs} ms (${IN_FLIGHT} in flight); all logged ${appliedMs} ms after the burst began; ` +
					`${queueRuns} forced queue run(s); executions per worker ${JSON.stringify(counts)}\n`,
			);
			await main.deactivate(id);
		}),
		240_000,
	);
});
