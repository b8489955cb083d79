/**
 * Queue-mode scale benchmark (not a test): the same burst of changes (default 200: half creates, half updates of
 * users B already has) through n8n in queue mode (main + Redis + Postgres, lab/harness/n8n/queueMode.ts) with 1 and
 * with 2 workers (`--concurrency=5` each), the workflow of test/e2e/queueMode.test.ts (the two-way example's A → B
 * half, dedupe and Sync Log on Postgres). Two bursts per worker count:
 *   realistic — the changes made on A by REST (4 in flight), as the test does; A's own writes are slowed by the
 *               bridge's synchronous delivery, so A may be the bottleneck. Timed until all are applied and logged.
 *   direct    — the same kind of events posted straight to n8n's production webhook (8 in flight), built from A's
 *               real event bodies and signed the way the bridge signs them (core/security/signature.ts; the trigger's
 *               Signing Secret option makes the secret known): n8n's throughput without A. Timed from the first send
 *               until all are applied on B and logged.
 *   n8n only  — the same bodies posted to n8n's own Webhook node → No Op: what n8n itself costs per execution in
 *               queue mode, with no code of this package. Timed until all executions have finished.
 * Prints wall time, changes/s, executions per worker, requests on the sites (RequestLog), the 1-worker/2-worker
 * ratio, and CPU seconds per component during each burst (from /proc), which says why a second worker does or does
 * not help on this machine. Each (run, worker count) gets a fresh cluster; runs alternate the order (1, 2 then 2, 1).
 * Run:
 *   HUS_LAB_PORT_BASE=… HUS_LAB_DIR=… bash scripts/with-node24.sh npx tsx bench/queueScale.bench.ts [CHANGES=200] [RUNS=1]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { signBridgeDelivery } from '../core/security/signature';
import {
	clearSubscriptions,
	credentialData,
	removeUsersByPrefix,
	subscriptions,
} from '../lab/harness/n8n/e2e';
import { createQueueUser, QueueModeN8n } from '../lab/harness/n8n/queueMode';
import { eventually, loadExample, webhookPathOf, type WorkflowJson } from '../lab/harness/n8n';
import { NS, clearWebhooks, installBridge, removeBridge } from '../lab/harness/bridge';
import { createTestDatabase, type TestDatabase } from '../lab/harness/postgres';
import { RequestLog } from '../lab/harness/requestLog';
import { rest } from '../lab/harness/wp';
import { machine, median, out, percentile, ratio, spread } from './lib/stats';

const CHANGES = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 1);
const CREATES = Math.ceil(CHANGES / 2);
const UPDATES = CHANGES - CREATES;
const WORKER_COUNTS = [1, 2];
const CONCURRENCY = 5;
const REST_IN_FLIGHT = 4;
const DIRECT_IN_FLIGHT = 8;
const RUN = `qs${Date.now().toString(36)}`;
const SECRET = randomBytes(32).toString('hex');

async function inFlight(limit: number, tasks: Array<() => Promise<unknown>>): Promise<void> {
	let next = 0;
	const lane = async () => {
		while (next < tasks.length) await tasks[next++]();
	};
	await Promise.all(Array.from({ length: limit }, lane));
}

/** Times one request into `into` (ms, send to answer). */
async function answered<T>(into: number[], request: () => Promise<T>): Promise<T> {
	const started = performance.now();
	const value = await request();
	into.push(performance.now() - started);
	return value;
}

/** CPU seconds (user + system) of a process and its live descendants, from /proc (CLK_TCK 100). */
function cpuOfTree(pid: number | undefined): number {
	if (!pid) return 0;
	const read = (file: string) => {
		try {
			return readFileSync(file, 'utf8');
		} catch {
			return '';
		}
	};
	const own = (p: number) => {
		const fields = read(`/proc/${p}/stat`).split(') ')[1]?.split(' ') ?? [];
		return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
	};
	const children = (p: number) =>
		read(`/proc/${p}/task/${p}/children`).split(/\s+/).filter(Boolean).map(Number);
	const walk = (p: number): number =>
		own(p) + children(p).reduce((sum, child) => sum + walk(child), 0);
	return walk(pid);
}

