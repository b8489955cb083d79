/**
 * Initial sync benchmark (not a test): N users from A into an empty B, side by side in one run on the same sites:
 *   floor     — the same creates (the payloads our planner builds, taken from A before timing) sent by a bare loop
 *               with the same concurrency: no n8n, no listing, no policies
 *   reconcile — Get Users on A → Reconcile into B, in n8n's engine (per-request writes, B without the bridge)
 *   batched   — the same with the bridge plugin on B (writes through /batch/v1, 25 per request)
 * and the nothing-changed reconcile against a bare paged listing of both sites. Requests are counted on the
 * servers. The reconcile's time is split into what it cannot avoid (reading both sites, the creates) and the rest.
 * Run: bash scripts/with-node24.sh npx tsx bench/initialSync.bench.ts [N=2000] [runs=3]
 */
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { createPayload } from '../core/sync/diff';
import { parseSyncEvent } from '../core/schemas/syncEvent';
import { toEventInput } from '../core/sync/eventInput';
import { installBridge, removeBridge } from '../lab/harness/bridge';
import { RequestLog } from '../lab/harness/requestLog';
import { runChain } from '../lab/harness/sync';
import { basicAuth, listing, plainSites } from './lib/wordpress';
import { machine, median, out, report, timed, type Sample } from './lib/stats';

const N = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 3);
const CONCURRENCY = 4;

/** The floor: POST every payload with `CONCURRENCY` in flight, nothing else. */
async function floor(B: Site, payloads: object[]): Promise<void> {
	const queue = [...payloads];
	const worker = async () => {
		for (let payload = queue.shift(); payload !== undefined; payload = queue.shift()) {
			const res = await fetch(`${B.url}/wp-json/wp/v2/users`, {
				method: 'POST',
				headers: { Authorization: basicAuth(B), 'Content-Type': 'application/json' },
				body: JSON.stringify(payload),
			});
			await res.text();
			if (res.status !== 201) throw new Error(`floor create → ${res.status}`);
		}
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const sourceUsers = {
	site: undefined as unknown as Site,
	operation: 'getUsers' as const,
	parameters: { filters: { roles: 'subscriber' } },
};

async function reconcile(A: Site, B: Site): Promise<void> {
	const { outputs, error } = await runChain([
		{ ...sourceUsers, site: A },
		{ site: B, operation: 'reconcile', parameters: { options: { concurrency: CONCURRENCY } } },
	]);
	if (error) throw error;
	const failed = outputs[1].filter((item) => item.status === 'failed');
	if (outputs[1].length !== N || failed.length)
		throw new Error(`reconcile: ${outputs[1].length} results, ${failed.length} failed`);
}

/** The creates our planner would send for A's users (random passwords), read before any timing. */
async function plannedCreates(A: Site): Promise<object[]> {
	const { outputs, error } = await runChain([{ ...sourceUsers, site: A }]);
	if (error) throw error;
	return outputs[0].map((json) => {
		const parsed = parseSyncEvent(toEventInput(json, 'update'));
		if (!parsed.ok) throw new Error(`Get Users gave an invalid event: ${parsed.error}`);
		return createPayload(parsed.value.user);
	});
}

async function main(): Promise<void> {
	out(`machine: ${machine()}`);
	const [A, B] = await lab.up({ count: 2 });
	await plainSites(A, B);
	await lab.seedUsers(A, N, { prefix: 'bench', role: 'subscriber' });
	const logs = [new RequestLog(A), new RequestLog(B)];
	const count = () => logs.reduce((sum, log) => sum + log.since().length, 0);
	const reset = () => logs.forEach((log) => log.reset());
	const measure = (run: () => Promise<void>) => timed(count, run, reset);
	const results: Record<string, Sample[]> = {
		floor: [],
		listing: [],
		reconcile: [],
		batched: [],
		unchanged: [],
	};
	try {
		const payloads = await plannedCreates(A);
		await measure(() => listing(B)); // warm both sites' workers
		for (let run = 0; run < RUNS; run++) {
			process.stderr.write(`run ${run + 1}/${RUNS}\n`);
			await lab.resetSite(B);
			results.floor.push(await measure(() => floor(B, payloads)));
			await lab.resetSite(B);
			results.reconcile.push(await measure(() => reconcile(A, B)));
			results.unchanged.push(await measure(() => reconcile(A, B)));
			results.listing.push(
				await measure(async () => void (await Promise.all([listing(A), listing(B)]))),
			);
			await lab.resetSite(B);
			await installBridge(B);
			results.batched.push(await measure(() => reconcile(A, B)));
			await removeBridge(B);
		}
	} finally {
		for (const log of logs) log.remove();
		await Promise.all([lab.resetSite(A), lab.resetSite(B)]);
	}
	const floorRef = { name: "the floor's time", samples: results.floor };
	out(
		`\nInitial sync of ${N} users, ${RUNS} runs, ${CONCURRENCY} requests in flight (bound N + 2·⌈N/100⌉ + 2 = ${N + 2 * Math.ceil(N / 100) + 2}):`,
	);
	report('floor (bare create loop)', results.floor);
	report('reconcile', results.reconcile, floorRef);
	report('reconcile, bridge batches', results.batched, floorRef);
	const ms = (name: string) => median(results[name].map((s) => s.ms));
	const rest = ms('reconcile') - ms('floor') - ms('listing');
	const restText =
		rest > 0
			? `${Math.round(rest)} ms (n8n, planning, results)`
			: 'none measurable (below run-to-run noise)';
	out(
		`  where the reconcile's time goes: creates ${Math.round(ms('floor'))} ms (the floor) + reading A and B ${Math.round(ms('listing'))} ms (bare listing) + the rest: ${restText}`,
	);
	out('\nNothing changed:');
	report('bare listing of A and B', results.listing);
	report('reconcile', results.unchanged, {
		name: "the bare listing's time",
		samples: results.listing,
	});
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
