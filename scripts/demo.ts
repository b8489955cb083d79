/**
 * The demo (npm run demo): three real WordPress sites, real n8n with this package installed the Community Nodes
 * way, the example workflows two-way A ↔ B and chain (B → C) active, then a few user changes made on site A through
 * WordPress's REST API. For each change it waits until sites B and C show it (their REST APIs), then prints the
 * Sync Log (the SQLite file the workflows' Sync Log node writes) as a table. The n8n editor and wp-admin stay up,
 * URLs and logins printed, until Ctrl-C (or SIGTERM), which stops n8n and the sites.
 *
 * `--exit` (or HUS_DEMO_EXIT=1), for CI and scripted runs: stop n8n and the sites right after the tables; the exit
 * code is 0 when every change arrived, 1 otherwise.
 */
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import { findUser, rest } from '../lab/harness/wp';
import { logRows, passwordHash } from '../lab/harness/n8n/e2e';
import type { RealN8n } from '../lab/harness/n8n';
import {
	bridgeState,
	demoConfig,
	lastN8nLog,
	n8nLogLines,
	say,
	startStack,
	step,
	stopStack,
	type Sites,
	type Stack,
} from './demo/stack';
import { indent, StepTimeout, waitUntil } from './demo/wait';

const EXIT_AFTER_TABLES =
	process.argv.includes('--exit') || ['1', 'true', 'yes'].includes(process.env.HUS_DEMO_EXIT ?? '');
/** Changes that did not arrive on B and C in time. */
let missed = 0;

let n8n: RealN8n | undefined;
let stopping: Promise<void> | undefined;

function shutdown(signal: string): Promise<void> {
	stopping ??= (async () => {
		say(`\n==> ${signal}: stopping n8n and the WordPress sites`);
		await stopStack(n8n);
		say('==> stopped');
	})();
	return stopping;
}

