/**
 * The demo's running stack, shared by scripts/demo.ts and scripts/screenshots.ts: three lab WordPress sites (the
 * bridge plugin on each), real n8n 2.41.1 with this package installed the Community Nodes way, one credential per
 * site and the example workflows created (and, for the demo, activated) through n8n's REST API.
 *
 * The demo keeps its own lab (its own folder, ports from 8891 and databases named by port), so it never stops or
 * resets the sites the tests use. HUS_DEMO_LAB_DIR / HUS_DEMO_PORT_BASE / HUS_DEMO_N8N_PORT override the defaults.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { clearWebhooks, installBridge } from '../../test/bridge/bridgeLab';
import { credentialData, subscriptions, syncLogFile } from '../../test/e2e/helpers/e2e';
import { ensureN8nInstalled, eventually, installPackage, loadExample, RealN8n, webhookPathOf, type WorkflowJson } from '../../test/e2e/helpers/realN8n';

export const say = (text = '') => process.stdout.write(`${text}\n`);

const T0 = Date.now();
/** A progress line with the seconds since the script started. */
export const step = (text: string) => say(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${text}`);

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

async function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

export function useDemoLab(): void {
	process.env.HUS_LAB_DIR = process.env.HUS_DEMO_LAB_DIR ?? path.join(homedir(), '.cache', 'harmonyuser-sync', 'demo-lab');
}

/** Stops what was started (n8n with its user folder, the demo lab's sites); safe to call more than once. */
export async function stopStack(n8n: RealN8n | undefined): Promise<void> {
	await n8n?.dispose().catch(() => undefined);
	useDemoLab();
	await lab.down({ purge: false }).catch(() => undefined);
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

export async function startStack(options: StartOptions): Promise<Stack> {
	useDemoLab();
	const portBase = Number(process.env.HUS_DEMO_PORT_BASE ?? 8891);
	step(`starting three WordPress sites (lab in ${process.env.HUS_LAB_DIR}, ports ${portBase}-${portBase + 2})`);
	const [A, B, C] = await lab.up({ count: 3, portBase });
	step('resetting their users, installing the HarmonyUser Sync Bridge plugin on A, B and C');
	for (const site of [A, B, C]) {
		await lab.resetSite(site);
		await installBridge(site);
		await clearWebhooks(site);
	}

	step('n8n 2.41.1: checking the install in the cache (scripts/n8n.sh installs it once, a few minutes)');
	const bin = ensureN8nInstalled();
	const n8n = new RealN8n(bin);
	options.onN8n?.(n8n);
	step('installing this package into a fresh n8n user folder the Community Nodes way (npm pack → npm install)');
	installPackage(n8n.userFolder);
	const wanted = Number(process.env.HUS_DEMO_N8N_PORT ?? 5678);
	if (await portIsFree(wanted)) n8n.port = wanted;
	else step(`port ${wanted} is taken: n8n gets a free port`);
	step('starting n8n (about 10 s on a fresh database)');
	await n8n.start();
	step(`n8n is ready at ${n8n.url}`);

	const credentialIds: Record<string, string> = {};
	for (const [letter, site] of [['A', A], ['B', B], ['C', C]] as const) {
		credentialIds[`SITE_${letter}_CREDENTIAL_ID`] = await n8n.createCredential(`WordPress Site ${letter}`, 'wordPressAppPasswordApi', credentialData(site));
	}
	step('created the credentials "WordPress Site A/B/C" (WordPress Application Password API)');

	const twoWayJson = loadExample('two-way-sync.json', credentialIds);
	const chainJson = loadExample('chain.json', credentialIds);
	if (options.chainFromBOnly) {
		for (const node of chainJson.nodes) if (node.name === 'Site A changed' || node.name === 'Apply to Site B') node.disabled = true;
		chainJson.name = `${chainJson.name} (A → B disabled here: the two-way workflow does it)`;
	}
	const twoWay = { id: await n8n.createWorkflow(twoWayJson), workflow: twoWayJson };
	const chain = { id: await n8n.createWorkflow(chainJson), workflow: chainJson };
	step(`imported examples/two-way-sync.json (${twoWay.id}) and examples/chain.json (${chain.id})`);

	if (options.activate) {
		await n8n.activate(twoWay.id);
		await n8n.activate(chain.id);
		step('activated both; waiting until their triggers listen and the bridge webhooks are registered on A and B');
		const listening: Array<[CreatedWorkflow, string, Site]> = [
			[twoWay, 'Site A changed', A],
			[twoWay, 'Site B changed', B],
			[chain, 'Site B changed', B],
		];
		for (const [created, nodeName, site] of listening) {
			const webhookPath = webhookPathOf(created.workflow, nodeName);
			await n8n.waitForWebhook(webhookPath);
			const url = `${n8n.url}/webhook/${webhookPath}`;
			await eventually(`the webhook of "${nodeName}" registered on ${site.url}`, async () => (await subscriptions(site)).some((hook) => hook.url === url));
		}
		step(`listening: ${(await subscriptions(A)).length} bridge webhook on A, ${(await subscriptions(B)).length} on B`);
	}

	const { email: ownerEmail, password: ownerPassword } = n8n.ownerLogin;
	return { sites: { A, B, C }, n8n, ownerEmail, ownerPassword, credentialIds, twoWay, chain, logFile: syncLogFile(n8n) };
}
