/**
 * Real n8n (the `n8n start` server, 2.41.1) for end-to-end tests: installed once into a cache by scripts/n8n.sh,
 * this package installed into a temp user folder the way the Community Nodes installer does
 * (scripts/install-package.js), then started as a child process (Node 24) on free loopback ports, driven through
 * its REST API like the editor does, stopped and restarted on the same user folder.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-harmonyuser-sync';
const WITH_NODE24 = path.join(ROOT, 'scripts', 'with-node24.sh');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The n8n bin, installing n8n into the cache first when it is missing (minutes, once). */
export function ensureN8nInstalled(): string {
	// Test-only: running the project's own install script is the point of this helper.
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions
	const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'n8n.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
	const bin = out.trim().split('\n').pop() ?? '';
	if (!existsSync(bin)) throw new Error(`scripts/n8n.sh printed no usable n8n bin (${bin})`);
	return bin;
}

/** Installs the built package into <userFolder>/.n8n/nodes/node_modules (scripts/install-package.js); returns its folder. */
export function installPackage(userFolder: string): string {
	// Test-only: the install script is what is under test (the Community Nodes installer's steps).
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions
	const out = execFileSync('bash', [WITH_NODE24, 'node', path.join(ROOT, 'scripts', 'install-package.js'), userFolder], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	return out.trim().split('\n').pop() ?? '';
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

export interface RestReply<T = unknown> {
	status: number;
	body: T;
}

/** n8n's REST answers wrap their payload in { data }. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface WorkflowJson {
	name: string;
	nodes: Array<Record<string, Json> & { name: string; type: string; webhookId?: string }>;
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
}

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: string;
	mode: string;
	startedAt: string;
	stoppedAt?: string;
}

export class RealN8n {
	readonly userFolder: string;
	readonly logFile: string;
	readonly ownerEmail = 'owner@harmonyuser.test';
	private readonly ownerSecret = randomBytes(18).toString('base64url');

	/** The owner's login password, generated per run: the demo prints it so a person can log in to the editor. */
	get ownerLogin(): { email: string; password: string } {
		return { email: this.ownerEmail, password: this.ownerSecret };
	}
	private readonly encryption = randomBytes(24).toString('hex');
	private readonly browserId = randomUUID();
	private child?: ChildProcess;
	private cookie = '';
	port = 0;
	brokerPort = 0;
	/** ms from spawn to ready, per start */
	readonly startTimes: number[] = [];
	/** How long start() waits for n8n to be ready, in ms; asked again while waiting (the demo scales it with the load). */
	readyTimeout: () => number = () => 90_000;
	/** Told the pid of each n8n process start() spawns, at once (the demo records it to clean up after a kill -9). */
	onSpawn?: (pid: number) => void;

	constructor(
		readonly bin: string,
		userFolder?: string,
	) {
		this.userFolder = userFolder ?? mkdtempSync(path.join(tmpdir(), 'hus-n8n-'));
		this.logFile = path.join(this.userFolder, 'n8n.log');
	}

	/** The process id of the running n8n's wrapper (its process group), for memory readings; undefined when stopped. */
	get pid(): number | undefined {
		return this.child?.pid;
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/**
	 * Extra environment for every n8n process of this instance (e.g. queue mode and Postgres settings); applied
	 * last, so it can override the defaults of baseEnv().
	 */
	extraEnv: NodeJS.ProcessEnv = {};

	/**
	 * The environment `start()` gives n8n: user folder, ports, the fixed encryption key, the env-managed owner, then
	 * extraEnv. Queue-mode workers start from it too (same user folder, same key).
	 */
	baseEnv(): NodeJS.ProcessEnv {
		const bcrypt = createRequire(path.join(path.dirname(path.dirname(this.bin)), 'package.json'))('bcryptjs') as {
			hashSync(value: string, rounds: number): string;
		};
		return {
			...process.env,
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			WEBHOOK_URL: `http://127.0.0.1:${this.port}/`,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_ENCRYPTION_KEY: this.encryption,
			N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
			N8N_INSTANCE_OWNER_EMAIL: this.ownerEmail,
			N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(this.ownerSecret, 10),
			N8N_LOG_LEVEL: 'info',
			N8N_LOG_OUTPUT: 'console',
			...this.extraEnv,
		};
	}

	/** Starts `n8n start` and waits until it is ready (REST answers, migrations done); keeps ports across restarts. */
	async start(): Promise<void> {
		if (this.child) throw new Error('n8n is already running');
		if (!this.port) this.port = await freePort();
		if (!this.brokerPort) this.brokerPort = await freePort();
		const env = this.baseEnv();
		// A jest run under NODE_ENV=test would make n8n behave as in its own unit tests.
		delete env.NODE_ENV;
		delete env.JEST_WORKER_ID;
		const started = Date.now();
		const log = openSync(this.logFile, 'a');
		try {
			// Test-only: starting the real n8n server is the point of this helper.
			// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions
			this.child = spawn('bash', [WITH_NODE24, this.bin, 'start'], { env, detached: true, stdio: ['ignore', log, log] });
		} finally {
			closeSync(log);
		}
		const child = this.child;
		if (child.pid !== undefined) this.onSpawn?.(child.pid);
		let exited: string | undefined;
		child.once('exit', (code, signal) => {
			exited = `n8n exited (code ${code}, signal ${signal})`;
			if (this.child === child) this.child = undefined;
		});
		for (;;) {
			if (exited) throw new Error(`${exited} before it was ready\n${this.logTail()}`);
			const waited = Date.now() - started;
			if (waited > this.readyTimeout()) throw new Error(`n8n was not ready within ${Math.round(waited / 1000)} s\n${this.logTail()}`);
			const ready = await fetch(`${this.url}/healthz/readiness`).then(
				(res) => res.status === 200,
				() => false,
			);
			if (ready) break;
			await sleep(200);
		}
		this.startTimes.push(Date.now() - started);
		this.cookie = '';
		await this.login();
	}

	/** SIGTERM to the process group, then SIGKILL after a grace period. */
	async stop(graceMs = 20_000): Promise<void> {
		await stopProcessGroup(this.child, graceMs);
		this.child = undefined;
	}

	async restart(): Promise<void> {
		await this.stop();
		await this.start();
	}

	/** Stops n8n and removes its user folder. */
	async dispose(): Promise<void> {
		await this.stop();
		rmSync(this.userFolder, { recursive: true, force: true });
	}

	logTail(lines = 60): string {
		try {
			const text = readFileSync(this.logFile, 'utf8').split('\n');
			return `--- last ${lines} lines of ${this.logFile} ---\n${text.slice(-lines).join('\n')}`;
		} catch {
			return `(no n8n log at ${this.logFile})`;
		}
	}

	async login(): Promise<void> {
		const res = await fetch(`${this.url}/rest/login`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'browser-id': this.browserId },
			body: JSON.stringify({ emailOrLdapLoginId: this.ownerEmail, password: this.ownerSecret }),
		});
		if (res.status !== 200) throw new Error(`n8n login failed: ${res.status} ${await res.text()}`);
		const cookie = res.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
		if (!cookie) throw new Error('n8n login set no n8n-auth cookie');
		this.cookie = cookie.split(';')[0];
	}

	/** An authenticated call to n8n (REST or /types); JSON in and out. */
	async api<T = Json>(method: string, route: string, body?: unknown): Promise<RestReply<T>> {
		const res = await fetch(`${this.url}${route}`, {
			method,
			headers: { 'Content-Type': 'application/json', 'browser-id': this.browserId, Cookie: this.cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON
		}
		return { status: res.status, body: parsed as T };
	}

	/** REST call that must succeed; returns the unwrapped `data`. */
	async rest<T = Json>(method: string, route: string, body?: unknown): Promise<T> {
		const reply = await this.api<{ data: T }>(method, `/rest${route}`, body);
		if (reply.status < 200 || reply.status >= 300) {
			throw new Error(`n8n ${method} /rest${route} → ${reply.status}: ${JSON.stringify(reply.body).slice(0, 500)}`);
		}
		return reply.body.data;
	}

	async createCredential(name: string, type: string, data: Record<string, unknown>): Promise<string> {
		const created = await this.rest<{ id: string }>('POST', '/credentials', { name, type, data });
		return created.id;
	}

	/** Replaces a credential's name, type and data (the editor's save of an existing credential). */
	async updateCredential(id: string, name: string, type: string, data: Record<string, unknown>): Promise<void> {
		await this.rest('PATCH', `/credentials/${id}`, { name, type, data });
	}

	/** Creates the workflow (inactive); returns its id. */
	async createWorkflow(workflow: WorkflowJson): Promise<string> {
		const created = await this.rest<{ id: string }>('POST', '/workflows', {
			name: workflow.name,
			nodes: workflow.nodes,
			connections: workflow.connections,
			settings: workflow.settings ?? { executionOrder: 'v1' },
		});
		return created.id;
	}

	/** Activates (publishes) the workflow's current version; webhooks may answer 404 for a moment after. */
	async activate(workflowId: string): Promise<void> {
		const workflow = await this.rest<{ versionId: string }>('GET', `/workflows/${workflowId}`);
		await this.rest('POST', `/workflows/${workflowId}/activate`, { versionId: workflow.versionId });
	}

	async deactivate(workflowId: string): Promise<void> {
		await this.rest('POST', `/workflows/${workflowId}/deactivate`, {});
	}

	/** Posts an empty body to a production webhook until it stops answering 404 (registration is async). */
	async waitForWebhook(webhookPath: string, timeoutMs = 30_000): Promise<number> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const status = await fetch(`${this.url}/webhook/${webhookPath}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: '{}',
			}).then(
				(res) => res.status,
				() => 0,
			);
			if (status !== 404 && status !== 0) return status;
			if (Date.now() > deadline) throw new Error(`webhook ${webhookPath} still answers ${status} after ${timeoutMs} ms`);
			await sleep(200);
		}
	}

	async executions(workflowId?: string): Promise<ExecutionSummary[]> {
		const filter = workflowId ? `?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100` : '?limit=100';
		const data = await this.rest<{ results: ExecutionSummary[] }>('GET', `/executions${filter}`);
		return data.results;
	}

	/** Runs the workflow now from the named trigger (a poll trigger polls once), like the editor's "Execute workflow". */
	async runFromTrigger(workflowId: string, triggerName: string): Promise<unknown> {
		return this.rest('POST', `/workflows/${workflowId}/run`, { triggerToStartFrom: { name: triggerName } });
	}
}

/** Production webhook path of a trigger node (n8n: <webhookId>/<path of the node's webhook>). */
export function webhookPathOf(workflow: WorkflowJson, nodeName: string, nodeWebhookPath = 'webhook'): string {
	const node = workflow.nodes.find((candidate) => candidate.name === nodeName);
	if (!node?.webhookId) throw new Error(`node ${nodeName} has no webhookId`);
	return `${node.webhookId}/${nodeWebhookPath}`;
}

/**
 * An example workflow from examples/, ready to create: credential placeholders ({ id: <placeholder> }) replaced by
 * real credential ids, and fresh webhook ids (as the editor gives pasted nodes), so workflows never share a path.
 */
export function loadExample(file: string, credentialIds: Record<string, string>): WorkflowJson {
	const workflow = JSON.parse(readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as WorkflowJson;
	for (const node of workflow.nodes) {
		if (node.webhookId) node.webhookId = randomUUID();
		const credentials = (node.credentials ?? {}) as Record<string, { id: string; name: string }>;
		for (const reference of Object.values(credentials)) {
			const id = credentialIds[reference.id];
			if (!id) throw new Error(`${file}: no credential given for placeholder ${reference.id}`);
			reference.id = id;
		}
	}
	return workflow;
}

/** Polls `check` until it returns a value other than undefined/false, or throws after the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 150): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value !== undefined && value !== false) return value;
		} catch (error) {
			last = error;
		}
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
		await sleep(everyMs);
	}
}

/** SIGTERM to a child's process group, SIGKILL after a grace period; then whatever the group left behind (n8n's task runner) goes too. */
export async function stopProcessGroup(child: ChildProcess | undefined, graceMs: number): Promise<void> {
	if (!child || child.pid === undefined) return;
	const pid = child.pid;
	const signal = (sig: NodeJS.Signals) => {
		try {
			process.kill(-pid, sig);
		} catch {
			// the group is gone already
		}
	};
	if (child.exitCode !== null || child.signalCode !== null) return signal('SIGKILL');
	const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	signal('SIGTERM');
	const timer = setTimeout(() => signal('SIGKILL'), graceMs);
	await gone;
	clearTimeout(timer);
	signal('SIGKILL');
}
