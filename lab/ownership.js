'use strict';
/**
 * Which lab a port belongs to. Sites are named by port (config /etc/wordpress/config-hus-p<port>.php, database
 * hus_p<port>), so a second lab started on a port base another lab serves would point that lab's running sites
 * at its own content. `up` asks here first, before it writes any config or database, and refuses such a port.
 *
 * A port is another lab's when
 *  - its config names another lab dir that still exists (HUS_LAB_DIR in the config; configs written before that
 *    marker are known by their WP_CONTENT_DIR, <lab dir>/<site>/wp-content),
 *  - its database carries another existing lab dir (option hus_lab_dir, set by `up`), or
 *  - something listens on it that is not this lab's server for that site (the one its pid file records: php -S's
 *    server.pid, or the nginx.pid of a site under nginx + PHP-FPM).
 * A lab dir that is gone leaves stale files that `up` may take over (a purged lab removes its own).
 */
const fs = require('node:fs');
const path = require('node:path');
const { LabError } = require('./util');
const db = require('./mariadb');
const server = require('./server');
const fpm = require('./fpm');
const { configFile, configOwner } = require('./wpconfig');

const DB_OWNER_OPTION = 'hus_lab_dir';

/** The lab dir each existing database names (db name → lab dir); databases without the option are left out. */
async function databaseOwners(dbNames) {
	if (!dbNames.length || !(await db.ping())) return new Map();
	const list = dbNames.map((d) => `'${d}'`).join(', ');
	const withOptions = (
		await db.rootSql(
			`SELECT table_schema FROM information_schema.tables WHERE table_name = 'wp_options' AND table_schema IN (${list});`,
			'looking for lab databases',
		)
	)
		.split('\n')
		.filter(Boolean);
	if (!withOptions.length) return new Map();
	const query = withOptions
		.map(
			(d) =>
				`SELECT '${d}', option_value FROM \`${d}\`.wp_options WHERE option_name = '${DB_OWNER_OPTION}'`,
		)
		.join(' UNION ALL ');
	const rows = await db.rootSql(`${query};`, 'reading which lab owns the databases');
	return new Map(
		rows
			.split('\n')
			.filter(Boolean)
			.map((line) => line.split('\t')),
	);
}

const same = (a, b) => path.resolve(a) === path.resolve(b);

/** Best effort, for the message: "pid 123 (php8.2)" of the process listening on a loopback port, or ''. */
function listenerOf(port) {
	try {
		const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
		const inodes = new Set();
		for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
			for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
				const cols = line.trim().split(/\s+/);
				if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(`socket:[${cols[9]}]`);
			}
		}
		for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
			let fds = [];
			try {
				fds = fs.readdirSync(`/proc/${pid}/fd`);
			} catch {
				continue;
			}
			for (const fd of fds) {
				let link = '';
				try {
					link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
				} catch {
					continue;
				}
				if (inodes.has(link))
					return `pid ${pid} (${fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`;
			}
		}
	} catch {
		/* no /proc: the message goes without */
	}
	return '';
}

/**
 * Throws a LabError naming every refused port (and who has it) unless all of `shapes` are free for the lab in
 * `labDir` or already its own. Reads only: nothing is written.
 */
async function assertPortsAreOurs(shapes, labDir) {
	const dbOwners = await databaseOwners(shapes.map((s) => s.db));
	const problems = [];
	for (const shape of shapes) {
		const others = new Set();
		const evidence = [];
		const cfgOwner = configOwner(shape);
		if (cfgOwner && !same(cfgOwner, labDir) && fs.existsSync(cfgOwner)) {
			others.add(cfgOwner);
			evidence.push(`its config ${configFile(shape)}`);
		}
		const dbOwner = dbOwners.get(shape.db);
		if (dbOwner && !same(dbOwner, labDir) && fs.existsSync(dbOwner)) {
			others.add(dbOwner);
			evidence.push(`its database ${shape.db}`);
		}
		const ours = server.recordedServerRuns(shape) || fpm.recordedServerRuns(shape);
		const listening = !ours && (await server.portInUse(shape.port));
		if (others.size) {
			const owner = [...others].join(' and ');
			problems.push({
				port: shape.port,
				owner: [...others][0],
				text: `port ${shape.port} belongs to the lab in ${owner} (${evidence.join(', ')}${listening ? '; its server is running' : ''})`,
			});
		} else if (listening) {
			const who = listenerOf(shape.port);
			problems.push({
				port: shape.port,
				text: `port ${shape.port} is in use by ${who ? `${who}, ` : 'a process that is '}not this lab's server`,
			});
		}
	}
	if (!problems.length) return;
	const owners = [...new Set(problems.map((p) => p.owner).filter(Boolean))];
	const ports = shapes.map((s) => s.port);
	throw new LabError(
		[
			`lab ${labDir}: refusing ports ${ports[0]}${ports.length > 1 ? `-${ports[ports.length - 1]}` : ''}, nothing was written:`,
			...problems.map((p) => `  - ${p.text}`),
			'Choose another port base (HUS_LAB_PORT_BASE, or `npm run lab -- up --port-base N`)' +
				(owners.length
					? `, or remove that lab for good: ${owners.map((o) => `HUS_LAB_DIR=${o} npm run lab -- down --purge`).join('; ')}`
					: ''),
		].join('\n'),
	);
}

/** Marks a site's database as this lab's (read by assertPortsAreOurs). */
async function claimDatabase(site, labDir) {
	const value = labDir.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
	await db.dbSql(
		site.db,
		`INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('${DB_OWNER_OPTION}', '${value}', 'no') ` +
			'ON DUPLICATE KEY UPDATE option_value = VALUES(option_value);',
	);
}

module.exports = { assertPortsAreOurs, claimDatabase, DB_OWNER_OPTION };
