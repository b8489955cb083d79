/** A scripted HTTP server on loopback for fault injection: each request takes the next scripted answer. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
	status?: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** Wait this long before answering (for timeouts and concurrency). */
	delayMs?: number;
	/** Drop the connection without an answer. */
	destroy?: boolean;
}

export class FaultServer {
	readonly requests: Array<{ method: string; url: string; authorization?: string; path?: string }> =
		[];
	inFlight = 0;
	maxInFlight = 0;
	private readonly server: http.Server;
	private script: ScriptedAnswer[] = [];
	private fallback: ScriptedAnswer = { status: 200, body: [] };
	/** Requests left over from an earlier script (a timed-out slow answer) do not count for the current one. */
	private generation = 0;

	constructor() {
		this.server = http.createServer((req, res) => void this.answer(req, res));
	}

	async start(): Promise<string> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	stop(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}

	/** Answers to give in order; after them, `fallback` forever. */
	play(script: ScriptedAnswer[], fallback: ScriptedAnswer = { status: 200, body: [] }): void {
		this.script = [...script];
		this.fallback = fallback;
		this.requests.length = 0;
		this.inFlight = 0;
		this.maxInFlight = 0;
		this.generation++;
	}

	private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const path = req.headers['x-harmonyuser-path'];
		this.requests.push({
			method: req.method ?? '',
			url: req.url ?? '',
			authorization: req.headers.authorization,
			path: path as string | undefined,
		});
		const generation = this.generation;
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		const step = this.script.shift() ?? this.fallback;
		if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
		if (generation === this.generation) this.inFlight--;
		if (step.destroy) {
			req.socket.destroy();
			return;
		}
		const body = typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? {});
		res.writeHead(step.status ?? 200, {
			'Content-Type': 'application/json; charset=UTF-8',
			...step.headers,
		});
		res.end(body);
	}
}
