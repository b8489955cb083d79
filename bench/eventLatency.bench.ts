/**
 * Event latency benchmark (not a test): a user created on site A appears on site B through the bridge's signed
 * webhook, the trigger and the User Sync node in real n8n 2.41.1 (the two-way example, regular mode, bridge on all
 * three lab sites). One sample = one REST POST creating a user on A, timed from just before the POST until the user
 * is complete on B: its row, its role (wp_capabilities) and A's password hash (the last thing B's create request
 * writes, see syncedCopy in lab/harness/n8n/e2e.ts). Detection polls MariaDB through one persistent `mariadb`
 * client (stdin/stdout), so it costs B's PHP workers nothing; its round trip and the poll interval are printed.
 * Baselines, interleaved in the same run: one raw create POST on B (B has the example's subscription too, so its
 * response includes the bridge's delivery to n8n), one on C (no subscription: a bare create), and A's own response
 * time (which includes the bridge's synchronous delivery under php -S). Goal (issue): p50(latency) ≤ 3× one raw create.
 * Every step waits for n8n to settle (the change and its echo logged) before the next, so samples do not overlap.
 * Run: HUS_LAB_PORT_BASE=… HUS_LAB_DIR=… bash scripts/with-node24.sh npx tsx bench/eventLatency.bench.ts [SAMPLES=40]
 */
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { startWithThreeSites, stopStage, subscriptions, syncLogFile } from '../lab/harness/n8n/e2e';
import { eventually, loadExample, webhookPathOf, type RealN8n } from '../lab/harness/n8n';
import { RequestLog } from '../lab/harness/requestLog';
import { createUser } from '../lab/harness/wp';
import { signBridgeDelivery } from '../core/security/signature';
import { MariaDbSession } from './lib/mariadb';
import { machine, median, out, percentile, ratio, spread } from './lib/stats';

const SAMPLES = Number(process.argv[2] ?? 40);
const WARMUP = 3;
const POLL_MS = 5;
const RUN = `lat${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
interface Stage {
	n8n: RealN8n;
	sites: Site[];
	db: MariaDbSession;
	logs: RequestLog[];
	seen: Set<string>;
}

let counter = 0;
const nextLogin = (tag: string) => `${RUN}${tag}${++counter}`;

const createOn = (site: Site, login: string) =>
	createUser(site, login, { email: `${login}@latency.test`, first_name: 'Lat', last_name: 'Ency' });

/** The Sync Log rows of one login (the workflow writes one per target: the change and its skipped echo). */
function logOf(
	n8n: RealN8n,
	login: string,
): Array<{
	target: string;
	status: string;
	logged_at: number;
	duration_ms: number;
	requests: number;
}> {
	if (!existsSync(syncLogFile(n8n))) return [];
	const db = new DatabaseSync(syncLogFile(n8n), { readOnly: true, timeout: 10_000 });
	try {
		return db
			.prepare(
				'SELECT target, status, logged_at, duration_ms, requests FROM sync_log WHERE login = ?',
			)
			.all(login) as never;
	} finally {
		db.close();
	}
}

/** Waits (untimed) until the change and its echo are logged and no execution runs; returns the new executions, oldest first. */
async function settle(stage: Stage, login: string) {
	await eventually(
		`${login} and its echo logged`,
		async () => logOf(stage.n8n, login).length >= 2,
		30_000,
		50,
	);
	const executions = await eventually('executions settled', async () => {
		const all = await stage.n8n.executions();
		return (
			all.every((execution) => !['new', 'running', 'waiting'].includes(execution.status)) && all
		);
	});
	const fresh = executions
		.filter((execution) => !stage.seen.has(execution.id))
		.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
	for (const execution of fresh) stage.seen.add(execution.id);
	return fresh;
}

const requestCount = (stage: Stage) => stage.logs.reduce((sum, log) => sum + log.since().length, 0);

/** A raw create on one site, timed from send to response; settles n8n when the site has a subscription. */
async function rawCreate(
	stage: Stage,
	site: Site,
	subscribed: boolean,
): Promise<{ ms: number; requests: number }> {
	const login = nextLogin(site.name.slice(-1));
	for (const log of stage.logs) log.reset();
	const started = performance.now();
	await createOn(site, login);
	const ms = performance.now() - started;
	if (subscribed) await settle(stage, login);
	return { ms, requests: requestCount(stage) };
}

/** One latency sample: POST on A, poll MariaDB until B has the complete user; the breakdown from n8n and the log. */
async function latencySample(stage: Stage) {
	const [A, B] = stage.sites;
	const login = nextLogin('a');
	const complete =
		`SELECT COUNT(*) FROM \`${B.db}\`.wp_users b JOIN \`${A.db}\`.wp_users a ON a.user_login = b.user_login AND a.user_pass = b.user_pass ` +
		`JOIN \`${B.db}\`.wp_usermeta m ON m.user_id = b.ID AND m.meta_key = 'wp_capabilities' AND m.meta_value LIKE '%"subscriber"%' WHERE b.user_login = '${login}'`;
	for (const log of stage.logs) log.reset();
	let answeredA = 0;
	const wall0 = Date.now();
	const started = performance.now();
	const post = createOn(A, login).then(() => {
		answeredA = performance.now() - started;
	});
	post.catch(() => undefined); // awaited below; a failure must not end the process before the cleanup runs
	let polls = 0;
	while ((await stage.db.query(complete))[0] !== '1') {
		if (performance.now() - started > 30_000)
			throw new Error(`${login} not complete on B after 30 s`);
		polls += 1;
		await sleep(POLL_MS);
	}
	const latency = performance.now() - started;
	await post;
	const executions = await settle(stage, login);
	const toB = executions.find((execution) => Date.parse(execution.startedAt) >= wall0);
	const row = logOf(stage.n8n, login).find(
		(entry) => entry.target === B.url && entry.status === 'synced',
	);
	return {
		latency,
		answeredA,
		polls,
		requests: requestCount(stage),
		execStarted: toB ? Date.parse(toB.startedAt) - wall0 : NaN,
		execStopped: toB?.stoppedAt ? Date.parse(toB.stoppedAt) - wall0 : NaN,
		logged: row ? Number(row.logged_at) - wall0 : NaN,
		applyMs: row ? Number(row.duration_ms) : NaN,
		applyRequests: row ? Number(row.requests) : NaN,
	};
}

