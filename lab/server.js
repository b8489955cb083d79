'use strict';
/** One `php -S` server per site, detached in its own process group (so stopping kills its workers too). */
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { LabError, pidAlive, sleep, tailFile } = require('./util');
const { configName } = require('./wpconfig');

const ROUTER = path.join(__dirname, 'router.php');
const WP_ROOT = process.env.HUS_WP_ROOT || '/usr/share/wordpress'; // WordPress 6.1 (lab/wordpress.js has the others)
const rootOf = (site) => site.wpRoot || WP_ROOT;
const WORKERS = process.env.HUS_LAB_WORKERS || '4';

const files = (site) => ({
	pid: path.join(site.dir, 'server.pid'),
	log: path.join(site.dir, 'server.log'),
	stamp: path.join(site.dir, 'server.stamp'),
});

/**
 * What a running server was started from: the router, this launcher and its settings. A server started by other
 * lab code (an older checkout, a changed router) no longer matches and is restarted by `up`.
 */
function launchStamp(site) {
	const hash = crypto.createHash('sha256');
	for (const part of [
		fs.readFileSync(ROUTER),
		fs.readFileSync(__filename),
		WORKERS,
		rootOf(site),
		site.contentDir,
		String(site.port),
	])
		hash.update(part).update('\0');
	return hash.digest('hex');
}

function readStamp(site) {
	try {
		return fs.readFileSync(files(site).stamp, 'utf8').trim();
	} catch {
		return '';
	}
}

function readPid(site) {
	try {
		return Number(fs.readFileSync(files(site).pid, 'utf8').trim()) || null;
	} catch {
		return null;
	}
}

/**
 * The pid of this site's server when it runs with the expected port, WordPress root, router and content dir, and
 * was started from this lab code (launchStamp).
 */
function runningPid(site) {
	const pid = readPid(site);
	if (!pidAlive(pid)) return null;
	try {
		const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
		const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
		const root = cmd[cmd.indexOf('-t') + 1];
		const same =
			cmd.includes(`127.0.0.1:${site.port}`) &&
			root === rootOf(site) &&
			cmd.includes(ROUTER) &&
			env.includes(`HUS_LAB_CONTENT_DIR=${site.contentDir}`);
		if (same && readStamp(site) === launchStamp(site)) return pid;
	} catch {
		/* not ours / gone */
	}
	return null;
}

/** Whether the server recorded for this site (even one started from another checkout, which `up` restarts) runs on its port. */
function recordedServerRuns(site) {
	const pid = readPid(site);
	if (!pidAlive(pid)) return false;
	try {
		return fs
			.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
			.split('\0')
			.includes(`127.0.0.1:${site.port}`);
	} catch {
		return false;
	}
}

function portInUse(port) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port });
		s.once('connect', () => (s.destroy(), resolve(true)));
		s.once('error', () => resolve(false));
	});
}

async function start(site) {
	if (await portInUse(site.port)) {
		throw new LabError(
			`${site.name}: port ${site.port} is already in use by a process that is not this lab's server (set HUS_LAB_PORT_BASE to move the lab)`,
		);
	}
	const { pid: pidFile, log } = files(site);
	const fd = fs.openSync(log, 'w');
	const child = spawn(
		'php',
		['-d', 'opcache.revalidate_freq=0', '-S', `127.0.0.1:${site.port}`, '-t', rootOf(site), ROUTER],
		{
			detached: true,
			cwd: site.dir,
			stdio: ['ignore', fd, fd],
			env: {
				...process.env,
				PHP_CLI_SERVER_WORKERS: WORKERS,
				HUS_LAB_CONFIG: configName(site),
				HUS_LAB_CONTENT_DIR: site.contentDir,
			},
		},
	);
	fs.closeSync(fd);
	child.on('error', () => {}); // reported by waitReady through the dead pid
	child.unref();
	if (!child.pid) throw new LabError(`${site.name}: could not start php -S (is php installed?)`);
	fs.writeFileSync(pidFile, `${child.pid}\n`);
	fs.writeFileSync(files(site).stamp, `${launchStamp(site)}\n`);
	return child.pid;
}

/** Waits until the server answers HTTP at all. */
async function waitReady(site, pid, timeoutMs = 15000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (!pidAlive(pid)) break;
		try {
			const res = await fetch(`${site.url}/wp-includes/images/blank.gif`, {
				signal: AbortSignal.timeout(2000),
			});
			await res.arrayBuffer();
			return;
		} catch {
			await sleep(50);
		}
	}
	const why = pidAlive(pid) ? `does not answer after ${timeoutMs} ms` : 'exited';
	throw new LabError(
		`${site.name}: php -S on port ${site.port} ${why}; tail of ${files(site).log}:`,
		tailFile(files(site).log),
	);
}

/** Stops the server's whole process group (master and workers). */
async function stop(pid) {
	if (!pid) return;
	const group = (sig) => {
		try {
			process.kill(-pid, sig);
			return true;
		} catch {
			return false;
		}
	};
	if (!group('SIGTERM')) return;
	const deadline = Date.now() + 3000;
	while (Date.now() < deadline) {
		await sleep(50);
		if (!group(0) || !pidAlive(pid)) break;
	}
	group('SIGKILL');
}

module.exports = {
	WP_ROOT,
	files,
	readPid,
	runningPid,
	recordedServerRuns,
	portInUse,
	start,
	stop,
	waitReady,
};
