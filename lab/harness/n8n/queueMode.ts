/**
 * n8n's own distributed engine for end-to-end tests: one main process (`n8n start`, EXECUTIONS_MODE=queue: it
 * receives the webhooks and enqueues executions in Redis) and N workers (`n8n worker`), all on a fresh Postgres
 * database, with one user folder (so one installed copy of this package, loaded the Community Nodes way by every
 * process), one encryption key and a Bull prefix of their own (runs never share jobs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Site } from '../../lab';
import { createTestDatabase, type TestDatabase } from '../postgres';
import { createUser } from '../wp';
import { ROOT, ensureN8nInstalled, installPackage } from './install';
import { freePort, stopProcessGroup } from './process';
import { RealN8n } from './rest';

const WITH_NODE24 = path.join(ROOT, 'scripts', 'with-node24.sh');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const REDIS = { host: '127.0.0.1', port: 6379 };

/** A user of the queue-mode bursts (test and benchmark), created on a lab site by REST. */
export const createQueueUser = (site: Site, name: string) =>
	createUser(site, name, { email: `${name}@queue.test`, first_name: 'Initial', last_name: name });

/** Starts the machine's Redis when nothing answers on 127.0.0.1:6379 (no persistence: a test server). */
export async function ensureRedis(): Promise<void> {
	if (await redisAnswers()) return;
	await new Promise<void>((resolve, reject) => {
		// Test-only: starting the machine's Redis is the point of this helper.
		const start = spawn(
			'redis-server',
			[
				'--daemonize',
				'yes',
				'--bind',
				REDIS.host,
				'--port',
				String(REDIS.port),
				'--save',
				'',
				'--appendonly',
				'no',
			],
			{
				stdio: 'ignore',
			},
		);
		start.on('error', reject);
		start.on('exit', (code) =>
			code === 0 ? resolve() : reject(new Error(`redis-server exited with ${code}`)),
		);
	});
	for (let attempt = 0; attempt < 50; attempt += 1) {
		if (await redisAnswers()) return;
		await sleep(100);
	}
	throw new Error('Redis did not start');
}

/** A PING over a raw socket (no client library needed). */
async function redisAnswers(): Promise<boolean> {
	const { connect } = await import('node:net');
	return new Promise((resolve) => {
		const socket = connect(REDIS.port, REDIS.host);
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1000, () => done(false));
		socket.on('error', () => done(false));
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
	});
}

export interface Worker {
	name: string;
	logFile: string;
	healthPort: number;
	brokerPort: number;
	child?: ChildProcess;
	/** ms from spawn to ready */
	readyMs?: number;
}

export interface QueueModeOptions {
	workers?: number;
	concurrency?: number;
}

export class QueueModeN8n {
	readonly main: RealN8n;
	readonly workers: Worker[] = [];
	readonly bullPrefix = `hus${randomBytes(4).toString('hex')}`;
	database?: TestDatabase;
	private readonly concurrency: number;
	private readonly workerCount: number;

	private constructor(bin: string, options: QueueModeOptions) {
		this.main = new RealN8n(bin);
		this.concurrency = options.concurrency ?? 5;
		this.workerCount = options.workers ?? 2;
	}

	/** Installs n8n (cached) and this package, creates the database, starts main and the workers; ready when it resolves. */
	static async start(options: QueueModeOptions = {}): Promise<QueueModeN8n> {
		const cluster = new QueueModeN8n(ensureN8nInstalled(), options);
		const failure = await cluster.boot().then(
			() => undefined,
			(error: unknown) => error,
		);
		if (failure !== undefined) {
			await cluster.dispose();
			throw failure;
		}
		return cluster;
	}

	private async boot(): Promise<void> {
		installPackage(this.main.userFolder);
		await ensureRedis();
		this.database = await createTestDatabase();
		const { host, port, database, user } = this.database.settings;
		this.main.extraEnv = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: REDIS.host,
			QUEUE_BULL_REDIS_PORT: String(REDIS.port),
			QUEUE_BULL_PREFIX: this.bullPrefix,
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: host,
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: database,
			DB_POSTGRESDB_USER: user,
			DB_POSTGRESDB_PASSWORD: '',
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			// Keep every execution's data: the test reads them back.
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		};
		// The main process migrates the fresh database; workers start after it.
		await this.main.start();
		for (let i = 0; i < this.workerCount; i += 1) {
			this.workers.push({
				name: `worker${i + 1}`,
				logFile: path.join(this.main.userFolder, `worker${i + 1}.log`),
				healthPort: await freePort(),
				brokerPort: await freePort(),
			});
		}
		await Promise.all(this.workers.map((worker) => this.startWorker(worker)));
	}

	private async startWorker(worker: Worker): Promise<void> {
		const env: NodeJS.ProcessEnv = {
			...this.main.baseEnv(),
			N8N_RUNNERS_BROKER_PORT: String(worker.brokerPort),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(worker.healthPort),
		};
		delete env.NODE_ENV;
		delete env.JEST_WORKER_ID;
		const started = Date.now();
		const log = openSync(worker.logFile, 'a');
		try {
			// Test-only: starting real n8n workers is the point of this helper.
			worker.child = spawn(
				'bash',
				[WITH_NODE24, this.main.bin, 'worker', `--concurrency=${this.concurrency}`],
				{
					env,
					detached: true,
					stdio: ['ignore', log, log],
				},
			);
		} finally {
			closeSync(log);
		}
		let exited: string | undefined;
		worker.child.once('exit', (code, signal) => {
			exited = `${worker.name} exited (code ${code}, signal ${signal})`;
			worker.child = undefined;
		});
		const deadline = Date.now() + 90_000;
		for (;;) {
			if (exited) throw new Error(`${exited} before it was ready\n${this.logTail(worker)}`);
			if (Date.now() > deadline)
				throw new Error(`${worker.name} was not ready within 90 s\n${this.logTail(worker)}`);
			const ready = await fetch(`http://127.0.0.1:${worker.healthPort}/healthz/readiness`).then(
				(res) => res.status === 200,
				() => false,
			);
			// Ready to take jobs once the worker says so in its log (the health server starts a moment before).
			if (ready && this.workerLog(worker).includes('n8n worker is now ready')) break;
			await sleep(200);
		}
		worker.readyMs = Date.now() - started;
	}

	workerLog(worker: Worker): string {
		try {
			return readFileSync(worker.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	logTail(worker: Worker, lines = 40): string {
		return `--- last ${lines} lines of ${worker.logFile} ---\n${this.workerLog(worker).split('\n').slice(-lines).join('\n')}`;
	}

	/** Execution ids each worker says it started (`Worker started execution <id> (job <n>)`, info level). */
	executionsByWorker(): Record<string, string[]> {
		const byWorker: Record<string, string[]> = {};
		for (const worker of this.workers) {
			byWorker[worker.name] = [
				...this.workerLog(worker).matchAll(/Worker started execution (\d+)/g),
			].map((match) => match[1]);
		}
		return byWorker;
	}

	/** Stops the workers (SIGTERM to each process group, SIGKILL after a grace period), then main. */
	async stop(graceMs = 20_000): Promise<void> {
		await Promise.all(
			this.workers.map(async (worker) => {
				await stopProcessGroup(worker.child, graceMs);
				worker.child = undefined;
			}),
		);
		await this.main.stop(graceMs);
	}

	/** Stops everything, drops the database and removes the user folder. */
	async dispose(): Promise<void> {
		await this.stop();
		await this.main.dispose();
		await this.database?.drop().catch(() => undefined);
	}
}