/** CPU seconds of every process with this command name (machine-wide: other users of MariaDB/Postgres count too). */
function cpuByName(name: string): number {
	return readdirSync('/proc')
		.filter((entry) => /^\d+$/.test(entry))
		.filter((pid) => {
			try {
				return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
			} catch {
				return false;
			}
		})
		.reduce((sum, pid) => sum + cpuOfTree(Number(pid)), 0);
}

/** Busy CPU seconds of the whole machine (/proc/stat: all but idle and iowait). */
function machineBusy(): number {
	const fields = readFileSync('/proc/stat', 'utf8')
		.split('\n')[0]
		.split(/\s+/)
		.slice(1)
		.map(Number);
	return (fields.reduce((a, b) => a + b, 0) - fields[3] - fields[4]) / 100;
}

function cpuSnapshot(cluster: QueueModeN8n, A: Site, B: Site): Record<string, number> {
	const snapshot: Record<string, number> = { 'n8n main': cpuOfTree(cluster.main.pid) };
	for (const worker of cluster.workers)
		snapshot[`n8n ${worker.name}`] = cpuOfTree(worker.child?.pid);
	return {
		...snapshot,
		'WordPress A (php -S)': cpuOfTree(A.pid),
		'WordPress B (php -S)': cpuOfTree(B.pid),
		mariadbd: cpuByName('mariadbd'),
		postgres: cpuByName('postgres'),
		'redis-server': cpuByName('redis-server'),
		'machine (all)': machineBusy(),
	};
}

interface Burst {
	ms: number;
	sendMs: number;
	/** Each write on A (realistic) or each delivery to n8n (direct), send to answer. */
	answers: number[];
	requests: number;
	perWorker: number[];
	failed: number;
	cpu: Record<string, number>;
}

interface BurstEnd {
	finished: () => Promise<boolean>;
	failed: () => Promise<number>;
}

