/** Shared arrangements for the real-n8n end-to-end tests: one n8n per test file, lab sites, the Sync Log file. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as lab from '../../lab';
import type { Site } from '../../lab';
import { clearWebhooks, installBridge, removeBridge } from '../bridge';
import { findUser, rest } from '../wp';
import { eventually } from '../wait';
import { ensureN8nInstalled, installPackage } from './install';
import { RealN8n, webhookPathOf, type ExecutionSummary, type WorkflowJson } from './rest';

/** Installing n8n the first time takes minutes (scripts/n8n.sh); later runs only start it. */
export const SETUP_TIMEOUT = 15 * 60_000;

/** Installs n8n when missing, this package into a fresh user folder, and starts n8n. */
export async function startN8nWithPackage(): Promise<{ n8n: RealN8n; packageDir: string }> {
	const bin = ensureN8nInstalled();
	const n8n = new RealN8n(bin);
	const packageDir = installPackage(n8n.userFolder);
	const failure = await n8n.start().then(
		() => undefined,
		(error: unknown) => error,
	);
	if (failure !== undefined) {
		await n8n.stop();
		throw failure;
	}
	return { n8n, packageDir };
}

/** Runs a test body; on failure the error carries the tail of n8n's log (never secrets: n8n logs none). */
export function withN8nLog(
	getN8n: () => RealN8n | undefined,
	body: () => Promise<void>,
): () => Promise<void> {
	return async () => {
		const failure = await body().then(
			() => undefined,
			(error: unknown) => error ?? new Error('test failed'),
		);
		if (failure === undefined) return;
		const n8n = getN8n();
		if (failure instanceof Error && n8n)
			failure.message = `${failure.message}\n\n${n8n.logTail(80)}`;
		throw failure;
	};
}

export function credentialData(site: Site): Record<string, unknown> {
	return {
		url: site.url,
		username: site.admin.username,
		applicationPassword: site.admin.appPassword,
		readOnly: false,
	};
}

/** The name a lab site gets in a site network credential: "Site A", "Site B", … (the examples' names). */
export function networkSiteName(index: number): string {
	return `Site ${String.fromCharCode(65 + index)}`;
}

/**
 * A WordPress Site Network credential's data over lab sites, named "Site A", "Site B", … in order: each row's
 * admin application password bound to its name ("Site A: …"). `extra` rows are appended (a site that is down).
 */
export function networkCredentialData(
	sites: Site[],
	extra: Array<Record<string, unknown>> = [],
): Record<string, unknown> {
	const rows = sites.map((site, index) => {
		const name = networkSiteName(index);
		return {
			name,
			url: site.url,
			username: site.admin.username,
			applicationPassword: `${name}: ${site.admin.appPassword}`,
			readOnly: false,
			enabled: true,
		};
	});
	return { sites: { site: [...rows, ...extra] } };
}

export interface LogRow {
	seq: number;
	logged_at: number;
	status: string;
	action: string | null;
	reason: string | null;
	source: string | null;
	target: string | null;
	login: string | null;
	email: string | null;
	event_id: string | null;
	path: string;
}

export function syncLogFile(n8n: RealN8n): string {
	return path.join(n8n.userFolder, '.n8n', 'harmonyuser-sync', 'sync-log.sqlite');
}

/** Rows of the Sync Log SQLite file the workflow's Sync Log node writes (read-only; [] before the first write). */
export function logRows(
	n8n: RealN8n,
	where = '1 = 1',
	...params: Array<string | number>
): LogRow[] {
	const file = syncLogFile(n8n);
	if (!existsSync(file)) return [];
	const db = new DatabaseSync(file, { readOnly: true, timeout: 10_000 });
	try {
		return db
			.prepare(
				`SELECT seq, logged_at, status, action, reason, source, target, login, email, event_id, path FROM sync_log WHERE ${where} ORDER BY seq`,
			)
			.all(...params) as unknown as LogRow[];
	} finally {
		db.close();
	}
}

/** The bridge's webhook subscriptions on a site. */
export async function subscriptions(
	site: Site,
): Promise<Array<{ id: string; url: string; events: string[] }>> {
	const reply = await rest(site, site.admin, '/harmonyuser/v1/webhooks');
	return Array.isArray(reply.body) ? reply.body : [];
}

/**
 * Waits until a network trigger (nodeName, Sites: Site Network) of an activated workflow has subscribed every one
 * of `sites` (named as networkCredentialData names them; delivery URL `…/webhook/<path>?site=<name>`) and answers
 * there (an unsigned probe: 401). Returns the delivery URLs, in the sites' order.
 */
