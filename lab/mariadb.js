'use strict';
/** MariaDB for the lab: use the running server, or start one without systemd; run SQL via the mariadb CLI. */
const fs = require('node:fs');
const { LabError, run, sleep, tailText } = require('./util');

const DB_USER = 'hus_lab';
const DB_PASSWORD = 'hus_lab';
const client = fs.existsSync('/usr/bin/mariadb') ? 'mariadb' : 'mysql';
const admin = fs.existsSync('/usr/bin/mariadb-admin') ? 'mariadb-admin' : 'mysqladmin';

async function ping() {
	const r = await run(admin, ['--silent', 'ping'], { timeoutMs: 5000 });
	return r.code === 0;
}

/** Makes sure a MariaDB server answers on the default socket (starts one when needed). */
async function ensureServer() {
	if (await ping()) return;
	fs.mkdirSync('/run/mysqld', { recursive: true });
	await run('chown', ['mysql:mysql', '/run/mysqld']);
	if (!fs.existsSync('/var/lib/mysql/mysql')) {
		const r = await run(
			'mariadb-install-db',
			['--user=mysql', '--datadir=/var/lib/mysql', '--skip-test-db'],
			{ timeoutMs: 120000 },
		);
		if (r.code !== 0)
			throw new LabError('MariaDB: mariadb-install-db failed', tailText(r.stderr + r.stdout));
	}
	const r = await run('start-stop-daemon', [
		'--start',
		'--oknodo',
		'--background',
		'--exec',
		'/usr/sbin/mariadbd',
		'--',
		'--user=mysql',
	]);
	if (r.code !== 0)
		throw new LabError('MariaDB: start-stop-daemon failed', tailText(r.stderr + r.stdout));
	const deadline = Date.now() + 30000;
	while (Date.now() < deadline) {
		if (await ping()) return;
		await sleep(100);
	}
	throw new LabError(
		'MariaDB: started /usr/sbin/mariadbd but it does not answer `mariadb-admin ping` after 30 s (see /var/log/mysql or journal)',
	);
}

/** Runs SQL as root over the socket (unix_socket or empty password). Returns tab-separated rows. */
async function rootSql(query, what = 'SQL as root') {
	const r = await run(client, ['-u', 'root', '--batch', '--skip-column-names'], { input: query });
	if (r.code !== 0) throw new LabError(`MariaDB: ${what} failed`, tailText(r.stderr));
	return r.stdout;
}

/** Runs SQL on one database as the lab user. */
async function dbSql(db, query, { headers = false } = {}) {
	const args = ['-u', DB_USER, '--batch', '-D', db];
	if (!headers) args.push('--skip-column-names');
	const r = await run(client, args, {
		input: query,
		env: { ...process.env, MYSQL_PWD: DB_PASSWORD },
	});
	if (r.code !== 0) throw new LabError(`MariaDB: query on ${db} failed`, tailText(r.stderr));
	return r.stdout;
}

/** The lab user (rights on every hus\_% database) and one database per site. */
async function ensureDatabases(dbNames) {
	const stmts = [
		`CREATE USER IF NOT EXISTS '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASSWORD}';`,
		`GRANT ALL PRIVILEGES ON \`hus\\_%\`.* TO '${DB_USER}'@'localhost';`,
		...dbNames.map(
			(d) =>
				`CREATE DATABASE IF NOT EXISTS \`${d}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
		),
	];
	await rootSql(stmts.join('\n'), 'creating the lab user and databases');
}

/** Drops these databases (one lab's); the shared lab user stays for labs on other port bases. */
async function dropLabDatabases(names) {
	if (!names.length) return names;
	const stmts = names.map((d) => `DROP DATABASE IF EXISTS \`${d}\`;`);
	await rootSql(stmts.join('\n'), 'dropping the lab databases');
	return names;
}

module.exports = {
	DB_USER,
	DB_PASSWORD,
	ping,
	ensureServer,
	rootSql,
	dbSql,
	ensureDatabases,
	dropLabDatabases,
};
