/**
 * Network fan-out benchmark (not a test): one change on one site of a 10-site network reaches the other 9 in real
 * n8n 2.41.1 (regular mode, bridge plugin on all 10 lab sites), in two layouts side by side in one run:
 *
 *   network   examples/network-mesh.json: one trigger on a WordPress Site Network credential, one User Sync node
 *             (Target: Site Network, Every Site Not Yet Reached), one Sync Log. Three nodes.
 *   per edge  today's layout without a network: 10 single-site triggers, each wired to 9 single-site User Sync
 *             nodes (90 in all, one per edge), one Sync Log, as the two-way example wires 2 sites.
 *
 * One sample = one REST POST creating a user on a source site (the 10 sites in turn), timed from just before the
 * POST until the user is complete on the last of the other 9 (its row and its role), detected by polling MariaDB
 * through one open client (no cost to the sites' PHP workers). Then, once every bridge delivery has been made and
 * no execution runs (twice in a row): the executions the change started (n8n's REST API), the HTTP requests that
 * reached the 10 WordPress servers (the count-requests mu-plugin, the POST included), the Sync Log entries, and
 * how many targets hold the source's password hash. (Not part of "complete": in the per-edge layout the echo
 * executions race the source's own and can leave most targets with another hash; see BENCHMARKS.md.) Blocks alternate (network, per edge, network, per edge), each after warm-up
 * samples, so drift hits both layouts alike.
 * Run: HUS_LAB_PORT_BASE=… HUS_LAB_DIR=… bash scripts/with-node24.sh npx tsx bench/networkFanOut.bench.ts [SAMPLES=20]
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { clearWebhooks, installBridge } from '../lab/harness/bridge';
import { allDeliveriesSettled } from '../lab/harness/deliveries';
import {
	credentialData,
	networkCredentialData,
	networkSubscribed,
	startN8nWithPackage,
	stopStage,
	subscriptions,
	syncLogFile,
} from '../lab/harness/n8n/e2e';
import {
	eventually,
	loadExample,
	webhookPathOf,
	type RealN8n,
	type WorkflowJson,
} from '../lab/harness/n8n';
import { RequestLog } from '../lab/harness/requestLog';
import { createUser } from '../lab/harness/wp';
import { MariaDbSession } from './lib/mariadb';
import { machine, median, out, percentile, ratio, spread } from './lib/stats';

const SITES = 10;
const SAMPLES = Number(process.argv[2] ?? 20);
const BLOCKS = 2;
const WARMUP = 2;
const POLL_MS = 5;
const RUN = `nfo${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Layout = 'network' | 'per edge';

interface Stage {
	n8n: RealN8n;
	sites: Site[];
	db: MariaDbSession;
	logs: RequestLog[];
	seen: Set<string>;
}

interface SampleResult {
	latency: number;
	answered: number;
	settled: number;
	executions: number;
	requests: number;
	writes: number;
	logEntries: number;
	syncRequests: number;
	/** Targets holding the source's password hash once everything settled. */
	hashSame: number;
	/** The requests by kind: "POST /wp-json/wp/v2/users" with ids and queries left out. */
	kinds: Map<string, number>;
}