function table(head: string[], body: string[][]): string {
	const all = [head, ...body];
	const widths = head.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
	const line = (row: string[]) =>
		row
			.map((cell, c) => (cell ?? '').padEnd(widths[c]))
			.join('  ')
			.trimEnd();
	return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

type WpUser = Record<string, unknown> & { id: number };

function describeUser(user: WpUser | undefined): string {
	if (!user) return '(no such user)';
	const roles = Array.isArray(user.roles) ? user.roles.join(',') : '';
	return `${String(user.username)} · ${String(user.first_name)} ${String(user.last_name)} · ${roles} · ${String(user.email)}`;
}

/** The Sync Log's last rows for a login, with the reason and message of each (what the User Sync nodes reported). */
function syncLogOf(stack: Stack, login: string): string {
	if (!existsSync(stack.logFile)) return 'the Sync Log: no row yet';
	const db = new DatabaseSync(stack.logFile, { readOnly: true });
	try {
		const rows = db
			.prepare(
				'SELECT source, target, status, reason, error_message, message FROM sync_log WHERE login = ? ORDER BY seq DESC LIMIT 4',
			)
			.all(login) as Array<Record<string, string | null>>;
		const letter = (url: string | null) =>
			Object.entries(stack.sites).find(([, site]) => site.url === url)?.[0] ?? url ?? '?';
		const line = (row: Record<string, string | null>) =>
			`${letter(row.source)}→${letter(row.target)} ${row.status} ${row.reason ?? ''}${row.error_message || row.message ? `: ${String(row.error_message || row.message).slice(0, 160)}` : ''}`;
		return `the Sync Log's last rows for ${login} (newest first): ${rows.length ? rows.map(line).join('; ') : 'none'}`;
	} catch (error) {
		return `the Sync Log: ${error instanceof Error ? error.message : String(error)}`;
	} finally {
		db.close();
	}
}

/** What the sites and n8n showed when a change did not arrive: the user on B and C, the last executions, the queues. */
async function seenAfterChange(stack: Stack, login: string): Promise<string> {
	const lines = [
		`B: ${describeUser(await findUser(stack.sites.B, login))}`,
		`C: ${describeUser(await findUser(stack.sites.C, login))}`,
	];
	const executions = await stack.n8n.executions().catch((error: Error) => error);
	if (executions instanceof Error) lines.push(`n8n's executions: ${executions.message}`);
	else {
		const name = (id: string) =>
			id === stack.twoWay.id ? 'two-way' : id === stack.chain.id ? 'chain' : id;
		const last = executions
			.slice(0, 6)
			.map((execution) => `${name(execution.workflowId)} ${execution.status}`);
		lines.push(
			`n8n's executions (${executions.length}, newest first): ${last.join(', ') || 'none'}`,
		);
	}
	lines.push(
		syncLogOf(stack, login),
		await bridgeState('A', stack.sites.A),
		await bridgeState('B', stack.sites.B),
		n8nLogLines(stack.n8n),
	);
	return lines.join('\n');
}

/**
 * Waits until the change shows on B and C: 60 s on an idle machine (it takes 1 to 3 s), up to 4 × that on a busy one.
 * Returns the ms it took, or -1 after saying what it saw (the demo goes on with the next change).
 */
async function waitFor(
	stack: Stack,
	what: string,
	login: string,
	check: () => Promise<boolean>,
): Promise<number> {
	// After a miss something is broken: the next waits allow a third of the time, so the demo reaches its tables.
	const nominalMs = missed ? 20_000 : 60_000;
	const outcome = await waitUntil({
		step: what,
		check,
		nominalMs,
		attemptMs: 60_000,
		seen: () => seenAfterChange(stack, login),
	}).then(
		({ tookMs }) => tookMs,
		(error: unknown) => error,
	);
	if (typeof outcome === 'number') return outcome;
	if (!(outcome instanceof StepTimeout)) throw outcome;
	missed++;
	say(indent(`✗ ${outcome.message}`));
	return -1;
}

/** A REST create inserts the user, then adds the roles: a poll can catch the user in between, with no role yet. */
const complete = (user: WpUser | undefined): boolean =>
	((user?.roles as string[] | undefined) ?? []).length > 0;

async function onAll(
	sites: Site[],
	login: string,
	test: (user: WpUser | undefined, site: Site) => boolean | Promise<boolean>,
): Promise<boolean> {
	for (const site of sites) if (!(await test(await findUser(site, login), site))) return false;
	return true;
}

async function showOn(sites: Sites, login: string, took: number): Promise<void> {
	const after = took >= 0 ? ` (seen ${(took / 1000).toFixed(1)} s after the change on A)` : '';
	say(`    B: ${describeUser(await findUser(sites.B, login))}${after}`);
	say(`    C: ${describeUser(await findUser(sites.C, login))}`);
}

async function onA(site: Site, route: string, method: string, body?: unknown): Promise<WpUser> {
	const reply = await rest(site, site.admin, route, { method, body });
	if (reply.status >= 300)
		throw new Error(
			`${method} ${route} on A → ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`,
		);
	return reply.body as WpUser;
}

async function changes(stack: Stack): Promise<void> {
	const { A, B, C } = stack.sites;
	const both = [B, C];

	say('\n==> 1. create user ada on A (Ada Lovelace, subscriber)');
	const ada = await onA(A, '/wp/v2/users', 'POST', {
		username: 'ada',
		email: 'ada@a.example',
		password: 'Ada-pass-1',
		first_name: 'Ada',
		last_name: 'Lovelace',
		roles: ['subscriber'],
	});
	let took = await waitFor(stack, 'ada on B and C', 'ada', () =>
		onAll(both, 'ada', (user) => complete(user) && user?.email === 'ada@a.example'),
	);
	await showOn(stack.sites, 'ada', took);

	say('\n==> 2. change ada’s name (Augusta King) and role (editor) on A');
	await onA(A, `/wp/v2/users/${ada.id}`, 'POST', {
		first_name: 'Augusta',
		last_name: 'King',
		roles: ['editor'],
	});
	took = await waitFor(stack, 'new name and role on B and C', 'ada', () =>
		onAll(
			both,
			'ada',
			(user) => user?.last_name === 'King' && (user.roles as string[]).join() === 'editor',
		),
	);
	await showOn(stack.sites, 'ada', took);

	say('\n==> 3. change ada’s email on A to ada.king@a.example');
	await onA(A, `/wp/v2/users/${ada.id}`, 'POST', { email: 'ada.king@a.example' });
	took = await waitFor(stack, 'new email on B and C', 'ada', () =>
		onAll(both, 'ada', (user) => user?.email === 'ada.king@a.example'),
	);
	await showOn(stack.sites, 'ada', took);

	say('\n==> 4. change ada’s password on A');
	await onA(A, `/wp/v2/users/${ada.id}`, 'POST', { password: 'Ada-pass-2' });
	const hashA = await passwordHash(A, ada.id);
	took = await waitFor(stack, 'the new password hash on B and C', 'ada', () =>
		onAll(
			both,
			'ada',
			async (user, site) => user !== undefined && (await passwordHash(site, user.id)) === hashA,
		),
	);
	say(
		took >= 0
			? `    B and C: ada’s password hash equals A’s (${hashA.slice(0, 7)}…), ${(took / 1000).toFixed(1)} s after the change; she logs in everywhere with the new password`
			: `    B and C: ada’s password hash differs from A’s (${hashA.slice(0, 7)}…)`,
	);

	say('\n==> 5. create user grace on A with “Prohibit sync propagation” switched on');
	await onA(A, '/wp/v2/users', 'POST', {
		username: 'grace',
		email: 'grace@a.example',
		password: 'Grace-pass-1',
		first_name: 'Grace',
		last_name: 'Hopper',
		roles: ['author'],
		meta: { harmonyuser_prohibit_propagation: '1' },
	});
	// The bridge on A sends no event for a user whose switch is on: nothing reaches n8n. Give it 3 s to be sure.
	const runsBefore = (await stack.n8n.executions()).length;
	await new Promise((resolve) => setTimeout(resolve, 3000));
	const runsAfter = (await stack.n8n.executions()).length;
	say(
		`    A’s bridge sent no event for grace: n8n ran ${runsAfter - runsBefore} executions in the 3 s after the change`,
	);
	await showOn(stack.sites, 'grace', -1);

	say('\n==> 6. create user alan on A (author), then delete him on A');
	const alan = await onA(A, '/wp/v2/users', 'POST', {
		username: 'alan',
		email: 'alan@a.example',
		password: 'Alan-pass-1',
		first_name: 'Alan',
		last_name: 'Turing',
		roles: ['author'],
	});
	took = await waitFor(stack, 'alan on B and C', 'alan', () => onAll(both, 'alan', complete));
	await showOn(stack.sites, 'alan', took);
	await onA(A, `/wp/v2/users/${alan.id}?force=true&reassign=${A.admin.id}`, 'DELETE');
	say('    deleted on A');
	took = await waitFor(stack, 'alan gone from B and C', 'alan', () =>
		onAll(both, 'alan', (user) => user === undefined),
	);
	await showOn(stack.sites, 'alan', took);
}

async function report(stack: Stack): Promise<void> {
	const { A, B, C } = stack.sites;
	const letter = (url: string | null) =>
		url === A.url ? 'A' : url === B.url ? 'B' : url === C.url ? 'C' : (url ?? '?');
	// The last echo (B → A, skipped) lands a moment after B's change: let the log settle.
	let rows = logRows(stack.n8n);
	for (let i = 0; i < 20; i++) {
		await new Promise((resolve) => setTimeout(resolve, 250));
		const again = logRows(stack.n8n);
		if (again.length === rows.length && i >= 4) break;
		rows = again;
	}
	say(`\n==> the Sync Log (${stack.logFile}): one row per result of a User Sync node\n`);
	say(
		table(
			['TIME', 'SOURCE→TARGET', 'USER', 'ACTION', 'STATUS', 'REASON'],
			rows.map((row) => [
				new Date(Number(row.logged_at)).toISOString().slice(11, 23),
				`${letter(row.source)}→${letter(row.target)}`,
				row.login ?? '-',
				row.action ?? '-',
				row.status,
				row.reason ?? '-',
			]),
		),
	);
	say(
		'\n    A→B and B→C: the changes made on A. B→A: the two-way workflow hearing B’s own sync write; the event',
	);
	say(
		'    already went through A (its propagation path), so nothing is written back: no loop. A B→A row can come',
	);
	say(
		'    first: B’s bridge sends its event while the A→B write is still answering, and rows are written at the end.',
	);

	say('\n==> the users now (REST API of each site)\n');
	const body: string[][] = [];
	for (const login of ['ada', 'grace', 'alan']) {
		const cells = [login];
		for (const site of [A, B, C]) {
			const user = await findUser(site, login);
			cells.push(
				user
					? `${String(user.first_name)} ${String(user.last_name)}, ${(user.roles as string[]).join(',')}, ${String(user.email)}`
					: '—',
			);
		}
		body.push(cells);
	}
	say(table(['USER', 'A', 'B', 'C'], body));
}

async function main(): Promise<void> {
	process.on('SIGINT', () => void shutdown('Ctrl-C').then(() => process.exit(130)));
	process.on('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(143)));
	process.on(
		'SIGHUP',
		() => void shutdown('SIGHUP (terminal closed)').then(() => process.exit(129)),
	);
	const stack = await startStack({
		activate: true,
		chainFromBOnly: true,
		onN8n: (instance) => (n8n = instance),
	});
	n8n = stack.n8n;
	step('ready: making changes on site A through its REST API');
	await changes(stack);
	await report(stack);
	say(
		missed
			? `\n✗ ${missed} of the 6 waits for B and C ran out (see ✗ above)`
			: '\n✓ every change made on A arrived on B and C',
	);

	if (EXIT_AFTER_TABLES) {
		step('done (--exit)');
		await shutdown('--exit');
		process.exit(missed ? 1 : 0);
	}
	const { A, B, C } = stack.sites;
	say('\n==> still running — have a look:');
	say(
		`    n8n editor   ${stack.n8n.url}/home/workflows   login ${stack.ownerEmail} / ${stack.ownerPassword}`,
	);
	say(`      two-way A ↔ B  ${stack.n8n.url}/workflow/${stack.twoWay.id}`);
	say(`      chain B → C    ${stack.n8n.url}/workflow/${stack.chain.id}`);
	say(`    WordPress    admin / ${lab.ADMIN_PASSWORD}`);
	for (const [name, site] of [
		['A', A],
		['B', B],
		['C', C],
	] as const)
		say(`      ${name}  ${site.url}/wp-admin/users.php`);
	const grace = await findUser(A, 'grace');
	if (grace)
		say(`      grace’s switches on A: ${A.url}/wp-admin/user-edit.php?user_id=${grace.id}`);
	say('    Change a user in wp-admin on A or B and watch it arrive (n8n: Executions).');
	say('\nPress Ctrl-C to stop n8n and the sites.');
	// Keeps the process alive until a signal ends it.
	setInterval(() => undefined, 1 << 30);
}

main().catch(async (error: unknown) => {
	// A failed step says which step it was and what it saw; anything else comes with its stack.
	const stepError =
		error instanceof StepTimeout ||
		(error instanceof Error && / failed \(load /.test(error.message));
	const message =
		error instanceof Error
			? stepError
				? error.message
				: (error.stack ?? error.message)
			: String(error);
	process.stderr.write(`\ndemo failed: ${message}\n`);
	if (n8n && !message.includes(n8n.logFile)) process.stderr.write(`${n8nLogLines(n8n, 25)}\n`);
	await shutdown('failure');
	if (n8n) process.stderr.write(`n8n's whole log of this run: ${lastN8nLog(demoConfig())}\n`);
	process.exit(1);
});
