/**
 * The demo's running stack, shared by scripts/demo.ts and scripts/screenshots.ts: three lab WordPress sites (the
 * bridge plugin on each), real n8n 2.41.1 with this package installed the Community Nodes way, one credential per
 * site and the example workflows created (and, for the demo, activated) through n8n's REST API.
 *
 * The demo keeps its own lab (its own folder, ports from 8891 and databases named by port), so it never stops or
 * resets the sites the tests use (HUS_LAB_DIR / HUS_LAB_PORT_BASE are the tests' lab; the demo ignores them).
 * HUS_DEMO_LAB_DIR / HUS_DEMO_PORT_BASE / HUS_DEMO_N8N_PORT override the defaults.
 *
 * It always starts: an earlier run still running, or the n8n it left after a kill -9, is stopped first (see
 * leftovers.ts: only processes provably this demo's), and the webhook subscriptions earlier runs left on the
 * sites are removed. Its waits scale with the machine's load and say, when they run out, which step and what
 * they saw (wait.ts).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { installBridge } from '../../lab/harness/bridge';
import { rest } from '../../lab/harness/wp';
import { credentialData, subscriptions, syncLogFile } from '../../lab/harness/n8n/e2e';
import {
	ensureN8nInstalled,
	installPackage,
	loadExample,
	RealN8n,
	webhookPathOf,
	type WorkflowJson,
} from '../../lab/harness/n8n';
import {
	clearReceiverBackoff,
	clearSubscriptions,
	forgetRun,
	processRecord,
	receiverBackoffs,
	stopEarlierRun,
	writeRun,
	type RunRecord,
} from './leftovers';
import { indent, loadFactor, loadText, waitUntil } from './wait';

export const say = (text = '') => process.stdout.write(`${text}\n`);

const T0 = Date.now();
/** The tests' lab as the environment gave it, before useDemoLab() points HUS_LAB_DIR at the demo's. */
const TESTS_LAB: Record<string, string | undefined> = {
	HUS_LAB_DIR: process.env.HUS_LAB_DIR,
	HUS_LAB_PORT_BASE: process.env.HUS_LAB_PORT_BASE,
};
/** A progress line with the seconds since the script started. */
export const step = (text: string) =>
	say(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${text}`);

export interface Sites {
	A: Site;
	B: Site;
	C: Site;
}

export interface CreatedWorkflow {
	id: string;
	workflow: WorkflowJson;
}

export interface Stack {
	sites: Sites;
	n8n: RealN8n;
	ownerEmail: string;
	ownerPassword: string;
	credentialIds: Record<string, string>;
	twoWay: CreatedWorkflow;
	chain: CreatedWorkflow;
	logFile: string;
}

export interface DemoConfig {
	/** The demo's lab dir: its sites, the run file, n8n's user folder (n8n/) and the last run's n8n log. */
	dir: string;
	portBase: number;
	n8nPort: number;
}

function portFromEnv(name: string, fallback: number): number {
	const text = process.env[name];
	if (text === undefined || text === '') return fallback;
	const port = Number(text);
	if (!Number.isInteger(port) || port < 1024 || port > 65533)
		throw new Error(`${name}=${text}: give a port number from 1024 to 65533`);
	return port;
}

export function demoConfig(): DemoConfig {
	return {
		dir: path.resolve(
			process.env.HUS_DEMO_LAB_DIR ||
				path.join(homedir(), '.cache', 'harmonyuser-sync', 'demo-lab'),
		),
		portBase: portFromEnv('HUS_DEMO_PORT_BASE', 8891),
		n8nPort: portFromEnv('HUS_DEMO_N8N_PORT', 5678),
	};
}

const n8nFolderOf = (config: DemoConfig) => path.join(config.dir, 'n8n');
/** n8n's log of the last run, kept when its user folder is removed (the log lives in it). */
export const lastN8nLog = (config: DemoConfig) => path.join(config.dir, 'n8n-last-run.log');

export function useDemoLab(config = demoConfig()): void {
	process.env.HUS_LAB_DIR = config.dir;
}

async function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/** Stops what was started (n8n with its user folder, the demo lab's sites); safe to call more than once. */
export async function stopStack(n8n: RealN8n | undefined): Promise<void> {
	const config = demoConfig();
	if (n8n && existsSync(n8n.logFile)) {
		try {
			copyFileSync(n8n.logFile, lastN8nLog(config));
		} catch {
			// the log is a convenience
		}
	}
	await n8n?.dispose().catch(() => undefined);
	useDemoLab(config);
	await lab.down({ purge: false }).catch(() => undefined);
	forgetRun(config.dir);
}

export interface StartOptions {
	/** Activate the workflows (the demo); the screenshots only need them created. */
	activate: boolean;
	/**
	 * Both examples listen to site A and B. Active side by side, a change on A would be applied to B twice (once by
	 * each workflow), so the demo disables the chain's A → B half: A ↔ B comes from the two-way workflow and the
	 * chain adds B → C.
	 */
	chainFromBOnly: boolean;
	/** Receives the n8n instance as soon as it exists, so a Ctrl-C during setup can stop it. */
	onN8n?: (n8n: RealN8n) => void;
}

/** What a failed setup step throws: which step, the machine's load, and the error (a StepTimeout says it all already). */
function stepFailure(what: string, error: unknown): Error {
	if (error instanceof Error && error.name === 'StepTimeout') return error;
	const message = error instanceof Error ? error.message : String(error);
	return new Error(`${what} failed (${loadText()}):\n${indent(message)}`);
}

/** Runs a setup step; a failure says which step it was. */
async function inStep<T>(what: string, run: () => Promise<T>): Promise<T> {
	return run().catch((error: unknown) => Promise.reject(stepFailure(what, error)));
}

/**
 * The settings the demo relies on, checked on each site: receivers on 127.0.0.1 allowed (the lab's default; a
 * site where it was switched off gets it back) and one network key shared by the three sites (password hashes
 * travel sealed with it; the lab's default, else one the demo gives them). Returns what it did.
 */
async function ensureSiteSettings(sites: Sites): Promise<string[]> {
	const done: string[] = [];
	const read = async (site: Site) => {
		const out = await lab.wpEval(
			site,
			`echo 'HUSOUT' . wp_json_encode(array('local' => (string) get_option('harmonyuser_bridge_allow_local_receivers', ''), 'key' => (string) get_option('harmonyuser_bridge_network_key', '')));`,
		);
		if (!out.includes('HUSOUT'))
			throw new Error(`reading the bridge's settings on ${site.url}: ${out.slice(0, 300)}`);
		return JSON.parse(out.slice(out.indexOf('HUSOUT') + 6)) as { local: string; key: string };
	};
	const entries = Object.entries(sites) as Array<[string, Site]>;
	const settings = await Promise.all(entries.map(([, site]) => read(site)));
	const blocked = entries.filter((_, i) => settings[i].local !== '1');
	for (const [, site] of blocked)
		await lab.wpEval(
			site,
			`update_option('harmonyuser_bridge_allow_local_receivers', '1', false);`,
		);
	if (blocked.length)
		done.push(
			`allowed local receivers again on ${blocked.map(([letter]) => letter).join(', ')} (n8n listens on 127.0.0.1)`,
		);
	const keys = new Set(settings.map((s) => s.key));
	const valid = (key: string) => Buffer.from(key, 'base64').length === 32;
	if (keys.size !== 1 || !valid(settings[0].key)) {
		const key = randomBytes(32).toString('base64');
		for (const [, site] of entries)
			await lab.wpEval(site, `update_option('harmonyuser_bridge_network_key', '${key}', false);`);
		done.push('gave A, B and C one network key (password hashes travel sealed with it)');
	}
	return done;
}

