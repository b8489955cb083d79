'use strict';
/**
 * The WordPress lab: N independent real WordPress sites (Debian's WordPress, MariaDB) on 127.0.0.1 ports.
 * Used by jest's global setup, the tests and lab/cli.js. Node stdlib only.
 *
 * Each site runs its own WordPress release (lab/wordpress.js: 6.1.9 from bookworm, 6.8.7 from trixie's package
 * unpacked into the cache) under its own server: `php -S` (lab/server.js) or nginx + PHP-FPM (lab/fpm.js).
 * Chosen per site by up({ wp, server }), else HUS_LAB_WP / HUS_LAB_SERVER ("6.8" for every site, or one per site:
 * "6.1,6.8,6.8"; "php" or "fpm"), else what the site ran before (state.json), else 6.1 under php -S.
 *
 * State lives in labDir(): state.json (sites, credentials), and per site <name>/ with wp-content/, server.pid and
 * server.log (php -S) or nginx.conf, nginx.pid, nginx-error.log, php-fpm.conf, php-fpm.pid, php-fpm.log (FPM),
 * and php-errors.log (WordPress).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { LabError, run, pidAlive, sleep, tailFile, tailText, addSecret, redact } = require('./util');
const db = require('./mariadb');
const { configName, configOwner, writeConfig, removeConfigs } = require('./wpconfig');
const server = require('./server');
const fpm = require('./fpm');
const wordpress = require('./wordpress');
const { assertPortsAreOurs, claimDatabase } = require('./ownership');

const ADMIN_PASSWORD = 'admin-lab-password';
const EDITOR_PASSWORD = 'editor-lab-password';
const SEED_PASSWORD = 'seed-lab-password';
const PHP_DIR = path.join(__dirname, 'php');
const MU_PLUGIN = path.join(__dirname, 'mu-plugins', 'lab-site.php');
const DEPS_SCRIPT = path.join(__dirname, '..', 'scripts', 'lab-deps.sh');

const T0 = Date.now();
const debug = (...a) =>
	process.env.HUS_LAB_DEBUG && console.error(`[lab +${Date.now() - T0} ms]`, ...a);
const labDir = () =>
	process.env.HUS_LAB_DIR || path.join(os.homedir(), '.cache', 'harmonyuser-sync', 'lab');
const stateFile = () => path.join(labDir(), 'state.json');

function readState() {
	try {
		return JSON.parse(fs.readFileSync(stateFile(), 'utf8'));
	} catch {
		return null;
	}
}

function writeState(state) {
	fs.writeFileSync(`${stateFile()}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
	fs.renameSync(`${stateFile()}.tmp`, stateFile());
}

/** Where a site lives; credentials are filled in by `up`. */
function siteShape(index, portBase) {
	const name = `site${index + 1}`;
	const dir = path.join(labDir(), name);
	const port = portBase + index;
	return {
		name,
		index,
		url: `http://127.0.0.1:${port}`,
		port,
		db: `hus_p${port}`,
		dir,
		contentDir: path.join(dir, 'wp-content'),
	};
}

const SERVERS = ['php', 'fpm'];

/** Each site's server ('php' or 'fpm') from a spec like lab/wordpress.js's perSite. */
function serversPerSite(spec, count, fallback) {
	const list =
		spec === undefined || spec === null || spec === ''
			? []
			: Array.isArray(spec)
				? spec
				: String(spec).split(',');
	const names = list.map((s) => String(s).trim().toLowerCase()).filter(Boolean);
	const check = (v) => {
		const name = v === 'nginx' || v === 'php-fpm' ? 'fpm' : v === 'php-s' ? 'php' : v;
		if (!SERVERS.includes(name))
			throw new LabError(
				`server "${v}": the lab runs php (php -S) or fpm (nginx + PHP-FPM) (HUS_LAB_SERVER, --server)`,
			);
		return name;
	};
	return Array.from({ length: count }, (_, i) =>
		names.length === 1 ? check(names[0]) : i < names.length ? check(names[i]) : fallback(i),
	);
}

/** A recorded site as today's code describes it (state.json written before versions and servers were recorded). */
function normalized(site) {
	return { wpVersion: '6.1.9', wpRoot: server.WP_ROOT, server: 'php', ...site };
}

