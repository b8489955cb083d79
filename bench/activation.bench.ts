/**
 * Activation benchmark (not a test): the bridge activated on a site whose N users it never saw (seeded by SQL, as
 * users that existed long before the plugin), side by side in one run on the same site, RUNS times at N:
 *   baseline   — what activation cost before sync ids: the one INSERT … SELECT of last_changed (NOT EXISTS per
 *                user) the plugin ran then, timed in PHP
 *   bare       — one INSERT … SELECT writing one row per user with no check and no computed id: the floor of
 *                writing N rows
 *   activation — the real thing (lab.installPlugin: a PHP process, activate_plugin(), tables, the backfill of sync ids
 *                and last_changed for every user), wall time; and the backfill alone, timed in PHP
 *   exact      — the backfill when users already have keys (re-activation, upgrade): NOT EXISTS asked per user,
 *                timed in PHP
 * then once: the upgrade of a site whose bridge predates the backfill, through real requests (about 1 s of backfill
 * each, one at a time), and the same at 100,000 users, once. Every activation is checked: each user exactly one
 * sync id, all distinct, all UUIDs (a wrong activation is not a figure). The order of baseline and ours alternates.
 * Run: bash scripts/with-node24.sh npx tsx bench/activation.bench.ts [N=10000] [runs=3] [big=100000, 0 = none]
 */
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { installBridge, removeBridge } from '../lab/harness/bridge';
import { rest } from '../lab/harness/wp';
import { plainSites } from './lib/wordpress';
import { machine, median, out, ratio, spread } from './lib/stats';

const N = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 3);
const BIG = Number(process.argv[4] ?? 100_000);
const KEYS =
	"('harmonyuser_sync_id', 'harmonyuser_sync_linked', 'harmonyuser_last_changed', 'harmonyuser_bench')";
const BACKFILL_OPTIONS = "('harmonyuser_bridge_db_version', 'harmonyuser_bridge_backfill_cursor')";

/** Milliseconds of PHP code run with WordPress loaded (start-up not included). */
async function phpMs(site: Site, code: string): Promise<number> {
	const printed = await lab.wpEval(
		site,
		`$hus_t = microtime(true); ${code}; echo 'HUSMS', (microtime(true) - $hus_t) * 1000;`,
	);
	const at = printed.lastIndexOf('HUSMS');
	if (at < 0) throw new Error(`phpMs: ${printed.slice(0, 500)}`);
	return Number(printed.slice(at + 5));
}

/** No plugin rows, no plugin: as a site before the bridge (not timed). */
async function unplug(site: Site): Promise<void> {
	await removeBridge(site).catch(() => undefined);
	await lab.sql(
		site,
		`DELETE FROM wp_usermeta WHERE meta_key IN ${KEYS}; DELETE FROM wp_options WHERE option_name IN ${BACKFILL_OPTIONS};`,
	);
}

/** Every user exactly one sync id, all distinct UUIDs, none linked; every user a last_changed. */
async function check(site: Site, what: string): Promise<void> {
	const [users, ids, distinct, valid, linked, stamped] = (
		await lab.sql(
			site,
			`SELECT (SELECT COUNT(*) FROM wp_users), COUNT(*), COUNT(DISTINCT meta_value),
			   SUM(meta_value REGEXP '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'),
			   (SELECT COUNT(*) FROM wp_usermeta WHERE meta_key = 'harmonyuser_sync_linked' AND meta_value <> ''),
			   (SELECT COUNT(DISTINCT user_id) FROM wp_usermeta WHERE meta_key = 'harmonyuser_last_changed')
			 FROM wp_usermeta WHERE meta_key = 'harmonyuser_sync_id'`,
		)
	)
		.trim()
		.split('\t')
		.map(Number);
	if (
		!(ids === users && distinct === users && valid === users && linked === 0 && stamped === users)
	) {
		throw new Error(
			`${what}: ${users} users, ${ids} sync ids, ${distinct} distinct, ${valid} valid, ${linked} linked, ${stamped} stamped`,
		);
	}
}

const OLD_BACKFILL = `global $wpdb; $wpdb->query("INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value)
	SELECT u.ID, 'harmonyuser_last_changed', DATE_FORMAT(u.user_registered, '%Y-%m-%dT%H:%i:%sZ') FROM {$wpdb->users} u
	WHERE NOT EXISTS (SELECT 1 FROM {$wpdb->usermeta} m WHERE m.user_id = u.ID AND m.meta_key = 'harmonyuser_last_changed')")`;
const BARE_INSERT = `global $wpdb; $wpdb->query("INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value)
	SELECT u.ID, 'harmonyuser_bench', u.user_registered FROM {$wpdb->users} u")`;

interface Run {
	baseline: number;
	bare: number;
	activation: number;
	backfill: number;
	exact: number;
}

/** One round on the site as it is (its users seeded, no plugin): every figure once. */
async function round(site: Site, baselineFirst: boolean): Promise<Run> {
	const timedSql = async (code: string) => {
		const ms = await phpMs(site, code);
		await unplug(site);
		return ms;
	};
	let baseline = 0;
	if (baselineFirst) baseline = await timedSql(OLD_BACKFILL);
	const bare = await timedSql(BARE_INSERT);
	const started = performance.now();
	await installBridge(site);
	const activation = performance.now() - started;
	await check(site, 'activation');
	// The backfill alone, as activation runs it (the plugin active, its version recorded, so start-up does nothing).
	await lab.sql(
		site,
		"DELETE FROM wp_usermeta WHERE meta_key IN ('harmonyuser_sync_id', 'harmonyuser_last_changed')",
	);
	const backfill = await phpMs(
		site,
		'if (!harmonyuser_bridge_backfill(null, true)) throw new Exception("not done")',
	);
	await check(site, 'backfill');
	// The exact form (upgrades, re-activation): every user already has last_changed, nobody a sync id.
	await lab.sql(site, "DELETE FROM wp_usermeta WHERE meta_key = 'harmonyuser_sync_id'");
	const exact = await phpMs(
		site,
		'if (!harmonyuser_bridge_backfill(null, false)) throw new Exception("not done")',
	);
	await check(site, 'exact backfill');
	await unplug(site);
	if (!baselineFirst) baseline = await timedSql(OLD_BACKFILL);
	return { baseline, bare, activation, backfill, exact };
}

