/**
 * Retakes docs/screenshots/*.png: the example workflows in the n8n editor, the HarmonyUser Sync node's settings and
 * the bridge plugin's switches on wp-admin's user-edit screen. Same stack as the demo (scripts/demo/stack.ts):
 * three lab WordPress sites, real n8n with this package installed the Community Nodes way, the examples imported
 * and activated. Headless Chromium (Debian's package, installed with apt-get when missing) is driven over the
 * Chrome DevTools Protocol with Node's built-in WebSocket: no browser-automation package needed.
 *
 *   bash scripts/screenshots.sh      (or, after a build: bash scripts/with-node24.sh npx tsx scripts/screenshots.ts)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { rest } from '../lab/harness/wp';
import type { RealN8n } from '../lab/harness/n8n';
import { say, startStack, step, stopStack } from './demo/stack';

const OUT = path.resolve(__dirname, '..', 'docs', 'screenshots');
const WIDTH = 1400;
const HEIGHT = 900;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chromiumPath(): string {
	const found = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file));
	if (found) return found;
	step('installing Debian’s chromium (apt-get install -y chromium)');
	const install = () =>
		// A setup step of this script: Debian's package manager installs the browser it drives.
		execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
			stdio: ['ignore', 'inherit', 'inherit'],
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
		});
	try {
		install();
	} catch {
		// The package lists may be missing or stale: update them once and retry.
		execFileSync('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'] });
		install();
	}
	if (!existsSync('/usr/bin/chromium')) throw new Error('apt-get installed no /usr/bin/chromium');
	return '/usr/bin/chromium';
}

interface CdpReply {
	id?: number;
	method?: string;
	result?: Record<string, unknown>;
	error?: { message: string };
}

/** One page of a headless Chromium, driven over the DevTools Protocol. */
class Browser {
	private nextId = 0;
	private readonly pending = new Map<
		number,
		{ resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }
	>();
	private readonly listeners: Array<(message: CdpReply) => void> = [];

	private constructor(
		private readonly child: ChildProcess,
		private readonly socket: WebSocket,
		private readonly profile: string,
	) {
		socket.addEventListener('message', (event) => {
			const message = JSON.parse(String(event.data)) as CdpReply;
			if (message.id !== undefined) {
				const waiter = this.pending.get(message.id);
				this.pending.delete(message.id);
				if (message.error) waiter?.reject(new Error(message.error.message));
				else waiter?.resolve(message.result ?? {});
			} else for (const listener of this.listeners) listener(message);
		});
	}

	static async launch(): Promise<Browser> {
		const binary = chromiumPath();
		const profile = mkdtempSync(path.join(tmpdir(), 'hus-chromium-'));
		// The flags this closed network needs (no background connections to Google), root without a sandbox.
		const args = [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--hide-scrollbars',
			`--user-data-dir=${profile}`,
			`--window-size=${WIDTH},${HEIGHT}`,
			'--remote-debugging-port=0',
			'about:blank',
		];
		// Starting the browser this script drives.
		const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
		const endpoint = await new Promise<string>((resolve, reject) => {
			let text = '';
			const timer = setTimeout(
				() => reject(new Error(`chromium printed no DevTools address in 30 s:\n${text}`)),
				30_000,
			);
			child.stderr?.on('data', (chunk: Buffer) => {
				text += chunk.toString();
				const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
				if (match) {
					clearTimeout(timer);
					resolve(match[1]);
				}
			});
			child.once('exit', (code) => reject(new Error(`chromium exited (${code}):\n${text}`)));
		});
		const port = new URL(endpoint).port;
		const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
			type: string;
			webSocketDebuggerUrl: string;
		}>;
		const page = targets.find((target) => target.type === 'page');
		if (!page) throw new Error('chromium has no page target');
		const socket = new WebSocket(page.webSocketDebuggerUrl);
		await new Promise<void>((resolve, reject) => {
			socket.addEventListener('open', () => resolve());
			socket.addEventListener('error', () => reject(new Error('DevTools WebSocket failed')));
		});
		const browser = new Browser(child, socket, profile);
		await browser.send('Page.enable');
		await browser.send('Runtime.enable');
		await browser.send('Emulation.setDeviceMetricsOverride', {
			width: WIDTH,
			height: HEIGHT,
			deviceScaleFactor: 1,
			mobile: false,
		});
		return browser;
	}

	send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
		const id = ++this.nextId;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			this.socket.send(JSON.stringify({ id, method, params }));
		});
	}

	/** Navigates and waits for the load event, then `settleMs` for the page's scripts to draw. */
	async open(url: string, settleMs = 1500): Promise<void> {
		const loaded = new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, 30_000);
			this.listeners.push((message) => {
				if (message.method === 'Page.loadEventFired') {
					clearTimeout(timer);
					resolve();
				}
			});
		});
		await this.send('Page.navigate', { url });
		await loaded;
		this.listeners.length = 0;
		await sleep(settleMs);
	}

	/** Evaluates an expression in the page (promises awaited); returns its JSON value. */
	async evaluate<T>(expression: string): Promise<T> {
		const reply = await this.send('Runtime.evaluate', {
			expression,
			awaitPromise: true,
			returnByValue: true,
		});
		const details = reply.exceptionDetails as
			| { text?: string; exception?: { description?: string } }
			| undefined;
		if (details)
			throw new Error(`page script failed: ${details.exception?.description ?? details.text}`);
		return (reply.result as { value: T }).value;
	}

	async url(): Promise<string> {
		return this.evaluate<string>('location.href');
	}

	async shoot(name: string): Promise<string> {
		const reply = await this.send('Page.captureScreenshot', { format: 'png' });
		const file = path.join(OUT, name);
		writeFileSync(file, Buffer.from(String(reply.data), 'base64'));
		step(`saved ${path.relative(process.cwd(), file)}`);
		return file;
	}

	async close(): Promise<void> {
		this.socket.close();
		this.child.kill('SIGTERM');
		await sleep(500);
		rmSync(this.profile, { recursive: true, force: true });
	}
}

