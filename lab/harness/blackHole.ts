/**
 * A black-holed webhook receiver on 127.0.0.1: connections to it never complete (their SYNs are dropped), as with a
 * firewall that drops packets or a host that is gone. A child Node process listens with a backlog of 1 and never
 * accepts (its event loop is blocked in Atomics.wait, which costs no CPU); two connections of ours fill the queue,
 * so every later connect hangs until the client's connect timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

const SCRIPT = `
const s = require('net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});`;

export class BlackHole {
	private child: ChildProcess | null = null;
	private fillers: net.Socket[] = [];
	port = 0;

	get url(): string {
		return `http://127.0.0.1:${this.port}/hook`;
	}

	async start(): Promise<string> {
		const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
		this.child = child;
		this.port = await new Promise<number>((resolve, reject) => {
			let text = '';
			child.stdout?.on('data', (d: Buffer) => {
				text += d.toString();
				if (text.includes('\n')) resolve(Number(text.trim()));
			});
			child.once('exit', (code) => reject(new Error(`black hole exited (${code})`)));
		});
		for (let i = 0; i < 2; i++) {
			const socket = net.connect({ host: '127.0.0.1', port: this.port });
			socket.on('error', () => undefined);
			this.fillers.push(socket);
			await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
		}
		return this.url;
	}

	/** Whether a connection attempt hangs for `ms` (the hole is closed when it connects). */
	async swallows(ms = 300): Promise<boolean> {
		return new Promise((resolve) => {
			const socket = net.connect({ host: '127.0.0.1', port: this.port });
			socket.on('error', () => resolve(false));
			socket.once('connect', () => {
				socket.destroy();
				resolve(false);
			});
			setTimeout(() => {
				socket.destroy();
				resolve(true);
			}, ms).unref();
		});
	}

	async stop(): Promise<void> {
		for (const socket of this.fillers) socket.destroy();
		this.fillers = [];
		const child = this.child;
		this.child = null;
		if (child && child.exitCode === null) {
			const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
			child.kill('SIGKILL');
			await exited;
		}
	}
}
