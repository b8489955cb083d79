/**
 * What an earlier demo run can leave behind, and how this run clears it before it starts.
 *
 * The run file (<demo dir>/demo-run.json) records the demo process and the n8n it started, each by pid and
 * start time (/proc/<pid>/stat), and n8n's user folder (<demo dir>/n8n). A process is stopped only when it is
 * provably this demo's: a pid whose start time matches the record, or a process whose environment names this
 * demo dir's n8n user folder (N8N_USER_FOLDER, which only this demo's n8n is given). Nothing else is signalled,
 * whatever port it holds.
 *
 * On the sites, the bridge's webhook subscriptions left by earlier runs (their n8n is gone: every delivery would
 * be refused or answered 404) are deleted through the bridge's REST API, or from its tables when that API does
 * not answer; and the bridge's back-off of receivers that timed out (n8n on a busy machine), which would hold
 * this run's deliveries to the same 127.0.0.1 port for up to 10 minutes, is forgotten.
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';
import { loadFactor } from './wait';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process as the run file records it: the pid and its start time, so a reused pid is never mistaken for it. */
export interface ProcessRecord {
	pid: number;
	startTicks: string;
}

export interface RunRecord {
	demo: ProcessRecord & { script: string };
	startedAt: string;
	n8n: { userFolder: string; port?: number; process?: ProcessRecord };
}

export const runFile = (dir: string) => path.join(dir, 'demo-run.json');

interface Stat {
	state: string;
	pgrp: number;
	startTicks: string;
}

/** /proc/<pid>/stat: state, process group and start time (clock ticks after boot); undefined when gone. */
function stat(pid: number): Stat | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after "(comm)", which may itself hold spaces or parentheses: 3 state, 5 pgrp, 22 starttime.
		const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
		return { state: fields[0], pgrp: Number(fields[2]), startTicks: fields[19] };
	} catch {
		return undefined;
	}
}

function alive(pid: number): boolean {
	const s = stat(pid);
	return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** This process, or a child just spawned, as the run file records it. */
export function processRecord(pid: number): ProcessRecord | undefined {
	const s = stat(pid);
	return s ? { pid, startTicks: s.startTicks } : undefined;
}

/** Whether the recorded process is still the same one running (same pid, same start time). */
function stillRunning(record: ProcessRecord | undefined): record is ProcessRecord {
	if (!record?.pid || record.pid === process.pid) return false;
	const s = stat(record.pid);
	return s !== undefined && s.startTicks === record.startTicks && alive(record.pid);
}

/** Processes whose environment holds exactly NAME=value. */
function processesWithEnv(name: string, value: string): number[] {
	const wanted = `${name}=${value}`;
	const found: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
		try {
			if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted))
				found.push(Number(entry));
		} catch {
			// gone, or not readable
		}
	}
	return found.filter(alive);
}

export function readRun(dir: string): RunRecord | undefined {
	try {
		return JSON.parse(readFileSync(runFile(dir), 'utf8')) as RunRecord;
	} catch {
		return undefined;
	}
}