interface Listener {
	workflow: CreatedWorkflow;
	node: string;
	letter: string;
	site: Site;
}

/** The enabled bridge triggers of the workflows, with the site each listens to (by its credential). */
function listenersOf(
	workflows: CreatedWorkflow[],
	credentialIds: Record<string, string>,
	sites: Sites,
): Listener[] {
	const letterOf = Object.fromEntries(
		Object.entries(credentialIds).map(([placeholder, id]) => [
			id,
			placeholder.replace(/^SITE_(\w)_CREDENTIAL_ID$/, '$1'),
		]),
	);
	const listeners: Listener[] = [];
	for (const workflow of workflows) {
		for (const node of workflow.workflow.nodes) {
			if (node.disabled || !node.type.endsWith('.harmonyUserSyncTrigger') || !node.webhookId)
				continue;
			const credential = Object.values(
				(node.credentials ?? {}) as Record<string, { id: string }>,
			)[0];
			const letter = letterOf[credential?.id ?? ''] as keyof Sites | undefined;
			if (letter && sites[letter])
				listeners.push({ workflow, node: node.name, letter, site: sites[letter] });
		}
	}
	return listeners;
}

/**
 * The last lines of n8n's log that say something: stack frames and the noise of an offline machine (n8n's own
 * API at api.n8n.io unreachable) left out.
 */
