/**
 * Real n8n's process (the `n8n start` server): started as a child process (Node 24) on free loopback ports with a
 * user folder, a fixed encryption key and an env-managed owner, waited for until ready, stopped (its whole process
 * group) and restarted on the same user folder. Driving it through its REST API is ./rest.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from '../wait';
import { WITH_NODE24 } from './install';

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

export class N8nProcess {
	readonly userFolder: string;
	readonly logFile: string;
	readonly ownerEmail = 'owner@harmonyuser.test';
	protected readonly ownerSecret = randomBytes(18).toString('base64url');

	/** The owner's login password, generated per run: the demo prints it so a person can log in to the editor. */
	get ownerLogin(): { email: string; password: string } {
		return { email: this.ownerEmail, password: this.ownerSecret };
	}
	private readonly encryption = randomBytes(24).toString('hex');
	private child?: ChildProcess;
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
		const bcrypt = createRequire(path.join(path.dirname(path.dirname(this.bin)), 'package.json'))(
			'bcryptjs',
		) as {
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
			this.child = spawn('bash', [WITH_NODE24, this.bin, 'start'], {
				env,
				detached: true,
				stdio: ['ignore', log, log],
			});
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
			if (waited > this.readyTimeout())
				throw new Error(
					`n8n was not ready within ${Math.round(waited / 1000)} s\n${this.logTail()}`,
				);
			const ready = await fetch(`${this.url}/healthz/readiness`).then(
				(res) => res.status === 200,
				() => false,
			);
			if (ready) break;
			await sleep(200);
		}
		this.startTimes.push(Date.now() - started);
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
}

/** SIGTERM to a child's process group, SIGKILL after a grace period; then whatever the group left behind (n8n's task runner) goes too. */
export async function stopProcessGroup(
	child: ChildProcess | undefined,
	graceMs: number,
): Promise<void> {
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
