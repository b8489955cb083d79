/**
 * Poll trigger benchmark (not a test): polling one lab site of N users, side by side in one run, RUNS times:
 *   listing   — the baseline: a bare paged listing of the site (100 a page, 4 pages in flight, as our client)
 *   scan      — the Poll Trigger without the bridge: first poll (builds the snapshot), nothing changed, 1 user changed
 *   bridge    — the same with the bridge plugin on the site (goal: exactly 1 request when nothing changed)
 * The poll runs in n8n's real engine as an active workflow (pollAsActive, static data carried between polls);
 * requests are counted on the server (RequestLog). Then the site grows to 100,000 users for one first poll without
 * and with the bridge and one quiet poll. Also printed: the static data n8n stores after polling N and 100,000 users
 * (measured; and computed from the core snapshot code with realistic users, whose logins and emails pack worse than
 * the lab's), and this process's peak RSS. Users are seeded by SQL (lab.seedUsersBySql): seconds, not minutes.
 * Needs the built package (dist/). Run: bash scripts/with-node24.sh npx tsx bench/polling.bench.ts [N=10000] [runs=5]
 */
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../lab/lab';
import { packSnapshot, snapshotOf } from '../core/polling/snapshot';
import { STATE_VERSION, writePollState } from '../core/polling/state';
import { installBridge, removeBridge } from '../lab/harness/bridge';
import { loadPackage, type LoadedPackage } from '../lab/harness/engine';
import { RequestLog } from '../lab/harness/requestLog';
import { credentialOf } from '../lab/harness/sync';
import { rest } from '../lab/harness/wp';
import { NODE_NAME, pollAsActive } from '../lab/harness/engine/poll';
import { realisticUsers } from '../lab/harness/realisticUsers';
import { machine, median, mib, out, ratio, report, timed, type Sample } from './lib/stats';
import { listing, plainSites } from './lib/wordpress';

const N = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 5);
const BIG = 100_000;
const EVERYTHING = { events: ['created', 'updated', 'deleted'] };

/** Bytes of the workflow static data n8n would store (JSON; the packed snapshot is base64, so 1 byte a character). */
const staticBytes = (staticData: IDataObject) => Buffer.byteLength(JSON.stringify(staticData));

/** The static data a poll of these users stores without the bridge, built with the core snapshot code. */
function computedStaticData(count: number, site: string): { bytes: number; ms: number } {
	const users = realisticUsers(count);
	const started = performance.now();
	const snapshot = snapshotOf(users);
	const stored: IDataObject = {};
	writePollState(stored, {
		version: STATE_VERSION,
		site,
		users: packSnapshot(snapshot),
		userCount: snapshot.size,
		bridge: { present: false, checkedAt: new Date().toISOString() },
	});
	return { bytes: staticBytes({ [`node:${NODE_NAME}`]: stored }), ms: performance.now() - started };
}

interface BigSite {
	seedMs: number;
	scan: Sample;
	scanBytes: number;
	bridgeFirst: Sample;
	bridgeQuiet: Sample;
}

/** The same site grown to BIG users (by SQL: seconds, where wp_insert_user takes minutes): one scan, then the bridge. */
async function pollBigSite(site: lab.Site, pkg: LoadedPackage, log: RequestLog): Promise<BigSite> {
	process.stderr.write(`${BIG} users\n`);
	await lab.resetSite(site);
	const seedStarted = performance.now();
	await lab.seedUsersBySql(site, BIG, { prefix: 'pollbig', role: 'subscriber' });
	const seedMs = performance.now() - seedStarted;
	const measure = (run: () => Promise<void>) =>
		timed(
			() => log.since().length,
			run,
			() => log.reset(),
		);
	const poll = (staticData: IDataObject) => async () => {
		const { items } = await pollAsActive(pkg, EVERYTHING, credentialOf(site), staticData);
		if (items?.length)
			throw new Error(`the first poll of ${BIG} users emitted ${items.length} events`);
	};
	const scanned: IDataObject = {};
	const scan = await measure(poll(scanned));
	await installBridge(site);
	const bridged: IDataObject = {};
	const bridgeFirst = await measure(poll(bridged));
	const bridgeQuiet = await measure(poll(bridged));
	await removeBridge(site);
	return { seedMs, scan, scanBytes: staticBytes(scanned), bridgeFirst, bridgeQuiet };
}

