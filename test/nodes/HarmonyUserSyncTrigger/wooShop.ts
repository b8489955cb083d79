/**
 * A WooCommerce shop on a lab site for the trigger's tests: the fake WooCommerce mu-plugin (always), or a real
 * WooCommerce 7.9.0 when HUS_REAL_WOOCOMMERCE names its unpacked directory (never committed: see the fixtures'
 * README). And a restartable stand-in for n8n's webhook endpoint feeding the trigger in n8n-core's WebhookContext.
 */
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { TriggerHarness, WebhookCallResult } from '../../../lab/harness/engine';
import { rest } from '../../../lab/harness/wp';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'wp');
export const FAKE_WOO = path.join(FIXTURES, 'fake-woocommerce-webhooks.php');
const ALLOW_PORTS = path.join(FIXTURES, 'allow-webhook-ports.php');

export interface WooWebhookRow {
	id: number;
	topic: string;
	status: string;
	delivery_url: string;
	date_modified_gmt: string | null;
}

export interface Shop {
	site: Site;
	kind: 'fake' | 'real';
	/** Runs the queued deliveries now (Action Scheduler's runner, or the fake's). */
	runQueue(): Promise<void>;
	webhooks(): Promise<WooWebhookRow[]>;
	remove(): Promise<void>;
}

/** Lets WordPress's wp_safe_remote_request() call the receiver's port (what a shop owner's filter does). */
async function allowPort(site: Site, port: number): Promise<void> {
	lab.installMuPlugin(site, ALLOW_PORTS, 'allow-webhook-ports');
	await lab.wpEval(site, `update_option('hus_test_allowed_ports', array(${port}));`);
}

export async function fakeShop(site: Site, receiverPort: number): Promise<Shop> {
	lab.installMuPlugin(site, FAKE_WOO, 'fake-woocommerce-webhooks');
	await lab.wpEval(site, "fake_wc_clear_queue(); delete_option('fake_wc_delivery_log');");
	await allowPort(site, receiverPort);
	return {
		site,
		kind: 'fake',
		runQueue: async () => {
			await lab.wpEval(site, 'fake_wc_run_queue();');
		},
		webhooks: async () =>
			(await rest(site, site.admin, '/wc/v3/webhooks?status=all')).body as WooWebhookRow[],
		remove: async () => {
			lab.removeMuPlugin(site, 'fake-woocommerce-webhooks');
			lab.removeMuPlugin(site, 'allow-webhook-ports');
		},
	};
}

/** A real WooCommerce (HUS_REAL_WOOCOMMERCE: the unpacked 7.9.0 release with vendor/), activated on the site. */
export async function realShop(site: Site, receiverPort: number): Promise<Shop> {
	const dir = process.env.HUS_REAL_WOOCOMMERCE;
	if (!dir) throw new Error('HUS_REAL_WOOCOMMERCE is not set');
	await lab.installPlugin(site, dir, 'woocommerce');
	await allowPort(site, receiverPort);
	return {
		site,
		kind: 'real',
		runQueue: async () => {
			// Twice: a delivery can queue another (none here, but Action Scheduler batches are bounded).
			await lab.wpEval(site, 'ActionScheduler::runner()->run(); ActionScheduler::runner()->run();');
		},
		webhooks: async () =>
			(await rest(site, site.admin, '/wc/v3/webhooks?status=all&per_page=100'))
				.body as WooWebhookRow[],
		remove: async () => {
			lab.removeMuPlugin(site, 'allow-webhook-ports');
		},
	};
}

/**
 * n8n's webhook endpoint for one trigger harness, on a fixed port it can leave and come back to (an n8n that is
 * down, then up again). Records every answered call; `settled()` waits for calls still running (a catch-up runs
 * after the answer).
 */
export class Receiver {
	readonly calls: Array<
		WebhookCallResult & { headers: Record<string, string | string[] | undefined> }
	> = [];
	harness?: TriggerHarness;
	private server?: Server;
	private readonly running = new Set<Promise<unknown>>();

	constructor(public port = 0) {}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}/webhook`;
	}

	async start(): Promise<void> {
		const server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const call = this.harness!.call({
					headers: req.headers,
					body: Buffer.concat(chunks),
					remoteAddress: req.socket.remoteAddress,
					method: req.method,
				});
				// The node answers through the response object; the harness reports it when the call returns.
				const done = call.then(
					(result) => {
						this.calls.push({ ...result, headers: req.headers });
						if (!res.headersSent) {
							res.writeHead(result.status, { 'Content-Type': 'application/json' });
							res.end(JSON.stringify(result.body));
						}
					},
					(error: Error) => {
						if (!res.headersSent) {
							res.writeHead(500, { 'Content-Type': 'application/json' });
							res.end(JSON.stringify({ error: error.message }));
						}
					},
				);
				this.running.add(done);
				void done.finally(() => this.running.delete(done));
			});
		});
		await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
		this.port = (server.address() as { port: number }).port;
		this.server = server;
	}

	async stop(): Promise<void> {
		const server = this.server;
		this.server = undefined;
		if (!server) return;
		await this.settled();
		await new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		});
	}

	async settled(): Promise<void> {
		while (this.running.size) await Promise.all([...this.running]);
	}

	/** The events of every execution started so far, in order. */
	events(): Array<Record<string, unknown> & { action: string; user: Record<string, unknown> }> {
		return this.calls.flatMap((call) =>
			(call.workflowData?.[0] ?? []).map((item) => item.json as never),
		);
	}
}
