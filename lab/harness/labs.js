'use strict';
/**
 * The two labs the integration tests run against (jest.config.js: one project each); the benchmarks that need
 * WordPress 6.8 under PHP-FPM use the second.
 *
 *   integration        the lab HUS_LAB_DIR / HUS_LAB_PORT_BASE name (default ~/.cache/harmonyuser-sync/lab, 8681):
 *                      HUS_LAB_SITES sites (default 10) of WordPress HUS_LAB_WP (default 6.1) under HUS_LAB_SERVER
 *                      (default php: PHP's built-in server). Most tests use sites 1–3; the network mesh test
 *                      (test/e2e/networkMesh.test.ts) needs 10, and is skipped with fewer. Ten php -S sites are
 *                      cheap: 7 more cost ~7 s to install once, ~1.6 s at each later `up`, ~320 MiB (PSS) and
 *                      no CPU while idle.
 *   integration-wp68   the production stack: its own lab beside that one (dir <lab dir>-wp68, port base + 50, or
 *                      HUS_LAB_WP68_DIR / HUS_LAB_WP68_PORT_BASE), sites 1–3 on WordPress 6.8 and site 4 on 6.1 (the
 *                      cross-version tests' old site), all under nginx + PHP-FPM.
 *
 * Node stdlib only: jest's global setup (the outer process) and setup files (each test file's sandbox) load it.
 */
const os = require('node:os');
const path = require('node:path');

const DEFAULT_DIR = () => path.join(os.homedir(), '.cache', 'harmonyuser-sync', 'lab');

/** Environment of the first project's lab (what the tests' lab.* calls read). */
function classicLab(env = process.env) {
	return {
		HUS_LAB_DIR: env.HUS_LAB_DIR || DEFAULT_DIR(),
		HUS_LAB_PORT_BASE: String(env.HUS_LAB_PORT_BASE || 8681),
		HUS_LAB_WP: env.HUS_LAB_WP || '6.1',
		HUS_LAB_SERVER: env.HUS_LAB_SERVER || 'php',
		HUS_LAB_SITES: String(env.HUS_LAB_SITES || 10),
	};
}

/** Environment of the 6.8 + nginx/PHP-FPM project's lab. */
function modernLab(env = process.env) {
	const classic = classicLab(env);
	return {
		HUS_LAB_DIR: env.HUS_LAB_WP68_DIR || `${classic.HUS_LAB_DIR.replace(/\/+$/, '')}-wp68`,
		HUS_LAB_PORT_BASE: String(env.HUS_LAB_WP68_PORT_BASE || Number(classic.HUS_LAB_PORT_BASE) + 50),
		HUS_LAB_WP: '6.8,6.8,6.8,6.1',
		HUS_LAB_SERVER: 'fpm',
		HUS_LAB_SITES: '4',
	};
}

/** Runs fn with these variables in process.env, then puts the previous values back. */
async function withEnv(vars, fn) {
	const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
	Object.assign(process.env, vars);
	try {
		return await fn();
	} finally {
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	}
}

/** Brings a lab up from its environment (idempotent; fast when it is up). */
async function upLab(vars) {
	const lab = require('../lab');
	return withEnv(vars, () =>
		lab.up({
			count: Number(vars.HUS_LAB_SITES),
			portBase: Number(vars.HUS_LAB_PORT_BASE),
			wp: vars.HUS_LAB_WP,
			server: vars.HUS_LAB_SERVER,
		}),
	);
}

module.exports = { classicLab, modernLab, withEnv, upLab };