function fileSize(file) {
	try {
		return fs.statSync(file).size;
	} catch {
		return 0;
	}
}

/** What was appended to a log since it had `from` bytes (the last 20 lines of it). */
function newLogLines(file, from) {
	try {
		const buf = fs.readFileSync(file);
		return tailText(buf.subarray(from).toString());
	} catch {
		return '';
	}
}

/** Runs one of lab/php/*.php for a site; resolves the JSON result (or raw stdout when raw). */
async function runPhp(site, script, input, { raw = false, timeoutMs = 300000 } = {}) {
	const env = {
		...process.env,
		HUS_LAB_CONFIG: configName(site),
		HUS_LAB_URL: site.url,
		HUS_WP_ROOT: site.wpRoot || server.WP_ROOT,
	};
	const args = ['-d', 'display_errors=stderr', '-d', 'memory_limit=1G', path.join(PHP_DIR, script)];
	const errorLog = path.join(labDir(), site.name, 'php-errors.log');
	const logSize = fileSize(errorLog);
	const r = await run('php', args, {
		input: typeof input === 'string' ? input : JSON.stringify(input),
		env,
		timeoutMs,
	});
	if (r.code !== 0) {
		const log = newLogLines(errorLog, logSize);
		throw new LabError(
			redact(`${site.name}: php ${script} failed (exit ${r.code}):`),
			redact(tailText(`${r.stderr}\n${r.stdout}`) + (log ? `\n-- php-errors.log --\n${log}` : '')),
		);
	}
	if (raw) return r.stdout;
	const line = r.stdout
		.split('\n')
		.reverse()
		.find((l) => l.startsWith('HUS_JSON:'));
	if (!line)
		throw new LabError(
			`${site.name}: php ${script} printed no result`,
			redact(tailText(r.stdout + r.stderr)),
		);
	return JSON.parse(line.slice('HUS_JSON:'.length));
}

/** Dependencies: fast file checks; scripts/lab-deps.sh (apt) only when something is missing. */
async function ensureDeps({ fpm: needFpm = false } = {}) {
	const hasPhp = (process.env.PATH || '')
		.split(':')
		.some((d) => fs.existsSync(path.join(d, 'php')));
	const hasFpm = !needFpm || fpm.available();
	if (
		hasPhp &&
		hasFpm &&
		fs.existsSync(path.join(server.WP_ROOT, 'wp-settings.php')) &&
		fs.existsSync('/usr/sbin/mariadbd')
	)
		return;
	const r = await run('bash', [DEPS_SCRIPT], { timeoutMs: 900000 });
	if (r.code !== 0)
		throw new LabError(
			'installing the lab dependencies (scripts/lab-deps.sh) failed',
			tailText(r.stderr + r.stdout),
		);
}

