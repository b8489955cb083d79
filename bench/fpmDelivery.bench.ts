/**
 * FPM delivery benchmark (not a test): what a receiver that does not answer costs a site's users under nginx +
 * PHP-FPM (4 workers), with the bridge before and after its background runner, side by side in one run, on
 * WordPress 6.1.9 and 6.8.7. Each round: 8 profile updates at once and, 20 ms in, an unrelated GET
 * /wp/v2/users/me; we time each as its client waits for it. Receivers:
 *   none          no subscription (the floor)
 *   black-holed   a subscription whose connections hang (a listener that never accepts: SYNs dropped)
 *   slow          a subscription whose receiver accepts and answers after 10 s
 * The "before" bridge is this repository's bridge at BEFORE (the commit before the runner), unpacked by git archive
 * and installed under a slug of its own (PHP's realpath cache would otherwise keep running the other copy).
 * Before each round the queue and the receiver back-off are emptied, so every round meets a fresh bad receiver.
 * Sites: the integration-wp68 project's lab (lab/harness/labs.js), its 6.8 site 1 and 6.1 site 4.
 * Run: bash scripts/with-node24.sh npx tsx bench/fpmDelivery.bench.ts [rounds=5] [before=<commit>]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { NS, PLUGIN_DIR, SLUG, clearWebhooks, removeBridge } from '../lab/harness/bridge';
import { BlackHole } from '../lab/harness/blackHole';
import { WebhookReceiver } from '../lab/harness/webhookReceiver';
import { basicAuth } from './lib/wordpress';
import { machine, median, out } from './lib/stats';

const { modernLab } = require('../lab/harness/labs') as { modernLab: () => Record<string, string> };

const ROUNDS = Number(process.argv[2] ?? 5);
/** The last commit whose bridge delivered in the request (after fastcgi_finish_request under FPM). */
const BEFORE = process.argv[3] ?? 'bae53346917bade06a1bf1408310393690091e6f';
const BURST = 8;
const PREFIX = 'fdb';
/** A slug of this run's own: PHP-FPM workers cache where a plugin's path led (realpath cache, 2 minutes). */
const BEFORE_SLUG = `${SLUG}-before-${process.pid}`;

/** Neither copy of the bridge active (also when an interrupted run left one whose files are gone). */
async function noBridge(site: Site): Promise<void> {
	await removeBridge(site).catch(() => undefined);
	await lab.wpEval(
		site,
		`update_option('active_plugins', array_values(array_filter((array) get_option('active_plugins'), function ($p) { return strpos($p, '${SLUG}-before') !== 0; })));`,
	);
	const plugins = path.join(site.contentDir, 'plugins');
	for (const entry of fs.readdirSync(plugins))
		if (entry.startsWith(`${SLUG}-before`))
			fs.rmSync(path.join(plugins, entry), { recursive: true, force: true });
}

type Receiver = 'none' | 'black-holed' | 'slow';
interface Round {
	updateMedian: number;
	updateMax: number;
	unrelated: number;
}

