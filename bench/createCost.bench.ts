/**
 * Create cost benchmark (not a test): what one user create costs on WordPress 6.1.9 and 6.8.7 side by side, and what
 * the bridge saves when the create carries the source's password hash (the REST API still needs a throwaway
 * password, which 6.8 hashes with bcrypt at cost 10, about 50 ms; the bridge hashes it at cost 4 when the source's
 * hash replaces it in the same request). Variants, interleaved round by round on the same sites:
 *   random password       what a sync sends when no password is synced, the bridge not told
 *   throwaway flag        + harmonyuser_throwaway_password: the bridge stores a random password of its own, cheaply
 *   hash, full-cost       + harmonyuser_password_hash, the shortcut turned off (what the bridge did before)
 *   hash, shortcut        + harmonyuser_password_hash, the bridge's default
 * Single creates one at a time, then batches of 25 through /batch/v1. Both sites run nginx + PHP-FPM (4 workers):
 * the integration-wp68 project's lab (lab/harness/labs.js), its 6.8 site 1 and 6.1 site 4.
 * Run: bash scripts/with-node24.sh npx tsx bench/createCost.bench.ts [rounds=40] [batches=6]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { installBridge } from '../lab/harness/bridge';
import { basicAuth } from './lib/wordpress';
import { machine, median, out, percentile, ratio, spread } from './lib/stats';

const { modernLab } = require('../lab/harness/labs') as { modernLab: () => Record<string, string> };

const ROUNDS = Number(process.argv[2] ?? 40);
const BATCHES = Number(process.argv[3] ?? 6);
const WARMUP = 5;
const BATCH = 25;
const PREFIX = 'hcb';
const NO_SHORTCUT_HEADER = 'X-HUS-Bench-No-Shortcut';
const MU = `<?php
// Bench only: requests with the ${NO_SHORTCUT_HEADER} header hash the throwaway password at full cost.
add_filter('harmonyuser_bridge_cheap_throwaway_hash', function ($cheap) {
    return empty($_SERVER['HTTP_X_HUS_BENCH_NO_SHORTCUT']) ? $cheap : false;
});
`;

type Variant = 'random password' | 'throwaway flag' | 'hash, full-cost' | 'hash, shortcut';
const VARIANTS: Variant[] = [
	'random password',
	'throwaway flag',
	'hash, full-cost',
	'hash, shortcut',
];

let serial = 0;
function payload(variant: Variant, hash: string): Record<string, unknown> {
	serial += 1;
	const login = `${PREFIX}${Date.now().toString(36)}${serial}`;
	return {
		username: login,
		email: `${login}@bench.test`,
		password: `Random-${Math.random().toString(36).slice(2)}-${serial}`,
		roles: ['subscriber'],
		...(variant === 'random password'
			? {}
			: variant === 'throwaway flag'
				? { harmonyuser_throwaway_password: true }
				: { harmonyuser_password_hash: hash }),
	};
}

const headers = (site: Site, variant: Variant) => ({
	Authorization: basicAuth(site),
	'Content-Type': 'application/json',
	...(variant === 'hash, full-cost' ? { [NO_SHORTCUT_HEADER]: '1' } : {}),
});

async function createOne(site: Site, variant: Variant, hash: string): Promise<number> {
	const start = performance.now();
	const res = await fetch(`${site.url}/wp-json/wp/v2/users`, {
		method: 'POST',
		headers: headers(site, variant),
		body: JSON.stringify(payload(variant, hash)),
	});
	await res.text();
	const ms = performance.now() - start;
	if (res.status !== 201) throw new Error(`${site.name} ${variant}: create → ${res.status}`);
	return ms;
}

async function createBatch(site: Site, variant: Variant, hash: string): Promise<number> {
	const requests = Array.from({ length: BATCH }, () => ({
		method: 'POST',
		path: '/wp/v2/users',
		body: payload(variant, hash),
	}));
	const start = performance.now();
	const res = await fetch(`${site.url}/wp-json/batch/v1`, {
		method: 'POST',
		headers: headers(site, variant),
		body: JSON.stringify({ requests }),
	});
	const body = (await res.json()) as { responses?: Array<{ status: number }> };
	const ms = performance.now() - start;
	if (res.status !== 207 || body.responses?.some((r) => r.status !== 201))
		throw new Error(`${site.name} ${variant}: batch → ${res.status}`);
	return ms;
}

async function main(): Promise<void> {
	Object.assign(process.env, modernLab());
	const sites = await lab.up({
		count: Number(process.env.HUS_LAB_SITES),
		wp: process.env.HUS_LAB_WP,
		server: process.env.HUS_LAB_SERVER,
	});
	const bySite = ['6.1', '6.8'].map((family) => {
		const site = sites.find((s) => s.wpVersion.startsWith(family));
		if (!site) throw new Error(`no ${family} site in ${lab.labDir()}`);
		return site;
	});
	const muFile = path.join(os.tmpdir(), `hus-bench-no-shortcut-${process.pid}.php`);
	fs.writeFileSync(muFile, MU);
	for (const site of bySite) {
		await installBridge(site);
		lab.installMuPlugin(site, muFile, 'hus-bench-no-shortcut');
		await lab.sql(
			site,
			`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login LIKE '${PREFIX}%'; DELETE FROM wp_users WHERE user_login LIKE '${PREFIX}%';`,
		);
	}
	fs.rmSync(muFile, { force: true });
	// What a 6.1 source sends (every WordPress verifies phpass).
	const hash = (
		await lab.wpEval(
			bySite[0],
			"require_once ABSPATH . WPINC . '/class-phpass.php'; echo (new PasswordHash(8, true))->HashPassword('Bench-pass-1');",
		)
	).trim();

	out(
		`# Create cost, WordPress ${bySite.map((s) => s.wpVersion).join(' vs ')}, nginx + PHP-FPM, ${new Date().toISOString()}`,
	);
	out(`# ${machine()}`);
	const single = new Map<string, number[]>();
	for (let round = 0; round < WARMUP + ROUNDS; round++) {
		for (const site of bySite) {
			for (const variant of VARIANTS) {
				const ms = await createOne(site, variant, hash);
				if (round >= WARMUP)
					single.set(`${site.wpVersion}|${variant}`, [
						...(single.get(`${site.wpVersion}|${variant}`) ?? []),
						ms,
					]);
			}
		}
	}
	out(`\n## One REST create at a time (${ROUNDS} each, after ${WARMUP} warm-up rounds)`);
	out('| WordPress | variant | median | p95 | spread |');
	out('|---|---|---|---|---|');
	for (const site of bySite) {
		for (const variant of VARIANTS) {
			const xs = single.get(`${site.wpVersion}|${variant}`) ?? [];
			out(
				`| ${site.wpVersion} | ${variant} | ${median(xs).toFixed(1)} ms | ${percentile(xs, 95).toFixed(1)} ms | ${spread(xs)} ms |`,
			);
		}
	}
	for (const site of bySite) {
		const m = (v: Variant) => median(single.get(`${site.wpVersion}|${v}`) ?? []);
		out(
			`  ${site.wpVersion}: with a hash, shortcut ${ratio(m('hash, shortcut'), m('hash, full-cost'))} of full-cost; without, the throwaway flag ${ratio(m('throwaway flag'), m('random password'))} of a random password`,
		);
	}
	const m61 = median(single.get(`${bySite[0].wpVersion}|hash, shortcut`) ?? []);
	const m68 = median(single.get(`${bySite[1].wpVersion}|hash, shortcut`) ?? []);
	const f68 = median(single.get(`${bySite[1].wpVersion}|hash, full-cost`) ?? []);
	const f61 = median(single.get(`${bySite[0].wpVersion}|hash, full-cost`) ?? []);
	out(
		`  6.8 / 6.1 with the hash: ${ratio(f68, f61)} full-cost, ${ratio(m68, m61)} with the shortcut`,
	);

	const batches = new Map<string, number[]>();
	for (let round = 0; round < 1 + BATCHES; round++) {
		for (const site of bySite) {
			for (const variant of ['hash, full-cost', 'hash, shortcut'] as Variant[]) {
				const ms = await createBatch(site, variant, hash);
				if (round >= 1)
					batches.set(`${site.wpVersion}|${variant}`, [
						...(batches.get(`${site.wpVersion}|${variant}`) ?? []),
						ms,
					]);
			}
		}
	}
	out(
		`\n## Batches of ${BATCH} creates with the hash through /batch/v1 (${BATCHES} each, after 1 warm-up)`,
	);
	out('| WordPress | variant | median per batch | per user | spread |');
	out('|---|---|---|---|---|');
	for (const site of bySite) {
		for (const variant of ['hash, full-cost', 'hash, shortcut'] as Variant[]) {
			const xs = batches.get(`${site.wpVersion}|${variant}`) ?? [];
			out(
				`| ${site.wpVersion} | ${variant} | ${Math.round(median(xs))} ms | ${(median(xs) / BATCH).toFixed(1)} ms | ${spread(xs)} ms |`,
			);
		}
	}
	for (const site of bySite) {
		await lab.sql(
			site,
			`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login LIKE '${PREFIX}%'; DELETE FROM wp_users WHERE user_login LIKE '${PREFIX}%';`,
		);
		lab.removeMuPlugin(site, 'hus-bench-no-shortcut');
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
