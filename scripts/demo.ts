/**
 * The demo: three real WordPress sites, the HarmonyUser Sync node run by n8n's own workflow engine, a few
 * syncs with their policies, and a table of what happened. The sites stay up for a look until Ctrl-C.
 */
import * as lab from '../lab/lab';
import type { Site } from '../lab/lab';
import type { SyncResult } from '../core/sync/result';
import { credentialOf, runChain, runSync, userEvent } from '../test/helpers/sync';

type Row = [string, string, string, string, string, string, string];
const rows: Row[] = [];
const say = (text: string) => process.stdout.write(`${text}\n`);

function record(step: string, site: Site, results: SyncResult[]) {
	const shown = results.length > 6 ? [...results.slice(0, 3), ...results.slice(-2)] : results;
	for (const r of shown) rows.push([step, site.name, r.user?.login ?? '-', r.status, r.action, r.reason, String(r.requests)]);
	if (shown.length < results.length) rows.push([step, site.name, `… ${results.length - shown.length} more`, '', '', '', '']);
}

function table(head: Row, body: Row[]): string {
	const all = [head, ...body];
	const widths = head.map((_, c) => Math.max(...all.map((row) => row[c].length)));
	return all.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n');
}

async function main() {
	say('==> bringing up three WordPress sites (A, B, C)');
	const [A, B, C] = await lab.up({ count: 3 });
	await Promise.all([A, B, C].map((site) => lab.resetSite(site)));
	await lab.seedUsers(A, 20, { prefix: 'member', role: 'subscriber' });
	await lab.seedUsers(A, 3, { prefix: 'staff', role: 'editor' });

	say('==> 1. reconcile all of A into B (Get Users on A → Reconcile on B)');
	const first = await runChain([{ site: A, operation: 'getUsers' }, { site: B, operation: 'reconcile' }]);
	record('reconcile A→B', B, first.outputs[1] as unknown as SyncResult[]);

	say('==> 2. the same reconcile again: nothing to write');
	const again = await runChain([{ site: A, operation: 'getUsers' }, { site: B, operation: 'reconcile' }]);
	record('reconcile again', B, again.outputs[1] as unknown as SyncResult[]);

	say('==> 3. manual sync of A’s subscribers into C, role filter on, staff1 prohibited from propagating');
	const manual = await runChain([
		{ site: A, operation: 'getUsers', parameters: { filters: { search: 'staff1' } } },
		{ site: C, operation: 'upsertUsers', parameters: { policies: { roles: 'subscriber' } } },
	]);
	record('upsert A→C', C, manual.outputs[1] as unknown as SyncResult[]);

	say('==> 4. member1 changes email on A; the event reaches B, then C, then comes back to A');
	const change = userEvent(A, 'member1', { action: 'update', user: { email: 'member1@new.example', previousEmail: 'member1@example.test', firstName: 'Member', lastName: 'User 1', displayName: 'Member User 1' } });
	const toB = await runSync({ site: B, operation: 'applyEvent', input: [change] });
	record('event A→B', B, toB.results);
	const toC = await runSync({ site: C, operation: 'applyEvent', input: [userEvent(B, 'member1', { ...change, source: { url: B.url }, path: toB.results[0].path } as never)], parameters: { createOnUpdate: true } });
	record('event B→C', C, toC.results);
	const backToA = await runSync({ site: A, operation: 'applyEvent', input: [userEvent(C, 'member1', { ...change, source: { url: C.url }, path: toC.results[0].path } as never)] });
	record('event C→A', A, backToA.results);

	say('==> 5. C is made read-only in its credential; a delete is refused');
	const readOnly = await runSync({ site: C, operation: 'deleteUsers', input: [{ login: 'member1', email: 'member1@new.example', site: A.url }], credential: credentialOf(C, C.admin, { readOnly: true }) });
	record('delete on read-only C', C, readOnly.results);

	say('\nWhat happened (each row is one result item of the HarmonyUser Sync node):\n');
	say(table(['STEP', 'TARGET', 'USER', 'STATUS', 'ACTION', 'REASON', 'REQUESTS'], rows));
	say('\nThe sites stay up. WordPress admin (user admin, password ' + lab.ADMIN_PASSWORD + '):');
	for (const [name, site] of [['A', A], ['B', B], ['C', C]] as const) say(`  ${name}: ${site.url}/wp-admin/users.php`);
	say('Press Ctrl-C to stop them.');
	await new Promise<void>((resolve) => process.once('SIGINT', resolve));
	say('\n==> stopping the sites');
	await lab.down({ purge: false });
}

main().catch((error) => {
	process.stderr.write(`demo failed: ${(error as Error).stack}\n`);
	process.exit(1);
});