export function n8nLogLines(n8n: RealN8n, count = 15): string {
	let text = '';
	try {
		text = readFileSync(n8n.logFile, 'utf8');
	} catch {
		return `(no n8n log at ${n8n.logFile})`;
	}
	const noise = /^\s+at |api\.n8n\.io|Strapi API|A system task run failed|^\s*$/;
	const lines = text.split('\n').filter((line) => !noise.test(line));
	return `last lines of n8n's log (${n8n.logFile}):\n${indent(lines.slice(-count).join('\n'), '  ')}`;
}

/** What n8n shows about a workflow's activation: active or not, its activation error, the last lines of its log. */
async function n8nState(n8n: RealN8n, workflow: CreatedWorkflow): Promise<string> {
	const lines: string[] = [];
	const active = await n8n
		.rest<string[]>('GET', '/active-workflows')
		.catch((error: Error) => error);
	lines.push(
		active instanceof Error
			? `n8n's active workflows: ${active.message}`
			: `“${workflow.workflow.name}” is ${active.includes(workflow.id) ? '' : 'NOT '}active in n8n`,
	);
	const failure = await n8n
		.rest<unknown>('GET', `/active-workflows/error/${workflow.id}`)
		.catch((error: Error) => error.message);
	if (failure)
		lines.push(
			`its activation error: ${typeof failure === 'string' ? failure : JSON.stringify(failure)}`,
		);
	lines.push(n8nLogLines(n8n));
	return lines.join('\n');
}

/** The bridge's subscriptions and queue on a site, as its REST API shows them. */
export async function bridgeState(letter: string, site: Site): Promise<string> {
	const hooks = await subscriptions(site).catch((error: Error) => error);
	const lines = [
		hooks instanceof Error
			? `${letter}'s subscriptions: ${hooks.message}`
			: `${letter}'s subscriptions (${hooks.length}): ${hooks.map((hook) => hook.url).join(', ') || 'none'}`,
	];
	const queue = await rest(site, site.admin, '/harmonyuser/v1/queue').catch(
		(error: Error) => error,
	);
	if (queue instanceof Error || queue.status !== 200) {
		lines.push(
			`${letter}'s delivery queue: ${queue instanceof Error ? queue.message : `${queue.status}`}`,
		);
	} else {
		const body = queue.body as {
			counts: Record<string, number>;
			items: Array<Record<string, unknown>>;
		};
		const failing = body.items.filter((item) => item.last_error).slice(0, 3);
		lines.push(
			`${letter}'s delivery queue: ${Object.entries(body.counts)
				.map(([status, n]) => `${n} ${status}`)
				.join(
					', ',
				)}${failing.length ? `; last errors: ${failing.map((item) => `${String(item.event)} → ${String(item.last_status)} ${String(item.last_error)}`).join('; ')}` : ''}`,
		);
	}
	const now = Date.now() / 1000;
	const backoffs = (await receiverBackoffs(site).catch(() => [])).filter(
		(backoff) => backoff.until > now,
	);
	if (backoffs.length) {
		lines.push(
			`${letter} backs off receivers that timed out: ${backoffs.map((b) => `${b.origin} for ${Math.round(b.until - now)} s more (${b.failures} timeouts)`).join(', ')}`,
		);
	}
	return lines.join('\n');
}

/** Whether n8n's production webhook at the URL answers anything but 404 (its registration is in place). */
async function webhookAnswers(url: string): Promise<boolean> {
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: '{}',
	});
	await res.arrayBuffer();
	return res.status !== 404;
}