async function call(site: Site, method: string, route: string, body?: unknown): Promise<number> {
	const start = performance.now();
	const res = await fetch(`${site.url}/wp-json${route}`, {
		method,
		headers: { Authorization: basicAuth(site), 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	await res.text();
	if (res.status !== 200 && res.status !== 201)
		throw new Error(`${site.name} ${method} ${route} → ${res.status}`);
	return performance.now() - start;
}

async function burst(site: Site, ids: number[], round: string): Promise<Round> {
	const updates = ids.map((id) =>
		call(site, 'POST', `/wp/v2/users/${id}`, { first_name: `${round}-${id}` }),
	);
	await new Promise((resolve) => setTimeout(resolve, 20));
	const unrelated = await call(site, 'GET', '/wp/v2/users/me?context=edit');
	const times = await Promise.all(updates);
	return { updateMedian: median(times), updateMax: Math.max(...times), unrelated };
}

/** Waits until the site's PHP workers are idle again (a bad receiver may still hold them after a round). */
async function drained(site: Site): Promise<void> {
	const deadline = Date.now() + 60000;
	while (Date.now() < deadline) {
		const t = await Promise.all(
			Array.from({ length: 4 }, () => call(site, 'GET', '/wp/v2/users/me')),
		);
		if (Math.max(...t) < 1000) return;
	}
}

function unpackBefore(): string {
	const dir = fs.mkdtempSync(path.join(lab.labDir(), 'bench-bridge-before-'));
	const tar = execFileSync('git', ['archive', BEFORE, `bridge/${SLUG}`], {
		cwd: path.join(__dirname, '..'),
		maxBuffer: 64 * 2 ** 20,
	});
	execFileSync('tar', ['-x', '-C', dir], { input: tar });
	return path.join(dir, 'bridge', SLUG);
}

async function main(): Promise<void> {
	Object.assign(process.env, modernLab());
	const sites = await lab.up({
		count: Number(process.env.HUS_LAB_SITES),
		wp: process.env.HUS_LAB_WP,
		server: process.env.HUS_LAB_SERVER,
	});
	const targets = ['6.1', '6.8'].map((family) => {
		const site = sites.find((s) => s.wpVersion.startsWith(family) && s.server === 'fpm');
		if (!site) throw new Error(`no ${family} site under nginx + PHP-FPM in ${lab.labDir()}`);
		return site;
	});
	const beforeDir = unpackBefore();
	const secret = randomBytes(16).toString('hex');
	const hole = new BlackHole();
	const slow = new WebhookReceiver(secret);
	slow.delayMs = 10000;
	await Promise.all([hole.start(), slow.start()]);

	out(
		`# FPM delivery, WordPress ${targets.map((s) => s.wpVersion).join(' and ')} under nginx + PHP-FPM (4 workers), ${new Date().toISOString()}`,
	);
	out(`# ${machine()}`);
	out(
		`# before: bridge at ${BEFORE.slice(0, 10)} (delivers in the request, after fastcgi_finish_request); after: this checkout (background runner)`,
	);
	out(
		`# ${ROUNDS} rounds each of ${BURST} updates at once + an unrelated GET 20 ms in; medians over rounds`,
	);
	out('\n| WordPress | bridge | receiver | update, median | update, slowest | unrelated GET |');
	out('|---|---|---|---|---|---|');
	const results: Record<string, Round> = {};
	for (const site of targets) {
		const ids: number[] = [];
		await noBridge(site);
		await lab.sql(
			site,
			`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login LIKE '${PREFIX}%'; DELETE FROM wp_users WHERE user_login LIKE '${PREFIX}%';`,
		);
		for (let i = 0; i < BURST; i++) {
			const login = `${PREFIX}${Date.now().toString(36)}${i}`;
			const res = await fetch(`${site.url}/wp-json/wp/v2/users`, {
				method: 'POST',
				headers: { Authorization: basicAuth(site), 'Content-Type': 'application/json' },
				body: JSON.stringify({
					username: login,
					email: `${login}@bench.test`,
					password: `Pw-${login}`,
				}),
			});
			ids.push(((await res.json()) as { id: number }).id);
		}
		for (const [bridge, dir, slug] of [
			['before', beforeDir, BEFORE_SLUG],
			['after', PLUGIN_DIR, SLUG],
		] as const) {
			await noBridge(site);
			await lab.installPlugin(site, dir, slug);
			for (const receiver of ['none', 'black-holed', 'slow'] as Receiver[]) {
				await clearWebhooks(site);
				if (receiver !== 'none') {
					const url = receiver === 'black-holed' ? hole.url : slow.url;
					const r = await fetch(`${site.url}/wp-json${NS}/webhooks`, {
						method: 'POST',
						headers: { Authorization: basicAuth(site), 'Content-Type': 'application/json' },
						body: JSON.stringify({ url, secret }),
					});
					if (r.status !== 201) throw new Error(`subscribe ${receiver} → ${r.status}`);
				}
				const rounds: Round[] = [];
				await burst(site, ids, 'warm');
				for (let i = 0; i < ROUNDS; i++) {
					await drained(site);
					await lab.sql(
						site,
						"DELETE FROM wp_harmonyuser_queue; DELETE FROM wp_options WHERE option_name = 'harmonyuser_bridge_receiver_backoff';",
					);
					rounds.push(await burst(site, ids, `${bridge}-${receiver}-${i}`));
				}
				const r: Round = {
					updateMedian: median(rounds.map((x) => x.updateMedian)),
					updateMax: median(rounds.map((x) => x.updateMax)),
					unrelated: median(rounds.map((x) => x.unrelated)),
				};
				results[`${site.wpVersion}|${bridge}|${receiver}`] = r;
				out(
					`| ${site.wpVersion} | ${bridge} | ${receiver} | ${Math.round(r.updateMedian)} ms | ${Math.round(r.updateMax)} ms | ${Math.round(r.unrelated)} ms |`,
				);
			}
		}
		await clearWebhooks(site);
		await drained(site);
		await noBridge(site);
		await lab.sql(
			site,
			`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login LIKE '${PREFIX}%'; DELETE FROM wp_users WHERE user_login LIKE '${PREFIX}%';`,
		);
	}
	out(
		'\nAgainst no subscription (same bridge, same site): unrelated GET / slowest update, extra milliseconds',
	);
	for (const site of targets) {
		for (const bridge of ['before', 'after']) {
			const floor = results[`${site.wpVersion}|${bridge}|none`];
			const parts = (['black-holed', 'slow'] as Receiver[]).map((receiver) => {
				const r = results[`${site.wpVersion}|${bridge}|${receiver}`];
				return `${receiver} +${Math.round(r.unrelated - floor.unrelated)} / +${Math.round(r.updateMax - floor.updateMax)}`;
			});
			out(`  ${site.wpVersion} ${bridge.padEnd(6)} ${parts.join(', ')}`);
		}
	}
	await Promise.all([hole.stop(), slow.stop()]);
	fs.rmSync(path.dirname(path.dirname(beforeDir)), { recursive: true, force: true });
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