/** "METHOD /route" without the query string, numbers as :id. */
function kindOf(request: string): string {
	const [method, uri = ''] = request.split(' ');
	let route = uri.split('?')[0];
	const restRoute = /[?&]rest_route=([^&]+)/.exec(uri)?.[1];
	if (restRoute) route = `/wp-json${decodeURIComponent(restRoute)}`;
	return `${method} ${route.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
}

let counter = 0;
const nextLogin = () => `${RUN}${++counter}`;

/** Today's full mesh without a network credential: per source site one trigger and 9 User Sync nodes, one Sync Log. */
function perEdgeWorkflow(sites: Site[], credentialIds: string[]): WorkflowJson {
	const nodes: WorkflowJson['nodes'] = [];
	const connections: Record<string, unknown> = {};
	const log = 'Sync Log';
	const credential = (i: number) => ({
		wordPressAppPasswordApi: { id: credentialIds[i], name: `WordPress ${sites[i].name}` },
	});
	for (const [i, source] of sites.entries()) {
		const trigger = `${source.name} changed`;
		nodes.push({
			parameters: {
				source: 'bridge',
				events: ['user.created', 'user.updated', 'user.deleted', 'user.password_changed'],
				options: {},
			},
			id: randomUUID(),
			name: trigger,
			type: 'n8n-nodes-harmonyuser-sync.harmonyUserSyncTrigger',
			typeVersion: 1,
			position: [0, i * 1000],
			webhookId: randomUUID(),
			credentials: credential(i),
		});
		const edges: Array<{ node: string; type: string; index: number }> = [];
		for (const [j, target] of sites.entries()) {
			if (j === i) continue;
			const apply = `${source.name} to ${target.name}`;
			nodes.push({
				parameters: { operation: 'applyEvent', options: {} },
				id: randomUUID(),
				name: apply,
				type: 'n8n-nodes-harmonyuser-sync.harmonyUserSync',
				typeVersion: 1,
				position: [260, i * 1000 + j * 100],
				credentials: credential(j),
			});
			edges.push({ node: apply, type: 'main', index: 0 });
			connections[apply] = { main: [[{ node: log, type: 'main', index: 0 }]] };
		}
		connections[trigger] = { main: [edges] };
	}
	nodes.push({
		parameters: { operation: 'write' },
		id: randomUUID(),
		name: log,
		type: 'n8n-nodes-harmonyuser-sync.harmonyUserSyncLog',
		typeVersion: 1,
		position: [520, 0],
	});
	return {
		name: `Full mesh of ${sites.length} sites, one workflow edge by edge`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** The Sync Log entries of one login, with the requests each User Sync call sent. */
function logOf(n8n: RealN8n, login: string): Array<{ status: string; requests: number }> {
	if (!existsSync(syncLogFile(n8n))) return [];
	const db = new DatabaseSync(syncLogFile(n8n), { readOnly: true, timeout: 10_000 });
	try {
		return db.prepare('SELECT status, requests FROM sync_log WHERE login = ?').all(login) as never;
	} finally {
		db.close();
	}
}

/** Waits (untimed) until every site's deliveries were made and no execution runs, twice in a row; returns the new executions. */
async function settle(stage: Stage): Promise<number> {
	let last = -1;
	for (;;) {
		await allDeliveriesSettled(...stage.sites);
		const executions = await eventually(
			'executions settled',
			async () => {
				const all = await stage.n8n.executions();
				return (
					all.every((execution) => !['new', 'running', 'waiting'].includes(execution.status)) && all
				);
			},
			120_000,
			100,
		);
		const fresh = executions.filter((execution) => !stage.seen.has(execution.id));
		if (fresh.length === last) {
			for (const execution of fresh) stage.seen.add(execution.id);
			const failed = fresh.filter((execution) => execution.status !== 'success');
			if (failed.length)
				throw new Error(
					`${failed.length} executions did not succeed: ${failed.map((execution) => execution.status).join(', ')}`,
				);
			return fresh.length;
		}
		last = fresh.length;
		await sleep(300);
	}
}

/** One sample: POST on `source`, poll MariaDB until the other 9 hold the complete user; then settle and count. */
async function sample(stage: Stage, source: Site): Promise<SampleResult> {
	const login = nextLogin();
	const targets = stage.sites.filter((site) => site !== source);
	// Complete: the row and its role. The source's password hash is checked once everything settled (hashSame).
	const complete = targets
		.map(
			(target) =>
				`SELECT COUNT(*) AS n FROM \`${target.db}\`.wp_users t ` +
				`JOIN \`${target.db}\`.wp_usermeta m ON m.user_id = t.ID AND m.meta_key = 'wp_capabilities' AND m.meta_value LIKE '%"subscriber"%' WHERE t.user_login = '${login}'`,
		)
		.join(' UNION ALL ');
	const done = `SELECT SUM(n) FROM (${complete}) AS c`;
	for (const log of stage.logs) log.reset();
	let answered = 0;
	const started = performance.now();
	const post = createUser(source, login, {
		email: `${login}@fanout.test`,
		first_name: 'Fan',
		last_name: 'Out',
	}).then(() => {
		answered = performance.now() - started;
	});
	post.catch(() => undefined); // awaited below; a failure must not end the process before the cleanup runs
	while ((await stage.db.query(done))[0] !== String(targets.length)) {
		if (performance.now() - started > 60_000)
			throw new Error(
				`${login} from ${source.name} not complete on the other ${targets.length} sites after 60 s`,
			);
		await sleep(POLL_MS);
	}
	const latency = performance.now() - started;
	await post;
	const executions = await settle(stage);
	const settled = performance.now() - started;
	const requests = stage.logs.flatMap((log) => log.since());
	const writes = stage.logs.flatMap((log) => log.writes());
	const entries = logOf(stage.n8n, login);
	// Each site holds the user exactly once.
	const copies = await stage.db.query(
		stage.sites
			.map((site) => `SELECT COUNT(*) FROM \`${site.db}\`.wp_users WHERE user_login = '${login}'`)
			.join(' UNION ALL '),
	);
	if (copies.some((count) => count !== '1'))
		throw new Error(`${login}: copies per site ${copies.join(',')}`);
	const sameHash = await stage.db.query(
		targets
			.map(
				(target) =>
					`SELECT COUNT(*) FROM \`${target.db}\`.wp_users t JOIN \`${source.db}\`.wp_users s ON s.user_login = t.user_login AND s.user_pass = t.user_pass WHERE t.user_login = '${login}'`,
			)
			.join(' UNION ALL '),
	);
	return {
		latency,
		answered,
		settled,
		executions,
		requests: requests.length,
		writes: writes.length,
		logEntries: entries.length,
		syncRequests: entries.reduce((sum, entry) => sum + Number(entry.requests ?? 0), 0),
		hashSame: sameHash.filter((count) => count === '1').length,
		kinds: requests.reduce(
			(map, request) => map.set(kindOf(request), (map.get(kindOf(request)) ?? 0) + 1),
			new Map<string, number>(),
		),
	};
}