/** Activates the workflows and waits until every bridge trigger listens in n8n and is subscribed on its site. */
async function activateAndListen(
	n8n: RealN8n,
	workflows: CreatedWorkflow[],
	listeners: Listener[],
): Promise<void> {
	for (const workflow of workflows)
		await inStep(`activating “${workflow.workflow.name}” in n8n`, () => n8n.activate(workflow.id));
	step(
		`activated; waiting until the ${listeners.length} triggers listen and their webhooks are registered with the bridge`,
	);
	const reactivated = new Set<string>();
	for (const { workflow, node, letter, site } of listeners) {
		const url = `${n8n.url}/webhook/${webhookPathOf(workflow.workflow, node)}`;
		await waitUntil({
			step: `n8n listening on the webhook of “${node}” (${workflow.workflow.name})`,
			nominalMs: 30_000,
			check: () => webhookAnswers(url),
			seen: () => n8nState(n8n, workflow),
		});
		await waitUntil({
			step: `the webhook of “${node}” registered with the bridge on ${letter} (${site.url})`,
			nominalMs: 30_000,
			check: async () => (await subscriptions(site)).some((hook) => hook.url === url),
			// A second chance, once per workflow: deactivate and activate it again (n8n registers its triggers anew).
			halfway: async () => {
				if (reactivated.has(workflow.id)) return;
				reactivated.add(workflow.id);
				say(
					`    … “${node}” is not registered on ${letter} yet: deactivating and activating “${workflow.workflow.name}” again`,
				);
				await n8n.deactivate(workflow.id);
				await n8n.activate(workflow.id);
			},
			seen: async () => `${await bridgeState(letter, site)}\n${await n8nState(n8n, workflow)}`,
		});
	}
}

