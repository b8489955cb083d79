#!/usr/bin/env node
'use strict';
/**
 * The WordPress lab from the command line.
 *   node lab/cli.js up [count] [--port-base N] [--wp 6.1|6.8|6.1,6.8,…] [--server php|fpm|php,fpm,…]
 *                                                 start (or reuse) count sites (default 3) and print their logins;
 *                                                 --wp / --server: for every site, or one per site (default
 *                                                 HUS_LAB_WP / HUS_LAB_SERVER, else what each site ran, else 6.1, php)
 *   node lab/cli.js down [--purge]               stop the servers; --purge also drops databases, configs, lab dir
 *   node lab/cli.js status                        what runs where
 *   node lab/cli.js reset <i> | seed <i> <n> [prefix] | sql <i> <query> | eval <i> <php>   (i is 0-based)
 */
const lab = require('./lab');

function table(rows) {
	const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
	return rows
		.map((r) =>
			r
				.map((v, c) => String(v).padEnd(widths[c]))
				.join('  ')
				.trimEnd(),
		)
		.join('\n');
}

async function status() {
	let sites;
	try {
		sites = lab.sites();
	} catch (e) {
		console.log(e.message);
		return 1;
	}
	const rows = [['SITE', 'URL', 'WORDPRESS', 'SERVER', 'PID', 'HTTP', 'USERS']];
	for (const s of sites) {
		const t0 = Date.now();
		let http = 'down';
		let users = '?';
		try {
			const auth = Buffer.from(`admin:${s.admin.appPassword}`).toString('base64');
			const res = await fetch(`${s.url}/wp-json/wp/v2/users?per_page=1&context=edit`, {
				headers: { Authorization: `Basic ${auth}` },
				signal: AbortSignal.timeout(5000),
			});
			await res.text();
			http = `${res.status} in ${Date.now() - t0} ms`;
			users = res.headers.get('x-wp-total') ?? '?';
		} catch (e) {
			http = `error: ${e.cause?.code || e.message}`;
		}
		rows.push([
			s.name,
			s.url,
			s.wpVersion,
			s.server === 'fpm' ? 'nginx+fpm' : 'php -S',
			s.pid,
			http,
			users,
		]);
	}
	console.log(`lab dir: ${lab.labDir()}\n${table(rows)}`);
	return 0;
}

async function main(argv) {
	const [cmd = 'status', ...rest] = argv;
	const flag = (name) => {
		const i = rest.indexOf(name);
		if (i < 0) return undefined;
		const [, v] = rest.splice(i, 2);
		return v;
	};
	switch (cmd) {
		case 'up': {
			const portBase = flag('--port-base');
			const wp = flag('--wp');
			const server = flag('--server');
			const t0 = Date.now();
			const sites = await lab.up({
				count: rest[0] ? Number(rest[0]) : 3,
				...(portBase ? { portBase: Number(portBase) } : {}),
				...(wp ? { wp } : {}),
				...(server ? { server } : {}),
			});
			const rows = [
				[
					'SITE',
					'URL',
					'WORDPRESS',
					'SERVER',
					'LOGIN (user / password)',
					'APP PASSWORD (admin)',
					'EDITOR APP PASSWORD',
				],
			];
			for (const s of sites) {
				rows.push([
					s.name,
					s.url,
					s.wpVersion,
					s.server === 'fpm' ? 'nginx+fpm' : 'php -S',
					`${s.admin.username} / ${s.admin.password}`,
					s.admin.appPassword,
					s.editor.appPassword,
				]);
			}
			console.log(
				`${table(rows)}\n\nlab up in ${((Date.now() - t0) / 1000).toFixed(1)} s; editor login: editor / ${lab.EDITOR_PASSWORD}; lab dir: ${lab.labDir()}`,
			);
			return 0;
		}
		case 'down': {
			const purge = rest.includes('--purge');
			await lab.down({ purge });
			console.log(purge ? 'lab stopped and purged' : 'lab stopped');
			return 0;
		}
		case 'status':
			return status();
		case 'reset':
			await lab.resetSite(lab.site(Number(rest[0])));
			return 0;
		case 'seed': {
			const ids = await lab.seedUsers(
				lab.site(Number(rest[0])),
				Number(rest[1]),
				rest[2] ? { prefix: rest[2] } : {},
			);
			console.log(`created ${ids.length} users`);
			return 0;
		}
		case 'sql':
			process.stdout.write(
				await lab.sql(lab.site(Number(rest[0])), rest.slice(1).join(' '), { headers: true }),
			);
			return 0;
		case 'eval':
			process.stdout.write(await lab.wpEval(lab.site(Number(rest[0])), rest.slice(1).join(' ')));
			return 0;
		default:
			console.error(
				'usage: node lab/cli.js up [count] [--port-base N] [--wp 6.1|6.8|list] [--server php|fpm|list] | down [--purge] | status | reset <i> | seed <i> <n> [prefix] | sql <i> <query> | eval <i> <php>',
			);
			return 2;
	}
}

main(process.argv.slice(2)).then(
	(code) => process.exit(code),
	(e) => {
		console.error(e.message);
		process.exit(1);
	},
);