/** Activates a layout's workflow and waits until every site has its subscription. */
async function activate(
	stage: Stage,
	layout: Layout,
	workflow: WorkflowJson,
	id: string,
): Promise<number> {
	const started = performance.now();
	await stage.n8n.activate(id);
	if (layout === 'network') {
		await networkSubscribed(stage.n8n, workflow, 'Any site changed', stage.sites);
	} else {
		for (const site of stage.sites) {
			const hookPath = webhookPathOf(workflow, `${site.name} changed`);
			await stage.n8n.waitForWebhook(hookPath);
			await eventually(`subscription on ${site.name}`, async () =>
				(await subscriptions(site)).some(
					(hook) => hook.url === `${stage.n8n.url}/webhook/${hookPath}`,
				),
			);
		}
	}
	return performance.now() - started;
}

const line = (name: string, xs: number[]) =>
	out(
		`  ${name.padEnd(46)} p50 ${String(Math.round(median(xs))).padStart(5)} ms, p95 ${String(Math.round(percentile(xs, 95))).padStart(5)} ms (${spread(xs)})`,
	);
const counts = (name: string, xs: number[]) =>
	out(`  ${name.padEnd(46)} median ${median(xs)} (${spread(xs)})`);

async function main(): Promise<void> {
	out(machine());
	const all = await lab.up({ count: SITES });
	const sites = all.slice(0, SITES);
	let stage: Stage | undefined;
	let n8n: RealN8n | undefined;
	try {
		for (const site of sites) {
			await installBridge(site);
			await clearWebhooks(site);
		}
		({ n8n } = await startN8nWithPackage());
		stage = {
			n8n,
			sites,
			db: new MariaDbSession(),
			logs: sites.map((site) => new RequestLog(site)),
			seen: new Set(),
		};
		const networkId = await n8n.createCredential(
			'WordPress Site Network',
			'wordPressSiteNetworkApi',
			networkCredentialData(sites),
		);
		const siteIds: string[] = [];
		for (const site of sites)
			siteIds.push(
				await n8n.createCredential(
					`WordPress ${site.name}`,
					'wordPressAppPasswordApi',
					credentialData(site),
				),
			);
		const mesh = loadExample('network-mesh.json', { NETWORK_CREDENTIAL_ID: networkId });
		const edges = perEdgeWorkflow(sites, siteIds);
		const workflows: Record<Layout, { workflow: WorkflowJson; id: string }> = {
			network: { workflow: mesh, id: await n8n.createWorkflow(mesh) },
			'per edge': { workflow: edges, id: await n8n.createWorkflow(edges) },
		};
		const results: Record<Layout, SampleResult[]> = { network: [], 'per edge': [] };
		const activations: Record<Layout, number[]> = { network: [], 'per edge': [] };
		const perBlock = Math.ceil(SAMPLES / BLOCKS);
		let source = 0;
		for (let block = 0; block < BLOCKS; block++) {
			for (const layout of ['network', 'per edge'] as Layout[]) {
				const { workflow, id } = workflows[layout];
				activations[layout].push(await activate(stage, layout, workflow, id));
				await settle(stage);
				for (let i = 0; i < WARMUP; i++) await sample(stage, sites[(source + i) % SITES]);
				for (let i = 0; i < perBlock && results[layout].length < SAMPLES; i++) {
					results[layout].push(await sample(stage, sites[(source + i) % SITES]));
				}
				await n8n.deactivate(id);
				for (const site of sites)
					await eventually(`no subscription on ${site.name}`, async () =>
						(await subscriptions(site)).every((hook) => !hook.url.startsWith(n8n!.url)),
					);
			}
			source = (source + perBlock) % SITES;
		}

		out(
			`\nOne change fanned out to ${SITES} sites, real n8n (regular mode); ${SAMPLES} samples per layout (${BLOCKS} alternating blocks, ${WARMUP} warm-up samples each), source site rotating:`,
		);
		out(
			`  layouts: network = ${mesh.nodes.filter((node) => !node.type.endsWith('stickyNote')).length} nodes; per edge = ${edges.nodes.length} nodes (${SITES} triggers, ${SITES * (SITES - 1)} User Sync, 1 Sync Log)`,
		);
		for (const layout of ['network', 'per edge'] as Layout[]) {
			const xs = results[layout];
			out(`\n${layout}:`);
			line(
				'source answers its POST',
				xs.map((s) => s.answered),
			);
			line(
				`complete on the last of the other ${SITES - 1} sites`,
				xs.map((s) => s.latency),
			);
			line(
				'everything settled (deliveries, executions)',
				xs.map((s) => s.settled),
			);
			counts(
				'executions per change',
				xs.map((s) => s.executions),
			);
			counts(
				`requests per change, all ${SITES} sites (POST incl.)`,
				xs.map((s) => s.requests),
			);
			counts(
				'  of which writes (POST, PUT, DELETE)',
				xs.map((s) => s.writes),
			);
			counts(
				'User Sync requests per change (Sync Log)',
				xs.map((s) => s.syncRequests),
			);
			counts(
				'Sync Log entries per change',
				xs.map((s) => s.logEntries),
			);
			counts(
				`targets left with the source's password hash (of ${SITES - 1})`,
				xs.map((s) => s.hashSame),
			);
			line('activation (every site subscribed)', activations[layout]);
			const kinds = new Map<string, number[]>();
			for (const result of xs)
				for (const [kind, n] of result.kinds) kinds.set(kind, [...(kinds.get(kind) ?? []), n]);
			out('  requests by kind, median per change (a kind missing from a change counts 0):');
			for (const [kind, ns] of [...kinds].sort((a, b) => median(b[1]) - median(a[1]))) {
				out(`    ${kind.padEnd(60)} ${median([...ns, ...Array(xs.length - ns.length).fill(0)])}`);
			}
		}
		const p = (layout: Layout, pick: (s: SampleResult) => number, q = 50) =>
			(q === 50 ? median : (xs: number[]) => percentile(xs, q))(results[layout].map(pick));
		out(`\nNetwork against per edge (ratios of medians; below 1× the network is cheaper):`);
		out(
			`  latency to the last site p50 ${ratio(
				p('network', (s) => s.latency),
				p('per edge', (s) => s.latency),
			)}, p95 ${ratio(
				p('network', (s) => s.latency, 95),
				p('per edge', (s) => s.latency, 95),
			)}`,
		);
		out(
			`  settled ${ratio(
				p('network', (s) => s.settled),
				p('per edge', (s) => s.settled),
			)}`,
		);
		out(
			`  executions ${ratio(
				p('network', (s) => s.executions),
				p('per edge', (s) => s.executions),
			)}, requests ${ratio(
				p('network', (s) => s.requests),
				p('per edge', (s) => s.requests),
			)}`,
		);
	} finally {
		stage?.db.close();
		for (const log of stage?.logs ?? []) log.remove();
		await stopStage(n8n, sites, RUN);
	}
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