export async function startStack(options: StartOptions): Promise<Stack> {
	const config = demoConfig();
	useDemoLab(config);
	const n8nFolder = n8nFolderOf(config);
	mkdirSync(config.dir, { recursive: true });
	step(`looking for an earlier run of the demo in ${config.dir} (${loadText()})`);
	for (const line of await stopEarlierRun(config.dir, n8nFolder)) say(`    ${line}`);
	rmSync(n8nFolder, { recursive: true, force: true });
	const self = processRecord(process.pid);
	const run: RunRecord = {
		demo: { pid: process.pid, startTicks: self?.startTicks ?? '', script: process.argv[1] ?? '' },
		startedAt: new Date().toISOString(),
		n8n: { userFolder: n8nFolder },
	};
	writeRun(config.dir, run);

	const { portBase } = config;
	step(`starting three WordPress sites (lab in ${config.dir}, ports ${portBase}-${portBase + 2})`);
	const demoNames: Record<string, string> = {
		HUS_LAB_DIR: 'HUS_DEMO_LAB_DIR',
		HUS_LAB_PORT_BASE: 'HUS_DEMO_PORT_BASE',
	};
	const testsLab = Object.keys(demoNames).filter(
		(name) => TESTS_LAB[name] && !process.env[demoNames[name]],
	);
	if (testsLab.length)
		say(
			`    (${testsLab.join(' and ')}: the tests' lab, left alone; the demo's own: ${testsLab.map((name) => demoNames[name]).join(', ')})`,
		);
	const [A, B, C] = await inStep(
		`starting the demo's WordPress sites (HUS_DEMO_PORT_BASE=${portBase}, HUS_DEMO_LAB_DIR=${config.dir})`,
		() =>
			// A site too slow to answer its first requests on a busy machine gets a second try (`up` keeps what is done);
			// ports another lab serves are refused at once, nothing to retry.
			lab.up({ count: 3, portBase }).catch((error: unknown) => {
				if (error instanceof Error && /refusing ports/.test(error.message))
					return Promise.reject(error);
				say(
					`    the sites did not come up (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): trying once more`,
				);
				return lab.up({ count: 3, portBase });
			}),
	);
	const sites: Sites = { A, B, C };
	step(
		'resetting their users, installing the HarmonyUser Sync Bridge plugin, removing webhook subscriptions left by earlier runs',
	);
	const removed: string[] = [];
	for (const [letter, site] of Object.entries(sites) as Array<[string, Site]>) {
		await inStep(`resetting site ${letter} (${site.url})`, async () => {
			await lab.resetSite(site);
			await installBridge(site);
			const { removed: count, how } = await clearSubscriptions(site);
			if (count || how !== 'REST API')
				removed.push(`${count} on ${letter}${how === 'REST API' ? '' : ` from ${how}`}`);
			const backedOff = await clearReceiverBackoff(site);
			if (backedOff.length)
				say(
					`    ${letter} no longer backs off ${backedOff.map((b) => b.origin).join(', ')} (timed out in an earlier run)`,
				);
		});
	}
	say(
		`    subscriptions left by earlier runs: ${removed.length ? `removed ${removed.join(', ')}` : 'none'}`,
	);
	for (const line of await inStep('checking the bridge settings on A, B and C', () =>
		ensureSiteSettings(sites),
	))
		say(`    ${line}`);

	step(
		'n8n 2.41.1: checking the install in the cache (scripts/n8n.sh installs it once, a few minutes)',
	);
	const bin = ensureN8nInstalled();
	mkdirSync(n8nFolder, { recursive: true });
	const n8n = new RealN8n(bin, n8nFolder);
	// n8n takes ~10 s to be ready on an idle machine and a minute or more on a busy one: 120 s × the load factor.
	let factor = loadFactor();
	n8n.readyTimeout = () => 120_000 * (factor = Math.max(factor, loadFactor()));
	n8n.onSpawn = (pid) =>
		writeRun(config.dir, {
			...run,
			n8n: { userFolder: n8nFolder, port: n8n.port, process: processRecord(pid) },
		});
	options.onN8n?.(n8n);
	step(
		'installing this package into a fresh n8n user folder the Community Nodes way (npm pack → npm install)',
	);
	await inStep(
		'installing the package into n8n’s user folder',
		async () => void installPackage(n8n.userFolder),
	);
	if (await portIsFree(config.n8nPort)) n8n.port = config.n8nPort;
	else
		step(
			`port ${config.n8nPort} is taken (not by this demo): n8n gets a free port (HUS_DEMO_N8N_PORT chooses another)`,
		);
	step(`starting n8n (about 10 s on an idle machine; ${loadText()})`);
	await inStep('starting n8n', () => n8n.start());
	step(`n8n is ready at ${n8n.url}`);

	const credentialIds: Record<string, string> = {};
	await inStep('creating the credentials in n8n', async () => {
		for (const [letter, site] of Object.entries(sites) as Array<[string, Site]>) {
			credentialIds[`SITE_${letter}_CREDENTIAL_ID`] = await n8n.createCredential(
				`WordPress Site ${letter}`,
				'wordPressAppPasswordApi',
				credentialData(site),
			);
		}
	});
	step('created the credentials "WordPress Site A/B/C" (WordPress Application Password API)');

	const twoWayJson = loadExample('two-way-sync.json', credentialIds);
	const chainJson = loadExample('chain.json', credentialIds);
	if (options.chainFromBOnly) {
		for (const node of chainJson.nodes)
			if (node.name === 'Site A changed' || node.name === 'Apply to Site B') node.disabled = true;
		chainJson.name = `${chainJson.name} (A → B disabled here: the two-way workflow does it)`;
	}
	const [twoWay, chain] = await inStep('importing the example workflows', async () => [
		{ id: await n8n.createWorkflow(twoWayJson), workflow: twoWayJson },
		{ id: await n8n.createWorkflow(chainJson), workflow: chainJson },
	]);
	step(`imported examples/two-way-sync.json (${twoWay.id}) and examples/chain.json (${chain.id})`);

	if (options.activate) {
		await activateAndListen(
			n8n,
			[twoWay, chain],
			listenersOf([twoWay, chain], credentialIds, sites),
		);
		step(
			`listening: ${(await subscriptions(A)).length} bridge webhook on A, ${(await subscriptions(B)).length} on B`,
		);
	}

	const { email: ownerEmail, password: ownerPassword } = n8n.ownerLogin;
	return {
		sites,
		n8n,
		ownerEmail,
		ownerPassword,
		credentialIds,
		twoWay,
		chain,
		logFile: syncLogFile(n8n),
	};
}