async function main(): Promise<void> {
	out(`machine: ${machine()}`);
	const [site] = await lab.up({ count: 1 });
	await plainSites(site);
	const seedStarted = performance.now();
	await lab.seedUsersBySql(site, N, { prefix: 'pollbench', role: 'subscriber' });
	const seedMs = performance.now() - seedStarted;
	const ids = (
		await lab.sql(site, "SELECT ID FROM wp_users WHERE user_login LIKE 'pollbench%' ORDER BY ID")
	)
		.split('\n')
		.filter(Boolean)
		.map(Number);
	const pkg: LoadedPackage = await loadPackage();
	const log = new RequestLog(site);
	const measure = (run: () => Promise<void>) =>
		timed(
			() => log.since().length,
			run,
			() => log.reset(),
		);
	/** One poll as an active workflow; it must emit exactly `events` events (a wrong poll is not a figure). */
	const poll = (staticData: IDataObject, events: number) => async () => {
		const { items } = await pollAsActive(pkg, EVERYTHING, credentialOf(site), staticData);
		if ((items?.length ?? 0) !== events)
			throw new Error(`poll emitted ${items?.length ?? 0} events, expected ${events}`);
	};
	/** A real profile change through REST (the bridge, when present, stamps it as changed). */
	const changeOneUser = async (id: number, tag: string) => {
		const reply = await rest(site, site.admin, `/wp/v2/users/${id}`, {
			method: 'POST',
			body: { first_name: `Changed ${tag}` },
		});
		if (reply.status !== 200) throw new Error(`changing user ${id} → ${reply.status}`);
	};
	const names = [
		'listing',
		'scanFirst',
		'scanQuiet',
		'scanOne',
		'bridgeFirst',
		'bridgeQuiet',
		'bridgeOne',
	] as const;
	const results = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<
		(typeof names)[number],
		Sample[]
	>;
	let storedAfterScan = 0;
	let storedWithBridge = 0;
	let big: BigSite | undefined;
	try {
		// Warm the PHP workers and the node's code paths.
		await listing(site);
		await poll({}, 0)();
		for (let run = 0; run < RUNS; run++) {
			process.stderr.write(`run ${run + 1}/${RUNS}\n`);
			results.listing.push(await measure(() => listing(site)));
			const scanned: IDataObject = {};
			results.scanFirst.push(await measure(poll(scanned, 0)));
			storedAfterScan = staticBytes(scanned);
			results.scanQuiet.push(await measure(poll(scanned, 0)));
			await changeOneUser(ids[(2 * run) % ids.length], `scan ${run}`);
			results.scanOne.push(await measure(poll(scanned, 1)));

			await installBridge(site);
			const bridged: IDataObject = {};
			results.bridgeFirst.push(await measure(poll(bridged, 0)));
			storedWithBridge = staticBytes(bridged);
			results.bridgeQuiet.push(await measure(poll(bridged, 0)));
			await changeOneUser(ids[(2 * run + 1) % ids.length], `bridge ${run}`);
			results.bridgeOne.push(await measure(poll(bridged, 1)));
			await removeBridge(site);
		}
		big = await pollBigSite(site, pkg, log);
	} finally {
		log.remove();
		await removeBridge(site).catch(() => undefined);
		await lab.resetSite(site);
	}

	const rssAfterPolls = process.resourceUsage().maxRSS * 1024;
	const base = { name: "the bare listing's time", samples: results.listing };
	const requests = (samples: Sample[]) => median(samples.map((s) => s.requests));
	out(
		`\nPolling a site of ${N + 2} users (${N} seeded by SQL in ${(seedMs / 1000).toFixed(1)} s), ${RUNS} runs, requests counted on the server:`,
	);
	report('bare paged listing (baseline)', results.listing);
	out(' without the bridge (full scan):');
	report('first poll (builds the snapshot)', results.scanFirst, base);
	report('nothing changed', results.scanQuiet, base);
	report('1 user changed', results.scanOne, base);
	out(' with the bridge:');
	report('first poll (builds the snapshot)', results.bridgeFirst, base);
	report('nothing changed', results.bridgeQuiet, base);
	report('1 user changed', results.bridgeOne, base);
	const listed = requests(results.listing);
	out(
		`  requests against the bare listing's ${listed}: nothing changed ${ratio(requests(results.scanQuiet), listed)} without the bridge, ${ratio(requests(results.bridgeQuiet), listed)} with it`,
	);
	const quiet = results.bridgeQuiet.map((s) => s.requests);
	const held = quiet.every((count) => count === 1);
	out(
		`  goal (with the bridge, nothing changed = exactly 1 request): ${held ? 'HOLDS' : 'MISSED'} in ${RUNS} runs (requests: ${quiet.join(', ')})`,
	);

	out('\nStatic data (the JSON n8n stores for the workflow):');
	out(
		`  after polling ${N + 2} lab-seeded users: ${storedAfterScan} bytes (${(storedAfterScan / (N + 2)).toFixed(1)} B/user), with the bridge ${storedWithBridge} bytes — measured`,
	);
	const same = computedStaticData(N, site.url);
	out(
		`  ${N} realistic users: ${same.bytes} bytes (${(same.bytes / N).toFixed(1)} B/user) — computed, core snapshot code (seeded logins/emails pack tighter)`,
	);
	const computed = computedStaticData(BIG, site.url);
	out(
		`  ${BIG} realistic users: ${computed.bytes} bytes (${mib(computed.bytes)}, ${(computed.bytes / BIG).toFixed(1)} B/user), fingerprint+pack ${Math.round(computed.ms)} ms — computed, core snapshot code`,
	);
	if (big) {
		out(
			`  ${BIG + 2} lab users (seeded by SQL in ${(big.seedMs / 1000).toFixed(1)} s): ${big.scanBytes} bytes (${mib(big.scanBytes)}, ${(big.scanBytes / BIG).toFixed(1)} B/user) — measured after a real poll`,
		);
		out(`\nPolling ${BIG + 2} users, one run each:`);
		report('first poll without the bridge', [big.scan]);
		report('first poll with the bridge', [big.bridgeFirst]);
		report('nothing changed, with the bridge', [big.bridgeQuiet]);
	}
	out(
		"\nPeak RSS of this bench process (a rough indicator, the whole process: n8n's engine, the lab helpers, the polls):",
	);
	out(
		`  after the polls ${mib(rssAfterPolls)}, after the ${BIG}-user computation ${mib(process.resourceUsage().maxRSS * 1024)}`,
	);
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