/** The last event site A reported, as the Sync Log stored it (the bridge blanks a queue row's body once delivered). */
function lastEventFrom(n8n: RealN8n, siteUrl: string): string {
	const db = new DatabaseSync(syncLogFile(n8n), { readOnly: true, timeout: 10_000 });
	try {
		const row = db
			.prepare(
				'SELECT event FROM sync_log WHERE source = ? AND event IS NOT NULL ORDER BY seq DESC LIMIT 1',
			)
			.get(siteUrl) as { event?: string } | undefined;
		if (!row?.event) throw new Error(`no event from ${siteUrl} in the Sync Log`);
		return row.event;
	} finally {
		db.close();
	}
}

/**
 * n8n's side of a delivery, from Node: an unsigned probe (401, the trigger's settings only) and a replay of A's last
 * event, signed like the bridge signs it (verified, then a dedupe hit: 200, no execution starts).
 */
async function deliveryCosts(stage: Stage, hookUrl: string) {
	const [A] = stage.sites;
	const hooks = JSON.parse(
		await lab.wpEval(A, 'echo json_encode(array_values(harmonyuser_bridge_webhooks()));'),
	) as Array<{ url: string; secret: string }>;
	const found = { body: lastEventFrom(stage.n8n, A.url) };
	const secret = hooks.find((hook) => hook.url === hookUrl)?.secret ?? '';
	const send = async (signed: boolean) => {
		const ts = String(Math.floor(Date.now() / 1000));
		const headers: Record<string, string> = {
			'Content-Type': 'application/json',
			'X-HarmonyUser-Timestamp': ts,
		};
		if (signed) headers['X-HarmonyUser-Signature'] = signBridgeDelivery(secret, ts, found.body);
		const t = performance.now();
		const res = await fetch(hookUrl, { method: 'POST', headers, body: found.body });
		const text = await res.text();
		if (res.status !== (signed ? 200 : 401) || (signed && !text.includes('duplicate')))
			throw new Error(`delivery probe: ${res.status} ${text.slice(0, 200)}`);
		return performance.now() - t;
	};
	const probe: number[] = [];
	const duplicate: number[] = [];
	for (let i = 0; i < 10; i++) {
		probe.push(await send(false));
		duplicate.push(await send(true));
	}
	return { probe, duplicate };
}

const line = (name: string, xs: number[]) =>
	out(
		`  ${name.padEnd(44)} p50 ${Math.round(median(xs))} ms, p95 ${Math.round(percentile(xs, 95))} ms (${spread(xs)})`,
	);

