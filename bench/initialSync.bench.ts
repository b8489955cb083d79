/**
 * Initial sync benchmark (not a test): N users from A into an empty B, side by side in one run on the same sites:
 *   floor     — the same creates sent by a bare loop with the same concurrency, no n8n, no policies
 *   reconcile — Get Users on A → Reconcile into B, in n8n's engine (per-request writes, B without the bridge)
 *   batched   — the same with the bridge plugin on B (writes through /batch/v1, 25 per request)
 * and the nothing-changed reconcile against a bare paged listing of both sites. Requests are counted on the
 * servers. Prints medians, spread and ratios. Run: bash scripts/with-node24.sh npx tsx bench/initialSync.bench.ts [N] [runs]
 */
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { installBridge, removeBridge } from '../test/bridge/bridgeLab';
import { RequestLog } from '../test/helpers/requestLog';
import { runChain } from '../test/helpers/sync';

const N = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 3);
const CONCURRENCY = 4;
const out = (line: string) => process.stdout.write(`${line}\n`);

interface Sample {
	ms: number;
	requests: number;
}

const basic = (site: Site) => `Basic ${Buffer.from(`admin:${site.admin.appPassword}`).toString('base64')}`;

/** The floor: POST every user with `CONCURRENCY` in flight, nothing else. */
async function floor(A: Site, B: Site): Promise<void> {
	const users = Array.from({ length: N }, (_, i) => i + 1);
	const worker = async () => {
		for (let i = users.shift(); i !== undefined; i = users.shift()) {
			const res = await fetch(`${B.url}/wp-json/wp/v2/users`, {
				method: 'POST',
				headers: { Authorization: basic(B), 'Content-Type': 'application/json' },
				body: JSON.stringify({ username: `bench${i}`, email: `bench${i}@example.test`, password: `floor-${i}-pw`, first_name: 'Bench', last_name: `User ${i}`, roles: ['subscriber'] }),
			});
			await res.text();
		}
	};
	void A;
	await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** A bare paged listing of one site, pages in parallel: the floor for "nothing changed". */
async function listing(site: Site): Promise<void> {
	const get = (page: number) => fetch(`${site.url}/wp-json/wp/v2/users?context=edit&per_page=100&page=${page}&_fields=id,username,email`, { headers: { Authorization: basic(site) } });
	const first = await get(1);
	await first.text();
	const pages = Number(first.headers.get('x-wp-totalpages') ?? 1);
	await Promise.all(Array.from({ length: pages - 1 }, (_, i) => get(i + 2).then((r) => r.text())));
}

async function reconcile(A: Site, B: Site): Promise<void> {
	const { error } = await runChain([
		{ site: A, operation: 'getUsers', parameters: { filters: { roles: 'subscriber' } } },
		{ site: B, operation: 'reconcile', parameters: { options: { concurrency: CONCURRENCY } } },
	]);
	if (error) throw error;
}

async function timed(logs: RequestLog[], run: () => Promise<void>): Promise<Sample> {
	for (const log of logs) log.reset();
	const start = performance.now();
	await run();
	return { ms: performance.now() - start, requests: logs.reduce((sum, log) => sum + log.since().length, 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

function report(name: string, samples: Sample[], baseline?: Sample[]): void {
	const ms = samples.map((s) => s.ms);
	const ratio = baseline ? ` ${(median(ms) / median(baseline.map((s) => s.ms))).toFixed(2)}× the floor's time` : '';
	out(`${name.padEnd(26)} median ${Math.round(median(ms))} ms (${spread(ms)}), ${median(samples.map((s) => s.requests))} requests${ratio}`);
}

async function main(): Promise<void> {
	const [A, B] = await lab.up({ count: 3 });
	await Promise.all([lab.resetSite(A), lab.resetSite(B)]);
	await lab.seedUsers(A, N, { prefix: 'bench', role: 'subscriber' });
	const logs = [new RequestLog(A), new RequestLog(B)];
	const results: Record<string, Sample[]> = { floor: [], reconcile: [], batched: [], unchanged: [], bareListing: [] };
	try {
		await timed(logs, () => listing(B)); // warm both sites' workers
		for (let run = 0; run < RUNS; run++) {
			await lab.resetSite(B);
			results.floor.push(await timed(logs, () => floor(A, B)));
			await lab.resetSite(B);
			results.reconcile.push(await timed(logs, () => reconcile(A, B)));
			results.unchanged.push(await timed(logs, () => reconcile(A, B)));
			results.bareListing.push(await timed(logs, async () => void (await Promise.all([listing(A), listing(B)]))));
			await lab.resetSite(B);
			await installBridge(B);
			results.batched.push(await timed(logs, () => reconcile(A, B)));
			await removeBridge(B);
		}
	} finally {
		for (const log of logs) log.remove();
		await Promise.all([lab.resetSite(A), lab.resetSite(B)]);
	}
	out(`\nInitial sync of ${N} users, ${RUNS} runs, ${CONCURRENCY} requests in flight (bound N + 2·⌈N/100⌉ + 2 = ${N + 2 * Math.ceil(N / 100) + 2}):`);
	report('floor (bare create loop)', results.floor);
	report('reconcile', results.reconcile, results.floor);
	report('reconcile, bridge batches', results.batched, results.floor);
	out('\nNothing changed:');
	report('bare listing of A and B', results.bareListing);
	report('reconcile', results.unchanged, results.bareListing);
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
