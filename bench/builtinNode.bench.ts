/**
 * Ours against n8n's built-in WordPress node (not a test): the same job — every user of site A ends up on site B with
 * the same login, email, names and role — built two ways in ONE real n8n 2.41.1, run side by side on the same lab sites:
 *   ours   — Webhook → HarmonyUser Sync Get Users (A) → Reconcile (B), package defaults, B without the bridge plugin;
 *            also once with the bridge on B (writes batched)
 *   theirs — Webhook → built-in WordPress Get Many (A) and Get Many (B) → Edit Fields → Merge by username → IF →
 *            WordPress Update / Create on B (bench/lib/builtinWorkflows.ts says what that node can and cannot do)
 * Scenarios, each run RUNS times with B reset in between (the order of ours and theirs alternates between runs):
 *   initial sync   — N seeded users on A into an empty B
 *   nothing changed — the same workflow again right after
 * Each execution is timed from the webhook call to n8n's answer (responseMode lastNode: the run has ended); requests
 * are counted on the WordPress servers; B is checked against A after every run (all users, by SQL), else it fails.
 * Memory: n8n's VmRSS sampled every 100 ms during each run (bench/lib/rssSampler.ts says why not VmHWM), and at idle.
 * The issue's goal: ours at least 5× faster than theirs. In the initial sync without the bridge both send one create
 * per user, so that ratio is bounded by what our 4 requests in flight gain over their 1 on the same WordPress;
 * the bridge's batches are what take the initial sync past 5×.
 * Run: HUS_LAB_PORT_BASE=… HUS_LAB_DIR=… bash scripts/with-node24.sh npx tsx bench/builtinNode.bench.ts [N=2000] [runs=3]
 * Theirs writes one request per user, one after the other: minutes at N=2000; progress goes to stderr.
 */
import { randomUUID } from 'node:crypto';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { installBridge, removeBridge } from '../lab/harness/bridge';
import { credentialData, settledExecutions, startN8nWithPackage } from '../lab/harness/n8n/e2e';
import type { RealN8n } from '../lab/harness/n8n';
import { RequestLog } from '../lab/harness/requestLog';
import {
	builtinCredentialData,
	callWebhook,
	oursWorkflow,
	theirsWorkflow,
} from './lib/builtinWorkflows';
import { currentRss, peakRss, sampleRss, type RssReading } from './lib/rssSampler';
import { listing, plainSites } from './lib/wordpress';
import { machine, median, mib, out, ratio, report, spread, type Sample } from './lib/stats';

const N = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 3);
const GOAL = 5;

type Side = 'ours' | 'theirs' | 'bridge';
interface Run extends Sample {
	a: number;
	b: number;
	writes: number;
	rss: RssReading;
}
const results: Record<'initial' | 'unchanged', Record<Side, Run[]>> = {
	initial: { ours: [], theirs: [], bridge: [] },
	unchanged: { ours: [], theirs: [], bridge: [] },
};

/** login → email | display name | first | last | capabilities, for every user of the site. */
async function snapshot(site: Site): Promise<Map<string, string>> {
	const meta = (key: string) =>
		`(SELECT meta_value FROM wp_usermeta m WHERE m.user_id = u.ID AND m.meta_key = '${key}')`;
	const rows = await lab.sql(
		site,
		`SELECT u.user_login, u.user_email, u.display_name, ${meta('first_name')}, ${meta('last_name')}, ${meta('wp_capabilities')} FROM wp_users u`,
	);
	return new Map(
		rows
			.split('\n')
			.filter(Boolean)
			.map((row) => [row.split('\t')[0], row.split('\t').slice(1).join(' | ')]),
	);
}

/** B must hold exactly A's users, field for field (the timing means nothing otherwise). */
async function verify(A: Site, B: Site, what: string): Promise<void> {
	const [a, b] = await Promise.all([snapshot(A), snapshot(B)]);
	const wrong = [...a].filter(([login, fields]) => b.get(login) !== fields);
	if (a.size !== N + 2 || b.size !== a.size || wrong.length) {
		const [login, fields] = wrong[0] ?? ['', ''];
		throw new Error(
			`${what}: A has ${a.size} users, B ${b.size}, ${wrong.length} differ (e.g. ${login}: A ${fields} / B ${b.get(login)})`,
		);
	}
}