interface Upgrade {
	requests: number;
	totalMs: number;
	longestMs: number;
	plainMs: number;
}

/**
 * A site whose bridge (version 1) predates the backfill: the plugin active, nobody with a sync id, every user with
 * last_changed. Anonymous REST requests one after another until the version is recorded; then the same request
 * once more, with nothing left to do.
 */
async function upgrade(site: Site): Promise<Upgrade> {
	await installBridge(site);
	await lab.sql(
		site,
		`DELETE FROM wp_usermeta WHERE meta_key = 'harmonyuser_sync_id';
		UPDATE wp_options SET option_value = '1' WHERE option_name = 'harmonyuser_bridge_db_version';`,
	);
	const version = async () =>
		(
			await lab.sql(
				site,
				"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_db_version'",
			)
		).trim();
	const times: number[] = [];
	const started = performance.now();
	while ((await version()) !== '2') {
		if (times.length > 1000) throw new Error('upgrade: 1000 requests and not done');
		const t = performance.now();
		const reply = await rest(site, null, '/');
		times.push(performance.now() - t);
		if (reply.status !== 200) throw new Error(`upgrade request → ${reply.status}`);
	}
	const totalMs = performance.now() - started;
	await check(site, 'upgrade');
	const t = performance.now();
	await rest(site, null, '/');
	const plainMs = performance.now() - t;
	await unplug(site);
	return { requests: times.length, totalMs, longestMs: Math.max(...times), plainMs };
}

const line = (name: string, xs: number[], users: number, base?: number[]) => {
	const m = median(xs);
	const against = base ? `, ${ratio(m, median(base))} the baseline` : '';
	out(
		`  ${name.padEnd(44)} median ${Math.round(m)} ms (${spread(xs)}), ${((m * 1000) / users).toFixed(1)} µs a user${against}`,
	);
};

function report(users: number, runs: Run[]): void {
	const pick = (key: keyof Run) => runs.map((run) => run[key]);
	line('baseline: old last_changed backfill only', pick('baseline'), users);
	line('bare INSERT … SELECT, one row a user', pick('bare'), users, pick('baseline'));
	line('activation (PHP process, wall)', pick('activation'), users, pick('baseline'));
	line('  of which the backfill (2 rows a user)', pick('backfill'), users, pick('baseline'));
	line('exact backfill (re-activation, upgrade)', pick('exact'), users, pick('baseline'));
}

function reportUpgrade(users: number, u: Upgrade): void {
	out(
		`  upgrade through requests: ${u.requests} requests, ${Math.round(u.totalMs)} ms in all, the longest ${Math.round(u.longestMs)} ms` +
			` (${((u.totalMs * 1000) / users).toFixed(1)} µs a user); the same request afterwards ${Math.round(u.plainMs)} ms`,
	);
}

interface BigSite {
	run: Run;
	upgrade: Upgrade;
	seedMs: number;
}

/** The same site grown to BIG users (by SQL: seconds), one round and one upgrade: enough on a 2-core machine. */
async function bigSite(site: Site): Promise<BigSite> {
	process.stderr.write(`${BIG} users\n`);
	await lab.resetSite(site);
	const started = performance.now();
	await lab.seedUsersBySql(site, BIG, { prefix: 'actbig', role: 'subscriber' });
	const seedMs = performance.now() - started;
	const run = await round(site, true);
	return { run, upgrade: await upgrade(site), seedMs };
}

async function main(): Promise<void> {
	out(`machine: ${machine()}`);
	const [site] = await lab.up({ count: 1 });
	await plainSites(site);
	await unplug(site);
	const seedStarted = performance.now();
	await lab.seedUsersBySql(site, N, { prefix: 'actbench', role: 'subscriber' });
	const seedMs = performance.now() - seedStarted;
	const users = N + 2;
	const runs: Run[] = [];
	let small: Upgrade | undefined;
	let big: BigSite | undefined;
	try {
		// Warm: PHP's opcache and MariaDB's buffer pool with these tables.
		await phpMs(site, BARE_INSERT);
		await unplug(site);
		for (let run = 0; run < RUNS; run++) {
			process.stderr.write(`${N} users, run ${run + 1}/${RUNS}\n`);
			runs.push(await round(site, run % 2 === 0));
		}
		small = await upgrade(site);
		if (BIG > 0) big = await bigSite(site);
	} finally {
		await unplug(site);
		await lab.resetSite(site);
	}

	out(
		`\nActivating the bridge on a site of ${users} users it never saw (${N} seeded by SQL in ${(seedMs / 1000).toFixed(1)} s), ${RUNS} runs:`,
	);
	report(users, runs);
	if (small) reportUpgrade(users, small);
	if (big) {
		out(`\n${BIG + 2} users (seeded by SQL in ${(big.seedMs / 1000).toFixed(1)} s), one run:`);
		report(BIG + 2, [big.run]);
		reportUpgrade(BIG + 2, big.upgrade);
	}
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`bench failed: ${error.stack}\n`);
		process.exit(1);
	},
);