export function writeRun(dir: string, record: RunRecord): void {
	writeFileSync(`${runFile(dir)}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
	renameSync(`${runFile(dir)}.tmp`, runFile(dir)); // a reader never sees half a file
}

/** Removes the run file when it records this process (a newer run's file is left alone). */
export function forgetRun(dir: string): void {
	if (readRun(dir)?.demo?.pid === process.pid) rmSync(runFile(dir), { force: true });
}

/** Signals a process, or its whole group when it leads one (n8n and its task runner); false when it is gone. */
function signal(pid: number, sig: NodeJS.Signals): boolean {
	try {
		process.kill(stat(pid)?.pgrp === pid ? -pid : pid, sig);
		return true;
	} catch {
		return false;
	}
}

/** SIGTERM, then SIGKILL after the grace period; resolves whether they are all gone. */
async function stopProcesses(pids: number[], graceMs: number): Promise<boolean> {
	for (const pid of pids) signal(pid, 'SIGTERM');
	const deadline = Date.now() + graceMs;
	while (pids.some(alive) && Date.now() < deadline) await sleep(200);
	const left = pids.filter(alive);
	for (const pid of left) signal(pid, 'SIGKILL');
	const killDeadline = Date.now() + 10_000;
	while (left.some(alive) && Date.now() < killDeadline) await sleep(100);
	return !pids.some(alive);
}

/**
 * Stops what an earlier run of the demo in this dir left running: the demo process itself (SIGTERM: it stops its
 * n8n and the sites as on Ctrl-C) and any n8n on this dir's user folder (after a kill -9 of the demo, n8n lives
 * on in its own process group). Returns what it did, one line each (none when there was nothing).
 */
export async function stopEarlierRun(dir: string, n8nUserFolder: string): Promise<string[]> {
	const done: string[] = [];
	const earlier = readRun(dir);
	if (stillRunning(earlier?.demo)) {
		const { pid } = earlier.demo;
		const since = earlier.startedAt ? ` since ${earlier.startedAt}` : '';
		const gone = await stopProcesses([pid], 90_000 * loadFactor());
		done.push(
			`stopped the earlier demo still running (pid ${pid}${since})${gone ? '' : ' — it did not exit even after SIGKILL'}`,
		);
	}
	const n8nPids = new Set(processesWithEnv('N8N_USER_FOLDER', n8nUserFolder));
	if (stillRunning(earlier?.n8n?.process)) n8nPids.add(earlier.n8n.process.pid);
	if (n8nPids.size) {
		const pids = [...n8nPids];
		const port = earlier?.n8n?.port ? ` on port ${earlier.n8n.port}` : '';
		const gone = await stopProcesses(pids, 30_000);
		done.push(
			`stopped the n8n an earlier run left behind${port} (pid ${pids.join(', ')})${gone ? '' : ' — some did not exit'}`,
		);
	}
	return done;
}

interface Subscription {
	id: string;
	url: string;
}

/** The bridge's subscriptions on a site; throws unless its REST API answers with a list. */
async function listSubscriptions(site: Site): Promise<Subscription[]> {
	const reply = await rest(site, site.admin, '/harmonyuser/v1/webhooks');
	if (reply.status !== 200 || !Array.isArray(reply.body)) {
		throw new Error(
			`GET /harmonyuser/v1/webhooks on ${site.url} → ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`,
		);
	}
	return reply.body as Subscription[];
}

/**
 * Deletes every webhook subscription on the site (and with them their queued deliveries): through the bridge's
 * REST API, or, when that does not answer, from its option and queue table. Returns how many there were and how.
 */
export async function clearSubscriptions(site: Site): Promise<{ removed: number; how: string }> {
	try {
		const hooks = await listSubscriptions(site);
		for (const hook of hooks) {
			const reply = await rest(
				site,
				site.admin,
				`/harmonyuser/v1/webhooks/${encodeURIComponent(hook.id)}`,
				{ method: 'DELETE' },
			);
			if (reply.status !== 200 && reply.status !== 404)
				throw new Error(`DELETE /harmonyuser/v1/webhooks/${hook.id} → ${reply.status}`);
		}
		const left = await listSubscriptions(site);
		if (left.length)
			throw new Error(`${left.length} subscriptions still listed after deleting them`);
		return { removed: hooks.length, how: 'REST API' };
	} catch (error) {
		const options = `'harmonyuser_bridge_webhooks', 'harmonyuser_bridge_new_subscriptions'`;
		const before = await lab.sql(
			site,
			`SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_webhooks'`,
		);
		const removed = (before.match(/"id";s:\d+:/g) ?? []).length;
		const queue = (await lab.sql(site, `SHOW TABLES LIKE 'wp_harmonyuser_queue'`)).trim();
		await lab.sql(
			site,
			`DELETE FROM wp_options WHERE option_name IN (${options});${queue ? ' DELETE FROM wp_harmonyuser_queue;' : ''}`,
		);
		return {
			removed,
			how: `its tables, the REST API failed (${error instanceof Error ? error.message : String(error)})`,
		};
	}
}

const BACKOFF_OPTION = 'harmonyuser_bridge_receiver_backoff';

export interface Backoff {
	origin: string;
	until: number;
	failures: number;
}

/** The receivers the bridge backs off (after timeouts), read from its option (PHP-serialized, not on REST). */
export async function receiverBackoffs(site: Site): Promise<Backoff[]> {
	const value = await lab.sql(
		site,
		`SELECT option_value FROM wp_options WHERE option_name = '${BACKOFF_OPTION}'`,
	);
	const found: Backoff[] = [];
	for (const m of value.matchAll(
		/s:\d+:"([^"]+)";a:2:\{s:5:"until";i:(\d+);s:8:"failures";i:(\d+);\}/g,
	)) {
		found.push({ origin: m[1], until: Number(m[2]), failures: Number(m[3]) });
	}
	return found;
}

/** Forgets the bridge's receiver back-off on the site; returns the receivers that were still backed off. */
export async function clearReceiverBackoff(site: Site): Promise<Backoff[]> {
	const now = Date.now() / 1000;
	const active = (await receiverBackoffs(site)).filter((backoff) => backoff.until > now);
	await lab.sql(site, `DELETE FROM wp_options WHERE option_name = '${BACKOFF_OPTION}'`);
	return active;
}