async function main(): Promise<void> {
	out(`machine: ${machine()}`);
	const [A, B] = await lab.up({ count: 2 });
	await plainSites(A, B);
	const logs = [new RequestLog(A), new RequestLog(B)];
	let n8n: RealN8n | undefined;
	let idleRss = 0;
	let lifePeak = 0;
	try {
		({ n8n } = await startN8nWithPackage());
		const server = n8n;
		const cred = async (site: Site, letter: string) => ({
			ours: await server.createCredential(
				`WordPress Site ${letter}`,
				'wordPressAppPasswordApi',
				credentialData(site),
			),
			theirs: await server.createCredential(
				`Wordpress API ${letter}`,
				'wordpressApi',
				builtinCredentialData(site),
			),
		});
		const [credA, credB] = [await cred(A, 'A'), await cred(B, 'B')];
		const paths = { ours: randomUUID(), theirs: randomUUID() };
		const ids = {
			ours: await server.createWorkflow(oursWorkflow(paths.ours, credA.ours, credB.ours)),
			theirs: await server.createWorkflow(theirsWorkflow(paths.theirs, credA.theirs, credB.theirs)),
		};
		const executions = { ours: 0, theirs: 0 };
		for (const side of ['ours', 'theirs'] as const) {
			await server.activate(ids[side]);
			// The first call that gets through is a warm-up run (A has only admin and editor yet).
			await server.waitForWebhook(paths[side], 60_000);
			executions[side] += 1;
		}
		process.stderr.write(`seeding ${N} users on A\n`);
		await lab.seedUsers(A, N, { prefix: 'bench', role: 'subscriber' });
		await Promise.all([listing(A), listing(B)]); // warm both sites' workers
		// Idle: after start-up, the warm-up runs and the seeding (n8n did nothing for a while, V8 had time to shrink).
		idleRss = currentRss(server.pid ?? 0);

		const execute = async (side: Side, scenario: 'initial' | 'unchanged', label: string) => {
			const workflow = side === 'theirs' ? 'theirs' : 'ours';
			for (const log of logs) log.reset();
			const start = performance.now();
			const progress = setInterval(() => {
				void lab.sql(B, 'SELECT COUNT(*) FROM wp_users').then((count) => {
					process.stderr.write(
						`  ${label}: ${Math.round((performance.now() - start) / 1000)} s, B has ${count.trim()} users\n`,
					);
				});
			}, 15_000);
			let reply: { status: number; body: string };
			let rss: RssReading;
			try {
				({ result: reply, rss } = await sampleRss(server.pid ?? 0, () =>
					callWebhook(server.url, paths[workflow]),
				));
			} finally {
				clearInterval(progress);
			}
			const ms = performance.now() - start;
			const [a, b] = logs.map((log) => log.since().length);
			const writes = logs[1].writes().length;
			if (reply.status !== 200)
				throw new Error(`${label}: webhook answered ${reply.status}: ${reply.body.slice(0, 300)}`);
			executions[workflow] += 1;
			const all = await settledExecutions(server, ids[workflow], executions[workflow]);
			const failed = all.filter((execution) => execution.status !== 'success');
			if (failed.length)
				throw new Error(`${label}: execution ${failed[0].id} ended ${failed[0].status}`);
			await verify(A, B, label);
			process.stderr.write(
				`  ${label}: ${Math.round(ms)} ms, ${a + b} requests, peak RSS ${mib(rss.peak)}\n`,
			);
			results[scenario][side].push({ ms, requests: a + b, a, b, writes, rss });
		};
		const both = async (side: Side, run: number) => {
			await lab.resetSite(B);
			await execute(side, 'initial', `run ${run + 1} ${side} initial`);
			await execute(side, 'unchanged', `run ${run + 1} ${side} unchanged`);
		};
		for (let run = 0; run < RUNS; run++) {
			process.stderr.write(`run ${run + 1}/${RUNS}\n`);
			for (const side of run % 2 === 0
				? (['ours', 'theirs'] as const)
				: (['theirs', 'ours'] as const))
				await both(side, run);
			await lab.resetSite(B);
			await installBridge(B);
			try {
				await both('bridge', run);
			} finally {
				await removeBridge(B);
			}
		}
		lifePeak = peakRss(server.pid ?? 0);
	} finally {
		await n8n?.dispose();
		for (const log of logs) log.remove();
		await Promise.all([lab.resetSite(A), lab.resetSite(B)]);
	}
	print(idleRss, lifePeak);
}

const names: Record<Side, string> = {
	ours: 'ours (Reconcile, no bridge)',
	theirs: 'theirs (built-in WordPress node)',
	bridge: 'ours, bridge on B',
};

function print(idleRss: number, lifePeak: number): void {
	out(
		`\nN = ${N} users on A (plus admin and editor on both sites), ${RUNS} runs; one n8n 2.41.1; B checked after every run.`,
	);
	out(
		"The built-in node cannot set roles (B's default role, subscriber, is what A's users have) nor carry passwords (a generated one).",
	);
	for (const scenario of ['initial', 'unchanged'] as const) {
		out(
			scenario === 'initial'
				? '\nInitial sync (empty B):'
				: '\nNothing changed (B already in sync):',
		);
		const theirs = { name: "ours' time (theirs/ours)", samples: results[scenario].ours };
		for (const side of ['ours', 'bridge', 'theirs'] as const) {
			const runs = results[scenario][side];
			report(names[side], runs, side === 'theirs' ? theirs : undefined);
			out(
				`      requests on A ${median(runs.map((r) => r.a))}, on B ${median(runs.map((r) => r.b))} (${median(runs.map((r) => r.writes))} writes)`,
			);
		}
		const theirMs = median(results[scenario].theirs.map((r) => r.ms));
		for (const side of ['ours', 'bridge'] as const) {
			const faster = theirMs / median(results[scenario][side].map((r) => r.ms));
			out(
				`  → ${names[side]}: ${ratio(theirMs, median(results[scenario][side].map((r) => r.ms)))} faster than theirs (goal ${GOAL}×: ${faster >= GOAL ? 'met' : 'NOT met'})`,
			);
		}
	}
	out(
		`\nMemory of the n8n process, VmRSS sampled every 100 ms during each run (idle: ${mib(idleRss)}). V8 keeps freed heap`,
	);
	out(
		'for a while, so the level before a run depends on what ran just before; the order alternates between runs:',
	);
	for (const scenario of ['initial', 'unchanged'] as const) {
		for (const side of ['ours', 'bridge', 'theirs'] as const) {
			const peaks = results[scenario][side].map((r) => r.rss.peak);
			const before = results[scenario][side].map((r) => r.rss.before);
			const growth = results[scenario][side].map((r) => (r.rss.peak - r.rss.before) / 2 ** 20);
			out(
				`  ${`${scenario}, ${names[side]}`.padEnd(46)} peak ${mib(median(peaks))} (${spread(peaks.map((p) => p / 2 ** 20))} MiB), before ${mib(median(before))}, growth ${Math.round(median(growth))} MiB (${spread(growth)})`,
			);
		}
	}
	out(`  n8n's VmHWM over the whole bench (start-up included): ${mib(lifePeak)}`);
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