/** Hides n8n's floating “Production Checklist” card, which would cover the canvas's left part. */
async function hideN8nPopups(browser: Browser): Promise<void> {
	await browser.evaluate(`(() => {
		for (const el of document.querySelectorAll('body *')) {
			if (el.childElementCount !== 0 || el.textContent.trim() !== 'Production Checklist') continue;
			for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
				const position = getComputedStyle(box).position;
				if (position === 'fixed' || position === 'absolute') { box.style.display = 'none'; break; }
			}
		}
	})()`);
	await sleep(300);
}

/** Logs the page in to n8n with the owner's login, the way the editor's sign-in form does. */
async function n8nLogin(
	browser: Browser,
	n8n: RealN8n,
	email: string,
	password: string,
): Promise<void> {
	await browser.open(`${n8n.url}/signin`);
	const status = await browser.evaluate<number>(`(async () => {
		let id = localStorage.getItem('n8n-browserId');
		if (!id) { id = ${JSON.stringify(randomUUID())}; localStorage.setItem('n8n-browserId', id); }
		const res = await fetch('/rest/login', { method: 'POST', credentials: 'include',
			headers: { 'Content-Type': 'application/json', 'browser-id': id },
			body: JSON.stringify({ emailOrLdapLoginId: ${JSON.stringify(email)}, password: ${JSON.stringify(password)} }) });
		return res.status;
	})()`);
	if (status !== 200) throw new Error(`n8n login from the page answered ${status}`);
}

/** Logs the page in to wp-admin through wp-login.php's form (WordPress sets its auth cookies). */
async function wpLogin(browser: Browser, site: Site): Promise<void> {
	await browser.open(`${site.url}/wp-login.php`, 300);
	await browser.evaluate(`(() => {
		document.getElementById('user_login').value = ${JSON.stringify(site.admin.username)};
		document.getElementById('user_pass').value = ${JSON.stringify(lab.ADMIN_PASSWORD)};
		document.getElementById('loginform').submit();
	})()`);
	await sleep(2500);
	if (!(await browser.url()).includes('/wp-admin'))
		throw new Error(`wp-admin login on ${site.url} did not reach wp-admin`);
}

async function main(): Promise<void> {
	mkdirSync(OUT, { recursive: true });
	let n8n: RealN8n | undefined;
	let browser: Browser | undefined;
	const cleanup = async () => {
		await browser?.close().catch(() => undefined);
		await stopStack(n8n);
	};
	process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
	process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));
	try {
		const stack = await startStack({
			activate: true,
			chainFromBOnly: false,
			onN8n: (instance) => (n8n = instance),
		});
		n8n = stack.n8n;
		const { A } = stack.sites;
		// A user with “Prohibit sync propagation” on (the bridge sends nothing for her, so she stays on A).
		const created = await rest(A, A.admin, '/wp/v2/users', {
			method: 'POST',
			body: {
				username: 'grace',
				email: 'grace@a.example',
				password: 'Grace-pass-1',
				first_name: 'Grace',
				last_name: 'Hopper',
				roles: ['author'],
				meta: { harmonyuser_prohibit_propagation: '1' },
			},
		});
		if (created.status !== 201) throw new Error(`creating grace on A → ${created.status}`);
		const grace = created.body as { id: number };

		browser = await Browser.launch();
		step('chromium started (headless, DevTools Protocol)');
		await n8nLogin(browser, stack.n8n, stack.ownerEmail, stack.ownerPassword);

		await browser.open(`${stack.n8n.url}/workflow/${stack.twoWay.id}`, 5000);
		await hideN8nPopups(browser);
		await browser.shoot('n8n-two-way-sync.png');
		await browser.open(`${stack.n8n.url}/workflow/${stack.chain.id}`, 5000);
		await hideN8nPopups(browser);
		await browser.shoot('n8n-chain.png');

		// The node's settings panel: n8n opens a node's panel from /workflow/<id>/<nodeId>.
		const apply = stack.twoWay.workflow.nodes.find((node) => node.name === 'Apply to Site B');
		const stored = await stack.n8n.rest<{ nodes: Array<{ id: string; name: string }> }>(
			'GET',
			`/workflows/${stack.twoWay.id}`,
		);
		const nodeId = stored.nodes.find((node) => node.name === apply?.name)?.id;
		if (nodeId) {
			await browser.open(`${stack.n8n.url}/workflow/${stack.twoWay.id}/${nodeId}`, 5000);
			await hideN8nPopups(browser);
			await browser.shoot('n8n-user-sync-node.png');
		}

		await wpLogin(browser, A);
		await browser.open(`${A.url}/wp-admin/user-edit.php?user_id=${grace.id}`, 500);
		await browser.evaluate(`(() => {
			// Gravatar is out of reach here: hide the broken avatar images.
			for (const img of document.querySelectorAll('img.avatar')) img.style.visibility = 'hidden';
			const box = document.getElementById('harmonyuser_prohibit_propagation');
			const section = box && (box.closest('table')?.previousElementSibling ?? box);
			if (section) { section.scrollIntoView({ block: 'start' }); window.scrollBy(0, -120); }
			return !!box;
		})()`);
		await sleep(300);
		await browser.shoot('wp-admin-user-switches.png');
		say(`\nScreenshots in ${OUT}`);
	} finally {
		await cleanup();
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(
			`screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`,
		);
		process.exit(1);
	},
);