/** The baseline for n8n's own share: its Webhook node (answers at once) → No Op. Every execution is saved, as ours. */
function bareWorkflow(): WorkflowJson {
	const path = randomUUID();
	return {
		name: 'n8n only (bench baseline)',
		nodes: [
			{
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: path,
				parameters: { httpMethod: 'POST', path, options: {} },
			},
			{
				name: 'No Op',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [220, 0],
				parameters: {},
			},
		],
		connections: { Webhook: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
	};
}

/** The workflow of queueMode.test.ts, with a known signing secret so the direct burst can sign like the bridge. */
function workflowOf(
	credentialIds: Record<string, string>,
	postgresCredential: string,
): WorkflowJson {
	const twoWay = loadExample('two-way-sync.json', credentialIds);
	const pg = {
		harmonyUserSyncPostgres: { id: postgresCredential, name: 'HarmonyUser Sync Postgres' },
	};
	const nodes = twoWay.nodes
		.filter((node) => ['Site A changed', 'Apply to Site B', 'Sync Log'].includes(node.name))
		.map((node) => {
			if (node.name === 'Site A changed') {
				return {
					...node,
					parameters: {
						...node.parameters,
						dedupeStore: 'postgres',
						options: { signingSecret: SECRET },
					},
					credentials: { ...node.credentials, ...pg },
				};
			}
			if (node.name === 'Sync Log')
				return { ...node, parameters: { ...node.parameters, store: 'postgres' }, credentials: pg };
			return node;
		});
	return {
		...twoWay,
		name: 'A → B in queue mode (bench)',
		nodes,
		connections: {
			'Site A changed': twoWay.connections['Site A changed'],
			'Apply to Site B': twoWay.connections['Apply to Site B'],
		},
	};
}

/** Events like A's: the latest created/updated bodies from A's bridge queue, with fresh ids, users and times. */
type BridgeEvent = Record<string, unknown> & {
	id: string;
	event: string;
	user: Record<string, unknown>;
};

async function directEvents(A: Site, prefix: string, existing: string[]): Promise<BridgeEvent[]> {
	const template = async (event: string): Promise<BridgeEvent> =>
		JSON.parse(
			await lab.wpEval(
				A,
				`global $wpdb; echo $wpdb->get_var("SELECT body FROM {$wpdb->prefix}harmonyuser_queue WHERE event = '${event}' ORDER BY id DESC LIMIT 1");`,
			),
		);
	const [created, updated] = [await template('user.created'), await template('user.updated')];
	const event = (
		base: BridgeEvent,
		login: string,
		email: string,
		user: Record<string, unknown>,
	): BridgeEvent => ({
		...structuredClone(base),
		id: randomUUID(),
		time: new Date().toISOString(),
		// A sync id B does not know: B matches by email/login, as for A's own events.
		user: {
			...structuredClone(base.user),
			login,
			email,
			displayName: login,
			nickname: login,
			syncId: randomUUID(),
			...user,
		},
	});
	const events: BridgeEvent[] = [];
	for (let i = 0; i < Math.max(CREATES, UPDATES); i++) {
		if (i < CREATES)
			events.push(
				event(created, `${prefix}new${i}`, `${prefix}new${i}@queue.test`, {
					firstName: 'Initial',
					lastName: `${prefix}new${i}`,
					sourceId: 900_000 + i,
				}),
			);
		if (i < UPDATES)
			events.push(
				event(updated, existing[i], `${existing[i]}@example.test`, {
					firstName: 'Direct',
					lastName: `Updated ${i}`,
					sourceId: 800_000 + i,
				}),
			);
	}
	return events;
}

async function main(): Promise<void> {
	out(machine());
	const [A, B] = (await lab.up({ count: 3 })).slice(0, 2);
	const logs = [new RequestLog(A), new RequestLog(B)];
	const results: Record<string, Burst[]> = {};
	try {
		for (const site of [A, B]) {
			await installBridge(site);
			await clearWebhooks(site);
		}
		for (let run = 0; run < RUNS; run++) {
			// Alternate the order across runs: a machine getting busier or quieter must not favour one worker count.
			for (const workers of run % 2 ? [...WORKER_COUNTS].reverse() : WORKER_COUNTS) {
				let cluster: QueueModeN8n | undefined;
				let logDb: TestDatabase | undefined;
				try {
					const live = (cluster = await QueueModeN8n.start({ workers, concurrency: CONCURRENCY }));
					logDb = await createTestDatabase();
					const main = cluster.main;
					const { host, port, database, user } = logDb.settings;
					const pgCredential = await main.createCredential(
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
					const credentialIds: Record<string, string> = {};
					for (const [letter, site] of [
						['A', A],
						['B', B],
					] as const)
						credentialIds[`SITE_${letter}_CREDENTIAL_ID`] = await main.createCredential(
							`WordPress Site ${letter}`,
							'wordPressAppPasswordApi',
							credentialData(site),
						);
					// Users both sites have before the bursts, seeded while nothing listens (no REST, so no events).
					const old = (kind: string) => `${RUN}w${workers}r${run}${kind}old`;
					const oldLogins = (kind: string) =>
						Array.from({ length: UPDATES }, (_, i) => `${old(kind)}${i + 1}`);
					const idsOnA = await lab.seedUsers(A, UPDATES, { prefix: old('a') });
					await lab.seedUsers(B, UPDATES, { prefix: old('a') });
					await lab.seedUsers(B, UPDATES, { prefix: old('b') });
					const workflow = workflowOf(credentialIds, pgCredential);
					const id = await main.createWorkflow(workflow);
					await main.activate(id);
					const hookUrl = `${main.url}/webhook/${webhookPathOf(workflow, 'Site A changed')}`;
					await main.waitForWebhook(webhookPathOf(workflow, 'Site A changed'));
					await eventually('the subscription on A', async () =>
						(await subscriptions(A)).some((hook) => hook.url === hookUrl),
					);
					// Warm-up: a few changes through the whole path (workers, B, the Postgres stores), untimed.
					await inFlight(
						2,
						Array.from(
							{ length: 4 },
							(_, i) => () => createQueueUser(A, `${RUN}w${workers}r${run}warm${i}`),
						),
					);
					const logged = async (prefix: string) =>
						Number(
							(
								await logDb!.query(
									`SELECT COUNT(*) AS n FROM harmonyuser_sync_log WHERE login LIKE '${prefix}%'`,
								)
							)[0].n,
						);
					await eventually(
						'warm-up logged',
						async () => (await logged(`${RUN}w${workers}r${run}warm`)) >= 4,
						60_000,
						200,
					);

					/** Done when every change of the prefix is logged; failed = logged as anything but synced. */
					const loggedAll = (prefix: string): BurstEnd => ({
						finished: async () => (await logged(prefix)) >= CHANGES,
						failed: async () =>
							Number(
								(
									await logDb!.query(
										`SELECT COUNT(*) AS n FROM harmonyuser_sync_log WHERE login LIKE '${prefix}%' AND status <> 'synced'`,
									)
								)[0].n,
							),
					});
					/** Runs one burst; times from its start until it is finished. */
					const burst = async (
						name: string,
						end: BurstEnd,
						answers: number[],
						send: () => Promise<void>,
					) => {
						const before = cpuSnapshot(live, A, B);
						const workersBefore = Object.values(live.executionsByWorker()).map((ids) => ids.length);
						for (const log of logs) log.reset();
						const started = performance.now();
						await send();
						const sendMs = performance.now() - started;
						await eventually(`${name}: all ${CHANGES} done`, end.finished, 600_000, 100);
						const ms = performance.now() - started;
						const after = cpuSnapshot(live, A, B);
						const perWorker = Object.values(live.executionsByWorker()).map(
							(ids, i) => ids.length - workersBefore[i],
						);
						const failed = await end.failed();
						const cpu = Object.fromEntries(
							Object.entries(after).map(([key, value]) => [key, value - before[key]]),
						);
						(results[`${name}|${workers}`] ??= []).push({
							ms,
							sendMs,
							answers,
							requests: logs.reduce((sum, log) => sum + log.since().length, 0),
							perWorker,
							failed,
							cpu,
						});
						// Let the last executions finish before the next burst (the Sync Log is the last node).
						await eventually(
							'executions finished',
							async () =>
								(
									await live.database!.query(
										`SELECT COUNT(*) AS n FROM execution_entity WHERE status IN ('new', 'running', 'waiting')`,
									)
								)[0].n === '0',
							60_000,
							200,
						);
					};

					const realistic = `${RUN}w${workers}r${run}a`;
					const tasks: Array<() => Promise<unknown>> = [];
					const writes: number[] = [];
					for (let i = 0; i < Math.max(CREATES, UPDATES); i++) {
						if (i < CREATES)
							tasks.push(() => answered(writes, () => createQueueUser(A, `${realistic}new${i}`)));
						if (i < UPDATES)
							tasks.push(async () => {
								const reply = await answered(writes, () =>
									rest(A, A.admin, `/wp/v2/users/${idsOnA[i]}`, {
										method: 'POST',
										body: { first_name: 'Burst', last_name: `Updated ${i}` },
									}),
								);
								if (reply.status !== 200)
									throw new Error(`update ${oldLogins('a')[i]}: ${reply.status}`);
							});
					}
					await burst('realistic', loggedAll(realistic), writes, async () => {
						await inFlight(REST_IN_FLIGHT, tasks);
						// Deliveries that failed or timed out wait for a retry: force them (as the test does).
						await eventually(
							'A’s queue drained',
							async () => {
								const queue = (
									await rest(A, A.admin, `${NS}/queue/run`, {
										method: 'POST',
										body: { force: true },
									})
								).body.queue;
								return queue.pending === 0 && queue.sending === 0;
							},
							120_000,
							500,
						);
					});
					const direct = `${RUN}w${workers}r${run}b`;
					const events = await directEvents(A, direct, oldLogins('b'));
					const deliveries: number[] = [];
					await burst('direct', loggedAll(direct), deliveries, () =>
						inFlight(
							DIRECT_IN_FLIGHT,
							events.map((event) => async () => {
								const body = JSON.stringify(event);
								const ts = String(Math.floor(Date.now() / 1000));
								const res = await answered(deliveries, () =>
									fetch(hookUrl, {
										method: 'POST',
										headers: {
											'Content-Type': 'application/json',
											'X-HarmonyUser-Event-Id': event.id,
											'X-HarmonyUser-Event': event.event,
											'X-HarmonyUser-Timestamp': ts,
											'X-HarmonyUser-Signature': signBridgeDelivery(SECRET, ts, body),
										},
										body,
									}),
								);
								const text = await res.text();
								if (res.status !== 200 || text.includes('duplicate'))
									throw new Error(`direct delivery: ${res.status} ${text.slice(0, 200)}`);
							}),
						),
					);
					await main.deactivate(id);

					// n8n's own cost, no code of this package: its Webhook node → No Op, the same bodies and pace.
					const bare = bareWorkflow();
					const bareId = await main.createWorkflow(bare);
					await main.activate(bareId);
					await main.waitForWebhook(bare.nodes[0].webhookId as string);
					if (!/^\w+$/.test(bareId)) throw new Error(`unexpected workflow id ${bareId}`);
					const bareDone = async (status: string) =>
						Number(
							(
								await live.database!.query(
									`SELECT COUNT(*) AS n FROM execution_entity WHERE "workflowId" = '${bareId}' AND status ${status}`,
								)
							)[0].n,
						);
					const warm = await bareDone("IN ('success', 'error', 'crashed')");
					const bareAnswers: number[] = [];
					await burst(
						'n8n only',
						{
							finished: async () =>
								(await bareDone("IN ('success', 'error', 'crashed')")) >= warm + CHANGES,
							failed: () => bareDone("IN ('error', 'crashed')"),
						},
						bareAnswers,
						() =>
							inFlight(
								DIRECT_IN_FLIGHT,
								events.map((event) => async () => {
									const res = await answered(bareAnswers, () =>
										fetch(`${main.url}/webhook/${bare.nodes[0].webhookId}`, {
											method: 'POST',
											headers: { 'Content-Type': 'application/json' },
											body: JSON.stringify(event),
										}),
									);
									await res.text();
									if (res.status !== 200) throw new Error(`n8n-only delivery: ${res.status}`);
								}),
							),
					);
					await main.deactivate(bareId);
				} finally {
					await cluster?.dispose();
					await logDb?.drop().catch(() => undefined);
					await clearSubscriptions(A);
				}
			}
		}
	} finally {
		for (const log of logs) log.remove();
		for (const site of [A, B]) {
			await clearSubscriptions(site);
			await removeUsersByPrefix(site, RUN);
			await removeBridge(site).catch(() => undefined);
		}
	}
	report(results);
}

function report(results: Record<string, Burst[]>): void {
	out(
		`\nQueue mode, ${CHANGES} changes (${CREATES} creates, ${UPDATES} updates), ${RUNS} run(s) each, --concurrency=${CONCURRENCY} per worker, ` +
			`${process.env.HUS_LAB_WORKERS ?? 4} php -S workers per site; machine-wide figures (mariadbd, postgres, machine) include other users of the machine:`,
	);
	const titles: Record<string, string> = {
		realistic: `realistic: the changes made on A by REST, ${REST_IN_FLIGHT} in flight`,
		direct: `direct: signed events posted to n8n's webhook, ${DIRECT_IN_FLIGHT} in flight`,
		'n8n only': `n8n only: the same bodies to n8n's own Webhook node → No Op (no code of this package), ${DIRECT_IN_FLIGHT} in flight`,
	};
	for (const name of Object.keys(titles)) {
		out(`\n${titles[name]}`);
		for (const workers of WORKER_COUNTS) {
			const bursts = results[`${name}|${workers}`] ?? [];
			if (!bursts.length) continue;
			const ms = bursts.map((b) => b.ms);
			const last = bursts[bursts.length - 1];
			// The drain after the last send: near 0 means the intake (A, or n8n main's webhooks) limits, not the workers.
			out(
				`  ${workers} worker(s): median ${Math.round(median(ms))} ms (${spread(ms)}), ${(CHANGES / (median(ms) / 1000)).toFixed(1)} changes/s; ` +
					`last send after ${Math.round(median(bursts.map((b) => b.sendMs)))} ms, drained ${Math.round(median(bursts.map((b) => b.ms - b.sendMs)))} ms later; ` +
					`${name === 'realistic' ? 'A answered a write' : 'n8n answered a delivery'} in p50 ${Math.round(median(last.answers))} ms / p95 ${Math.round(percentile(last.answers, 95))} ms; ` +
					`executions per worker ${JSON.stringify(last.perWorker)}; ${median(bursts.map((b) => b.requests))} requests on A+B; ${last.failed} ${name === 'n8n only' ? 'failed' : 'not synced'}`,
			);
			const wall = last.ms / 1000;
			out(
				`    CPU of the last burst, cores busy / ms per change: ${Object.entries(last.cpu)
					.map(
						([key, value]) =>
							`${key} ${(value / wall).toFixed(2)} / ${Math.round((value * 1000) / CHANGES)}`,
					)
					.join(', ')}`,
			);
		}
		const one = results[`${name}|1`];
		const two = results[`${name}|2`];
		if (one?.length && two?.length)
			out(
				`  1-worker / 2-worker time: ${ratio(median(one.map((b) => b.ms)), median(two.map((b) => b.ms)))}`,
			);
	}
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