export async function networkSubscribed(
	n8n: RealN8n,
	workflow: WorkflowJson,
	nodeName: string,
	sites: Site[],
): Promise<string[]> {
	const webhookPath = webhookPathOf(workflow, nodeName);
	const urls = sites.map(
		(_, index) =>
			`${n8n.url}/webhook/${webhookPath}?site=${encodeURIComponent(networkSiteName(index))}`,
	);
	// n8n answers 404 before the path is registered, and the trigger does while no site is recorded yet.
	await n8n.waitForWebhook(`${webhookPath}?site=${encodeURIComponent(networkSiteName(0))}`);
	await Promise.all(
		sites.map((site, index) =>
			eventually(`the subscription on ${site.name}`, async () =>
				(await subscriptions(site)).some((hook) => hook.url === urls[index]),
			),
		),
	);
	return urls;
}

/** Deletes every bridge subscription on the site (none when the bridge is not active). */
export async function clearSubscriptions(site: Site): Promise<void> {
	for (const hook of await subscriptions(site))
		await rest(site, site.admin, `/harmonyuser/v1/webhooks/${hook.id}`, { method: 'DELETE' });
}

/** Waits until no execution of the workflow is running or queued; returns them all. */
export async function settledExecutions(
	n8n: RealN8n,
	workflowId: string,
	atLeast = 1,
): Promise<ExecutionSummary[]> {
	return eventually(`executions of ${workflowId} settled`, async () => {
		const executions = await n8n.executions(workflowId);
		return (
			executions.length >= atLeast &&
			executions.every((execution) => !['new', 'running', 'waiting'].includes(execution.status)) &&
			executions
		);
	});
}

/** Removes every user whose login starts with the prefix (test leftovers) from the site, by SQL. */
export async function removeUsersByPrefix(site: Site, prefix: string): Promise<void> {
	const safe = prefix.replace(/[^a-z0-9]/gi, '');
	await lab.sql(
		site,
		`DELETE FROM wp_usermeta WHERE user_id IN (SELECT ID FROM wp_users WHERE user_login LIKE '${safe}%'); DELETE FROM wp_users WHERE user_login LIKE '${safe}%';`,
	);
}

/** The stored password hash of a user. */
export async function passwordHash(site: Site, id: number): Promise<string> {
	return (await lab.sql(site, `SELECT user_pass FROM wp_users WHERE ID = ${Number(id)}`)).trim();
}

/**
 * The site's copy of a user once its creation has finished. A REST create inserts the user, then adds the
 * roles (and the bridge its password hash): a poll can catch the user in between, with no role yet.
 */
export function syncedCopy(
	site: Site,
	login: string,
	timeoutMs = 20_000,
): Promise<Record<string, unknown> & { id: number }> {
	return eventually(
		`${login} on ${site.name}`,
		async () => {
			const user = await findUser(site, login);
			return ((user?.roles as string[] | undefined) ?? []).length > 0 ? user : undefined;
		},
		timeoutMs,
	);
}

/**
 * The usual stage: the bridge plugin on the three lab sites (no webhooks left from earlier runs), real n8n with
 * the package, and one credential per site, keyed by the placeholders the examples use (SITE_A_CREDENTIAL_ID…).
 */
export async function startWithThreeSites(): Promise<{
	n8n: RealN8n;
	sites: Site[];
	credentialIds: Record<string, string>;
}> {
	const sites = lab.sites().slice(0, 3);
	for (const site of sites) {
		await installBridge(site);
		await clearWebhooks(site);
	}
	const { n8n } = await startN8nWithPackage();
	const credentialIds: Record<string, string> = {};
	for (const [i, site] of sites.entries()) {
		const letter = 'ABC'[i];
		credentialIds[`SITE_${letter}_CREDENTIAL_ID`] = await n8n.createCredential(
			`WordPress Site ${letter}`,
			'wordPressAppPasswordApi',
			credentialData(site),
		);
	}
	return { n8n, sites, credentialIds };
}

/** Undoes the stage: stops n8n, then removes the run's webhooks, users (by login prefix) and the bridge from each site. */
export async function stopStage(
	n8n: RealN8n | undefined,
	sites: Array<Site | undefined>,
	loginPrefix: string,
): Promise<void> {
	await n8n?.dispose();
	for (const site of sites) {
		if (!site) continue;
		await clearSubscriptions(site);
		await removeUsersByPrefix(site, loginPrefix);
		await removeBridge(site).catch(() => undefined);
	}
}