/** A lock so two `up`/`down` (jest + CLI) never interleave. */
async function withLock(fn) {
	fs.mkdirSync(labDir(), { recursive: true });
	const lock = path.join(labDir(), '.lock');
	const deadline = Date.now() + 180000;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if (e.code !== 'EEXIST') throw e;
			let holder = 0;
			try {
				holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
			} catch {
				/* being created */
			}
			if (holder && !pidAlive(holder)) fs.rmSync(lock, { recursive: true, force: true });
			else if (Date.now() > deadline)
				throw new LabError(`the lab is locked by process ${holder} (${lock})`);
			else await sleep(100);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

function prepareContentDir(site) {
	for (const d of ['mu-plugins', 'plugins', 'uploads'])
		fs.mkdirSync(path.join(site.contentDir, d), { recursive: true });
	const themes = path.join(site.contentDir, 'themes');
	const ownThemes = path.join(site.wpRoot, 'wp-content', 'themes');
	let linked = null;
	try {
		linked = fs.readlinkSync(themes);
	} catch {
		/* none yet, or a real directory (kept) */
	}
	if (linked !== null && linked !== ownThemes) fs.rmSync(themes);
	if (!fs.existsSync(themes)) fs.symlinkSync(ownThemes, themes);
	fs.copyFileSync(MU_PLUGIN, path.join(site.contentDir, 'mu-plugins', 'hus-lab-site.php'));
}

/**
 * What the site's database holds: 'current' (installed by this release), 'none', or 'emptied': a database another
 * release installed is emptied first, since 6.1 cannot run on 6.8's schema and 6.8 would upgrade 6.1's in place.
 */
async function databaseState(site) {
	let installed;
	try {
		installed = Number(
			(
				await db.dbSql(
					site.db,
					"SELECT option_value FROM wp_options WHERE option_name = 'db_version'",
				)
			).trim(),
		);
	} catch {
		return 'none'; // no wp_options
	}
	if (!installed) return 'none';
	if (installed === site.wpDbVersion) return 'current';
	await db.rootSql(
		`DROP DATABASE IF EXISTS \`${site.db}\`; CREATE DATABASE \`${site.db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
		`emptying ${site.db} for WordPress ${site.wpVersion}`,
	);
	return 'emptied';
}

/** Starts (or keeps) the site's server, stopping the other kind; resolves { pid, fpmPid?, fresh }. */
async function ensureServer(shape) {
	if (shape.server === 'fpm') {
		await server.stop(server.readPid(shape));
		fs.rmSync(server.files(shape).pid, { force: true });
		return fpm.ensure(shape);
	}
	await fpm.stop(shape);
	let pid = server.runningPid(shape);
	if (pid) return { pid, fresh: false };
	await server.stop(server.readPid(shape)); // a stale server of this site (other port, dir or WordPress)
	pid = await server.start(shape);
	return { pid, fresh: true };
}

/** GET a REST path with Basic auth; resolves { status, body }. */
async function restGet(site, account, route) {
	const auth = Buffer.from(`${account.username}:${account.appPassword}`).toString('base64');
	const res = await fetch(`${site.url}${route}`, {
		headers: { Authorization: `Basic ${auth}` },
		signal: AbortSignal.timeout(15000),
	});
	const text = await res.text();
	let body = null;
	try {
		body = JSON.parse(text);
	} catch {
		/* not JSON */
	}
	return { status: res.status, body, text };
}

/** Checks both credentials over HTTP; with rounds > 0 also warms every php -S worker. */
async function verifyAndWarm(site, rounds) {
	const me = '/wp-json/wp/v2/users/me?context=edit';
	for (const [who, role] of [
		['admin', 'administrator'],
		['editor', 'editor'],
	]) {
		const r = await restGet(site, site[who], me);
		if (r.status !== 200 || !(r.body?.roles || []).includes(role)) {
			throw new LabError(
				`${site.name}: GET ${me} as ${who} with its application password gave ${r.status}, expected 200 with role ${role}`,
				redact(
					`${r.text.slice(0, 500)}\n-- php-errors.log --\n${tailFile(path.join(site.dir, 'php-errors.log'), 10)}\n-- ${path.basename(site.serverLog)} --\n${tailFile(site.serverLog, 10)}`,
				),
			);
		}
	}
	for (let i = 0; i < rounds; i++) {
		await Promise.all(
			Array.from({ length: 8 }, (_, k) =>
				k % 2 ? restGet(site, site.admin, me) : fetch(`${site.url}/`).then((r) => r.text()),
			),
		);
	}
}

/**
 * Starts (or keeps) `count` sites. `wp`: one WordPress release for every site ('6.8') or one per site
 * (['6.1', '6.8'] or '6.1,6.8'), default HUS_LAB_WP, else each site's recorded release, else 6.1. `server`: 'php'
 * (php -S) or 'fpm' (nginx + PHP-FPM), the same way (HUS_LAB_SERVER). A site whose release changes is installed
 * afresh (new database, new application passwords).
 */
async function up({
	count = 3,
	portBase = Number(process.env.HUS_LAB_PORT_BASE || 8681),
	wp = process.env.HUS_LAB_WP,
	server: servers = process.env.HUS_LAB_SERVER,
} = {}) {
	if (!Number.isInteger(count) || count < 1)
		throw new LabError(`up: count must be a positive integer (got ${count})`);
	const old = readState();
	const recorded = (i) => old?.sites?.find((s) => s.name === `site${i + 1}`);
	const families = wordpress.perSite(wp, count, (i) =>
		wordpress.familyOfVersion(recorded(i)?.wpVersion),
	);
	const kinds = serversPerSite(servers, count, (i) => recorded(i)?.server || 'php');
	await ensureDeps({ fpm: kinds.includes('fpm') });
	const releases = {};
	for (const f of new Set(families)) releases[f] = await wordpress.release(f); // downloads once, before the sites start
	debug(
		'WordPress',
		Object.values(releases)
			.map((r) => `${r.wpVersion} in ${r.wpRoot}`)
			.join(', '),
	);
	const newDir = !fs.existsSync(labDir());
	return withLock(async () => {
		await db.ensureServer();
		debug('mariadb answers');
		const shapes = Array.from({ length: count }, (_, i) => ({
			...siteShape(i, portBase),
			...releases[families[i]],
			server: kinds[i],
		}));
		// Before anything is written: ports another lab serves (or anything else listens on) are refused.
		await assertPortsAreOurs(shapes, labDir()).catch((e) => {
			if (newDir) fs.rmSync(labDir(), { recursive: true, force: true }); // a refused first `up` leaves no lab dir
			throw e;
		});
		debug("ports are this lab's");
		await db.ensureDatabases(shapes.map((s) => s.db));

		const sites = await Promise.all(
			shapes.map(async (shape) => {
				const prev = recorded(shape.index);
				const errorLog = path.join(shape.dir, 'php-errors.log');
				prepareContentDir(shape);
				writeConfig(shape, { errorLog });
				const installed = await databaseState(shape);
				const reinstalled = installed === 'emptied';
				if (reinstalled) debug(shape.name, `database emptied for WordPress ${shape.wpVersion}`);
				// Start (or keep) the server while WordPress installs.
				const running = await ensureServer(shape);
				debug(
					shape.name,
					`${shape.server === 'fpm' ? 'nginx + PHP-FPM' : 'php -S'} ${running.fresh ? 'started' : 'kept'}, WordPress ${shape.wpVersion}`,
				);
				if (installed !== 'current')
					await runPhp(shape, 'install.php', {
						title: `HarmonyUser lab ${shape.name}`,
						adminPassword: ADMIN_PASSWORD,
					});
				await claimDatabase(shape, labDir());
				debug(shape.name, 'installed');
				const keep = !reinstalled && prev;
				const acc = await runPhp(shape, 'accounts.php', {
					adminPassword: ADMIN_PASSWORD,
					editorPassword: EDITOR_PASSWORD,
					appPasswords: {
						admin: keep ? prev.admin?.appPassword : undefined,
						editor: keep ? prev.editor?.appPassword : undefined,
					},
				});
				addSecret(acc.admin.appPassword);
				addSecret(acc.editor.appPassword);
				const { wpDbVersion, ...described } = shape;
				const fpmFiles = fpm.files(shape);
				const site = {
					...described,
					admin: {
						username: 'admin',
						password: ADMIN_PASSWORD,
						appPassword: acc.admin.appPassword,
						id: acc.admin.id,
					},
					editor: {
						username: 'editor',
						password: EDITOR_PASSWORD,
						appPassword: acc.editor.appPassword,
						id: acc.editor.id,
					},
					pid: running.pid,
					...(shape.server === 'fpm'
						? { fpmPid: running.fpmPid, serverLog: fpmFiles.nginxLog, fpmLog: fpmFiles.fpmLog }
						: { serverLog: server.files(shape).log }),
					errorLog,
				};
				debug(shape.name, 'accounts ready');
				if (shape.server === 'fpm') await fpm.waitReady(site, running);
				else await server.waitReady(site, running.pid);
				await verifyAndWarm(site, running.fresh ? 3 : 0);
				debug(shape.name, 'verified' + (running.fresh ? ' and warmed' : ''));
				return site;
			}),
		);
		writeState({ running: true, portBase, updatedAt: new Date().toISOString(), sites });
		return sites;
	});
}

async function down({ purge = false } = {}) {
	const known = readState()?.sites ?? [];
	if (!fs.existsSync(labDir())) return;
	await withLock(async () => {
		const dirs = fs.readdirSync(labDir()).filter((d) => /^site\d+$/.test(d));
		await Promise.all(
			dirs.map(async (name) => {
				const dir = path.join(labDir(), name);
				await Promise.all([server.stop(server.readPid({ dir })), fpm.stop({ dir, name })]);
				fs.rmSync(path.join(dir, 'server.pid'), { force: true });
			}),
		);
		const state = readState();
		if (state) writeState({ ...state, running: false, updatedAt: new Date().toISOString() });
	});
	if (purge) {
		// Only this lab's sites: labs on other port bases keep theirs, and so does a lab that took a port over since.
		const ours = known.filter((site) => {
			const owner = configOwner(site);
			return !owner || path.resolve(owner) === path.resolve(labDir());
		});
		removeConfigs(ours);
		if (await db.ping()) await db.dropLabDatabases(ours.map((site) => site.db));
		fs.rmSync(labDir(), { recursive: true, force: true });
	}
}

/** Sync: the sites of the running lab (from the state file). */
function sites() {
	const state = readState();
	if (!state)
		throw new LabError(
			`the WordPress lab is not up: no ${stateFile()} (run \`npm run lab -- up\`, or jest's global setup)`,
		);
	if (!state.running)
		throw new LabError(`the WordPress lab is down (${stateFile()}); run \`npm run lab -- up\``);
	for (const s of state.sites) {
		if (!pidAlive(s.pid))
			throw new LabError(
				`the WordPress lab is not running: ${s.name}'s server (pid ${s.pid}, ${s.url}) is gone; run \`npm run lab -- up\``,
			);
		if (s.fpmPid && !pidAlive(s.fpmPid))
			throw new LabError(
				`the WordPress lab is not running: ${s.name}'s PHP-FPM (pid ${s.fpmPid}, ${s.url}) is gone; run \`npm run lab -- up\``,
			);
		addSecret(s.admin.appPassword);
		addSecret(s.editor.appPassword);
	}
	return state.sites.map(normalized);
}

function site(i) {
	const all = sites();
	if (!all[i])
		throw new LabError(
			`lab site index ${i} does not exist (the lab has ${all.length} sites, 0-based)`,
		);
	return all[i];
}

/** Deletes every user but the admin (ID 1) and the lab editor, with their meta. */
async function resetSite(s) {
	const keep = `1, ${Number(s.editor.id)}`;
	await db.dbSql(
		s.db,
		`DELETE FROM wp_usermeta WHERE user_id NOT IN (${keep}); DELETE FROM wp_users WHERE ID NOT IN (${keep});`,
	);
}

/** n real users (wp_insert_user, hooks run), in one or two PHP processes; resolves their IDs in login order. */
async function seedUsers(
	s,
	n,
	{ prefix = 'seed', role = 'subscriber', meta = {}, start = 1, password = SEED_PASSWORD } = {},
) {
	if (!n) return [];
	// Two PHP processes are ~2.5x faster than one (each waits on MariaDB round trips); more do not help on 2 cores.
	const chunks = n >= 100 ? 2 : 1;
	const per = Math.ceil(n / chunks);
	const parts = await Promise.all(
		Array.from({ length: chunks }, (_, j) =>
			runPhp(s, 'seed-users.php', {
				prefix,
				n: Math.min(per, n - j * per),
				start: start + j * per,
				role,
				meta,
				password,
			}),
		),
	);
	return parts.flatMap((r) => r.ids);
}

function muName(name) {
	return name.endsWith('.php') ? name : `${name}.php`;
}

function installMuPlugin(s, sourceFile, name = path.basename(sourceFile)) {
	const dest = path.join(s.contentDir, 'mu-plugins', muName(name));
	fs.copyFileSync(sourceFile, `${dest}.tmp`);
	fs.renameSync(`${dest}.tmp`, dest);
	return dest;
}

function removeMuPlugin(s, name) {
	fs.rmSync(path.join(s.contentDir, 'mu-plugins', muName(name)), { force: true });
}

/** Symlinks a plugin (directory, or single .php file) into the site's plugins dir and activates it. */
async function installPlugin(s, source, slug = path.basename(source, '.php')) {
	const abs = path.resolve(source);
	const isFile = fs.statSync(abs).isFile();
	const dest = path.join(s.contentDir, 'plugins', isFile ? `${slug}.php` : slug);
	fs.rmSync(dest, { recursive: true, force: true });
	fs.symlinkSync(abs, dest);
	await runPhp(s, 'plugins.php', { action: 'activate', slug });
}

/** Deactivates a plugin and removes it from the site's plugins dir. */
async function deactivatePlugin(s, slug) {
	await runPhp(s, 'plugins.php', { action: 'deactivate', slug });
	for (const f of [slug, `${slug}.php`])
		fs.rmSync(path.join(s.contentDir, 'plugins', f), { recursive: true, force: true });
}

/**
 * Seeds n users straight into the tables, as WordPress itself would store them (wp_users plus the usermeta a new
 * user gets), with MariaDB's sequence engine: 100,000 users in seconds where seedUsers (wp_insert_user, every hook)
 * takes minutes. For size benchmarks only: no plugin hook sees these users. Logins and emails as seedUsers makes.
 */
async function seedUsersBySql(
	s,
	n,
	{ prefix = 'seed', role = 'subscriber', start = 1, password = SEED_PASSWORD } = {},
) {
	if (!n) return;
	if (!/^[a-z0-9]+$/i.test(prefix) || !/^[a-z_]+$/.test(role))
		throw new LabError('seedUsersBySql: prefix and role must be plain words');
	const hash = (await wpEval(s, `echo wp_hash_password(${JSON.stringify(password)});`)).trim();
	const name = prefix.charAt(0).toUpperCase() + prefix.slice(1);
	const first = Number(start);
	const last = first + Number(n) - 1;
	const caps = `a:1:{s:${role.length}:"${role}";b:1;}`;
	const meta = [
		['nickname', 'CONCAT(u.user_login)'],
		['first_name', `'${name}'`],
		['last_name', "CONCAT('User ', s.seq)"],
		['description', "''"],
		['rich_editing', "'true'"],
		['syntax_highlighting', "'true'"],
		['comment_shortcuts', "'false'"],
		['admin_color', "'fresh'"],
		['use_ssl', "'0'"],
		['show_admin_bar_front', "'true'"],
		['locale', "''"],
		['wp_capabilities', `'${caps}'`],
		['wp_user_level', "'0'"],
	];
	const join = `FROM seq_${first}_to_${last} s JOIN wp_users u ON u.user_login = CONCAT('${prefix}', s.seq)`;
	await sql(
		s,
		[
			'START TRANSACTION;',
			`INSERT INTO wp_users (user_login, user_pass, user_nicename, user_email, user_url, user_registered, user_activation_key, user_status, display_name)
       SELECT CONCAT('${prefix}', seq), '${hash.replace(/'/g, "''")}', CONCAT('${prefix}', seq), CONCAT('${prefix}', seq, '@example.test'), '', UTC_TIMESTAMP(), '', 0, CONCAT('${name} User ', seq)
       FROM seq_${first}_to_${last};`,
			...meta.map(
				([key, value]) =>
					`INSERT INTO wp_usermeta (user_id, meta_key, meta_value) SELECT u.ID, '${key}', ${value} ${join};`,
			),
			'COMMIT;',
		].join('\n'),
	);
	await wpEval(s, 'wp_update_user_counts();');
}

/** Runs PHP code (no `<?php` needed) with WordPress loaded for the site; resolves its stdout. */
function wpEval(s, phpCode) {
	return runPhp(s, 'eval.php', phpCode, { raw: true });
}

/** Runs SQL on the site's database; tab-separated rows, no header line (pass { headers: true } for one). */
function sql(s, query, opts) {
	return db.dbSql(s.db, query, opts);
}

module.exports = {
	up,
	down,
	sites,
	site,
	resetSite,
	seedUsers,
	seedUsersBySql,
	installMuPlugin,
	removeMuPlugin,
	installPlugin,
	deactivatePlugin,
	wpEval,
	sql,
	labDir,
	ADMIN_PASSWORD,
	EDITOR_PASSWORD,
	SEED_PASSWORD,
	LabError,
};
