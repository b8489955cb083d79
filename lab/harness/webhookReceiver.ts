/** A loopback HTTP receiver for the bridge plugin's signed webhooks: verifies signatures and records the events. */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
	headers: http.IncomingHttpHeaders;
	raw: string;
	// The event body is the package's sync event schema; tests assert on its shape.
	body: any;
	/** The X-HarmonyUser-Signature matched HMAC-SHA256(secret, "<timestamp>.<raw body>"). */
	signatureValid: boolean;
}

/** Constant-time check of `sha256=<hex>` against HMAC-SHA256(secret, `${timestamp}.${raw}`). */
export function verifySignature(
	secret: string,
	timestamp: string,
	raw: string,
	header: string,
): boolean {
	const expected = Buffer.from(
		`sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`,
	);
	const given = Buffer.from(header);
	return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

export class WebhookReceiver {
	readonly received: ReceivedWebhook[] = [];
	/** Status to answer with (e.g. 500 to make the sender retry). */
	status = 200;
	/** Wait this long before answering (a slow receiver). */
	delayMs = 0;
	private server: http.Server | null = null;
	port = 0;

	constructor(readonly secret: string) {}

	get url(): string {
		return `http://127.0.0.1:${this.port}/hook`;
	}

	/** Listens on `port` (0: a random free one; give the old port to come back after stop()). */
	async start(port = this.port): Promise<string> {
		const server = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				const raw = Buffer.concat(chunks).toString('utf8');
				let body: unknown = raw;
				try {
					body = JSON.parse(raw);
				} catch {
					// keep the text
				}
				const ts = String(req.headers['x-harmonyuser-timestamp'] ?? '');
				const sig = String(req.headers['x-harmonyuser-signature'] ?? '');
				this.received.push({
					headers: req.headers,
					raw,
					body,
					signatureValid: verifySignature(this.secret, ts, raw, sig),
				});
				const answer = () => {
					if (res.destroyed) return;
					res.writeHead(this.status, { 'Content-Type': 'application/json' });
					res.end('{"ok":true}');
				};
				if (this.delayMs > 0) setTimeout(answer, this.delayMs).unref();
				else answer();
			});
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => resolve());
		});
		this.server = server;
		this.port = (server.address() as AddressInfo).port;
		return this.url;
	}

	async stop(): Promise<void> {
		const server = this.server;
		this.server = null;
		if (!server) return;
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	/** Received events about one login (other tests' users on the shared sites are ignored). */
	eventsFor(login: string): any[] {
		return this.received.map((r) => r.body).filter((b) => b && b.user && b.user.login === login);
	}

	clear(): void {
		this.received.length = 0;
	}
}