async function main(): Promise<void> {
	out(machine());
	await lab.up({ count: 3 });
	let stage: Stage | undefined;
	// The sites to clean even when the stage fails half-way (startWithThreeSites installs the bridge first).
	let partial: { n8n?: RealN8n; sites: Site[] } = { sites: lab.sites().slice(0, 3) };
	try {
		const started = await startWithThreeSites();
		partial = started;
		const [A, B, C] = started.sites;
		stage = {
			...started,
			db: new MariaDbSession(),
			logs: started.sites.map((site) => new RequestLog(site)),
			seen: new Set(),
		};
		const workflow = loadExample('two-way-sync.json', started.credentialIds);
		const id = await started.n8n.createWorkflow(workflow);
		const hookUrlA = `${started.n8n.url}/webhook/${webhookPathOf(workflow, 'Site A changed')}`;
		await started.n8n.activate(id);
		for (const [node, site] of [
			['Site A changed', A],
			['Site B changed', B],
		] as const) {
			const hookPath = webhookPathOf(workflow, node);
			await started.n8n.waitForWebhook(hookPath);
			await eventually(`subscription on ${site.name}`, async () =>
				(await subscriptions(site)).some(
					(hook) => hook.url === `${started.n8n.url}/webhook/${hookPath}`,
				),
			);
		}
		// Detection cost: the persistent client's round trip against lab.sql's process per query.
		const rtt: number[] = [];
		const labSql: number[] = [];
		for (let i = 0; i < 30; i++) {
			const t = performance.now();
			await stage.db.query(`SELECT COUNT(*) FROM \`${B.db}\`.wp_users WHERE user_login = 'none'`);
			rtt.push(performance.now() - t);
		}
		for (let i = 0; i < 5; i++) {
			const t = performance.now();
			await lab.sql(B, "SELECT COUNT(*) FROM wp_users WHERE user_login = 'none'");
			labSql.push(performance.now() - t);
		}
		for (let i = 0; i < WARMUP; i++) {
			await latencySample(stage);
			await rawCreate(stage, B, true);
			await rawCreate(stage, C, false);
		}
		const rawB: Array<{ ms: number; requests: number }> = [];
		const rawC: Array<{ ms: number; requests: number }> = [];
		const samples: Array<Awaited<ReturnType<typeof latencySample>>> = [];
		for (let i = 0; i < SAMPLES; i++) {
			rawB.push(await rawCreate(stage, B, true));
			rawC.push(await rawCreate(stage, C, false));
			samples.push(await latencySample(stage));
		}
		const costs = await deliveryCosts(stage, hookUrlA);
		const latency = samples.map((s) => s.latency);
		out(
			`\nEvent latency A → B, two-way example, real n8n (regular mode); ${SAMPLES} samples after ${WARMUP} warm-up rounds:`,
		);
		line(
			'raw create on C (no subscription)',
			rawC.map((s) => s.ms),
		);
		line(
			'raw create on B (subscribed: + its delivery)',
			rawB.map((s) => s.ms),
		);
		line(
			'raw create on A (the sample’s POST)',
			samples.map((s) => s.answeredA),
		);
		line('A → B latency (complete on B)', latency);
		out(
			`  ratio p50 latency / p50 raw create on B: ${ratio(median(latency), median(rawB.map((s) => s.ms)))} (goal ≤ 3×: ${median(latency) <= 3 * median(rawB.map((s) => s.ms)) ? 'met' : 'NOT met'})`,
		);
		out(
			`  ratio p50 latency / p50 raw create on C: ${ratio(median(latency), median(rawC.map((s) => s.ms)))}`,
		);
		out(
			`\nWhere the time goes (medians, ms after the POST on A began; n8n timestamps are ms wall clock):`,
		);
		line(
			'A answers (create + synchronous delivery)',
			samples.map((s) => s.answeredA),
		);
		line(
			'n8n starts the A → B execution',
			samples.map((s) => s.execStarted),
		);
		line('user complete on B (detected)', latency);
		line(
			'Sync Log entry written',
			samples.map((s) => s.logged),
		);
		line(
			'A → B execution stops (B’s echo delivery incl.)',
			samples.map((s) => s.execStopped),
		);
		line(
			'User Sync node apply duration (log)',
			samples.map((s) => s.applyMs),
		);
		out(
			`  User Sync requests to B per change (log): median ${median(samples.map((s) => s.applyRequests))}`,
		);
		line('n8n answers an unsigned probe (401)', costs.probe);
		line('n8n answers a signed replay (dedupe hit)', costs.duplicate);
		out(
			`\nRequests on A+B+C per step (RequestLog, until n8n settled): sample ${median(samples.map((s) => s.requests))}, raw on B ${median(rawB.map((s) => s.requests))}, raw on C ${median(rawC.map((s) => s.requests))}`,
		);
		out(
			`Detection: one persistent mariadb client polling every ${POLL_MS} ms; query round trip p50 ${median(rtt).toFixed(2)} ms ` +
				`(lab.sql per query: ${Math.round(median(labSql))} ms), so granularity ≤ ${(POLL_MS + median(rtt)).toFixed(1)} ms; ${median(samples.map((s) => s.polls))} polls per sample (median)`,
		);
		await started.n8n.deactivate(id);
	} finally {
		stage?.db.close();
		for (const log of stage?.logs ?? []) log.remove();
		await stopStage(partial.n8n, partial.sites, RUN);
	}
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
