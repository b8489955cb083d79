/**
 * Two more example workflows on real n8n 2.41.1 (package installed the Community Nodes way) against the real
 * WordPress lab sites:
 * - examples/manual-sync-form.json: n8n's own Form Trigger, submitted over HTTP as its page does (multipart, one
 *   `field-<n>` per field, checkboxes as a JSON array): the chosen users reach the chosen sites only.
 * - examples/replay-failed.json: syncs that really failed (the target credential held a wrong application
 *   password) are replayed after the credential is fixed; the originals become `resolved`, linked to the retry.
 */
import { DatabaseSync } from 'node:sqlite';
import type { Site } from '../../lab/lab';
import { createUser, findUser } from '../../lab/harness/wp';
import {
	SETUP_TIMEOUT,
	credentialData,
	logRows,
	settledExecutions,
	startWithThreeSites,
	stopStage,
	subscriptions,
	syncLogFile,
	syncedCopy,
	withN8nLog,
} from '../../lab/harness/n8n/e2e';
import {
	eventually,
	loadExample,
	webhookPathOf,
	type RealN8n,
	type WorkflowJson,
} from '../../lab/harness/n8n';

const RUN = `mr${Date.now().toString(36)}`;
let counter = 0;
const login = (tag: string) => `${RUN}${tag}${++counter}`;

interface ReplayRow {
	id: string;
	status: string;
	action: string | null;
	login: string | null;
	target: string | null;
	reason: string | null;
	replay_of: string | null;
	replayed_by: string | null;
}

describe('real n8n: manual sync form and replay of failed syncs', () => {
	let n8n: RealN8n | undefined;
	let A: Site;
	let B: Site;
	let C: Site;
	const credentialIds: Record<string, string> = {};
	const active: string[] = [];
	const logged = (body: () => Promise<void>) => withN8nLog(() => n8n, body);

	const createOn = (site: Site, name: string, extra: Record<string, unknown> = {}) =>
		createUser(site, name, {
			email: `${name}@form.test`,
			first_name: 'Grace',
			last_name: 'Hopper',
			...extra,
		});

	/** Sync Log rows with the replay columns (the shared helper's rows do not carry them). */
	function replayRows(where: string, ...params: string[]): ReplayRow[] {
		const db = new DatabaseSync(syncLogFile(n8n!), { readOnly: true, timeout: 10_000 });
		try {
			return db
				.prepare(
					`SELECT id, status, action, login, target, reason, replay_of, replayed_by FROM sync_log WHERE ${where} ORDER BY seq`,
				)
				.all(...params) as unknown as ReplayRow[];
		} finally {
			db.close();
		}
	}

	beforeAll(async () => {
		const stage = await startWithThreeSites();
		n8n = stage.n8n;
		[A, B, C] = stage.sites;
		Object.assign(credentialIds, stage.credentialIds);
	}, SETUP_TIMEOUT);

	afterEach(async () => {
		for (const id of active.splice(0)) await n8n?.deactivate(id).catch(() => undefined);
	}, 60_000);

	afterAll(async () => {
		await stopStage(n8n, [A, B, C], RUN);
	}, 120_000);

	test(
		'manual sync form: the users typed in reach exactly the ticked sites (exact login/email matches only)',
		logged(async () => {
			const workflow = loadExample('manual-sync-form.json', credentialIds);
			const id = await n8n!.createWorkflow(workflow);
			await n8n!.activate(id);
			active.push(id);
			const formNode = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.formTrigger')!;
			const formUrl = `${n8n!.url}/form/${formNode.webhookId}`;

			const byLogin = login('form');
			const byEmail = login('form');
			const both = login('form');
			const decoy = `${byLogin}x`; // found by WordPress's substring search for byLogin: must not be synced
			for (const name of [byLogin, byEmail, both, decoy]) await createOn(A, name);

			// The form page, as a browser gets it (activation registers the form asynchronously).
			const page = await eventually('the form page', async () => {
				const res = await fetch(formUrl);
				return res.status === 200 && (await res.text());
			});
			expect(page).toContain('Target sites');
			// The template spreads attributes over lines: `<textarea class=… id='field-0' name='field-0'>`,
			// `<div class='multiselect required' id='field-1'>` for the checkbox group.
			const textarea = /<textarea[^>]*?\bname=['"](field-\d+)['"]/s.exec(page)?.[1];
			const sitesField = /<div\s+class=['"]multiselect[^'"]*['"]\s+id=['"](field-\d+)['"]/s.exec(
				page,
			)?.[1];
			expect([textarea, sitesField]).toEqual(['field-0', 'field-1']);
			expect(page).toContain("value='Site B'");
			expect(page).toContain("value='Site C'");

			// What the page's script posts: multipart/form-data, the checkbox group as a JSON array of labels.
			const submit = async (users: string, sites: string[]) => {
				const form = new FormData();
				form.append(textarea!, users);
				form.append(sitesField!, JSON.stringify(sites));
				const res = await fetch(formUrl, { method: 'POST', body: form });
				expect(res.status).toBe(200);
			};
			const started = Date.now();
			await submit(`${byLogin}, ${byEmail}@form.test`, ['Site B']);
			for (const name of [byLogin, byEmail]) {
				expect(await syncedCopy(B, name)).toMatchObject({
					email: `${name}@form.test`,
					first_name: 'Grace',
					roles: ['subscriber'],
				});
			}
			const firstMs = Date.now() - started;
			await settledExecutions(n8n!, id, 1);
			await submit(both, ['Site B', 'Site C']);
			await syncedCopy(B, both);
			await syncedCopy(C, both);
			const executions = await settledExecutions(n8n!, id, 2);
			expect(executions.map((execution) => execution.status)).toEqual(['success', 'success']);

			// Only the ticked sites, only the named users.
			for (const name of [byLogin, byEmail]) expect(await findUser(C, name)).toBeUndefined();
			for (const site of [B, C]) expect(await findUser(site, decoy)).toBeUndefined();
			const rows = logRows(n8n!, 'login LIKE ?', `${RUN}form%`);
			expect(rows.map((row) => [row.login, row.target, row.status, row.action]).sort()).toEqual(
				[
					[byLogin, B.url, 'synced', 'create'],
					[byEmail, B.url, 'synced', 'create'],
					[both, B.url, 'synced', 'create'],
					[both, C.url, 'synced', 'create'],
				].sort(),
			);
			process.stderr.write(`real n8n manual sync form: submit → 2 users on B in ${firstMs} ms\n`);
		}),
		120_000,
	);

	test(
		'replay failed: syncs that failed on a wrong application password are replayed after the fix; originals resolved and linked',
		logged(async () => {
			// A one-way A → B sync whose B credential holds a wrong application password.
			const broken = { ...credentialData(B), applicationPassword: 'abcd efgh ijkl mnop qrst uvwx' };
			const brokenId = await n8n!.createCredential(
				'WordPress Site B (wrong password)',
				'wordPressAppPasswordApi',
				broken,
			);
			const twoWay = loadExample('two-way-sync.json', {
				...credentialIds,
				SITE_B_CREDENTIAL_ID: brokenId,
			});
			const oneWay: WorkflowJson = {
				...twoWay,
				name: 'A → B with a broken B credential',
				nodes: twoWay.nodes.filter((node) =>
					['Site A changed', 'Apply to Site B', 'Sync Log'].includes(node.name),
				),
				connections: {
					'Site A changed': twoWay.connections['Site A changed'],
					'Apply to Site B': twoWay.connections['Apply to Site B'],
				},
			};
			const syncId = await n8n!.createWorkflow(oneWay);
			await n8n!.activate(syncId);
			active.push(syncId);
			const hookPath = webhookPathOf(oneWay, 'Site A changed');
			expect(await n8n!.waitForWebhook(hookPath)).toBe(401);
			// The trigger's subscription on A is created during activation, possibly just after the path answers.
			await eventually('the subscription on A', async () =>
				(await subscriptions(A)).some((hook) => hook.url === `${n8n!.url}/webhook/${hookPath}`),
			);

			const names = [login('replay'), login('replay'), login('replay')];
			for (const name of names) await createOn(A, name, { roles: ['author'] });
			const failed = await eventually('3 failed entries for B', async () => {
				const rows = replayRows('login LIKE ? AND target = ?', `${RUN}replay%`, B.url);
				return rows.length >= 3 && rows;
			});
			expect(failed.map((row) => row.status)).toEqual(['failed', 'failed', 'failed']);
			for (const name of names) expect(await findUser(B, name)).toBeUndefined();
			await settledExecutions(n8n!, syncId, 3);
			await n8n!.deactivate(syncId);
			active.splice(active.indexOf(syncId), 1);

			// The fix: the credential gets the right application password (as an admin would in the editor).
			await n8n!.updateCredential(
				brokenId,
				'WordPress Site B (wrong password)',
				'wordPressAppPasswordApi',
				credentialData(B),
			);

			// The replay example, run now from its Schedule Trigger.
			const replay = loadExample('replay-failed.json', { SITE_B_CREDENTIAL_ID: brokenId });
			const source = replay.nodes.find((node) => node.name === 'Failed syncs to Site B')!;
			source.parameters = { ...source.parameters, filters: { target: B.url } };
			const replayId = await n8n!.createWorkflow(replay);
			const started = Date.now();
			await n8n!.runFromTrigger(replayId, 'Every 15 minutes');
			const [execution] = await settledExecutions(n8n!, replayId);
			expect(execution.status).toBe('success');
			const replayMs = Date.now() - started;
			for (const name of names) {
				expect(await syncedCopy(B, name, 10_000)).toMatchObject({
					email: `${name}@form.test`,
					roles: ['author'],
				});
			}

			// Originals resolved and linked to their retries; each retry synced and pointing back.
			const rows = replayRows('login LIKE ? AND target = ?', `${RUN}replay%`, B.url);
			const originals = rows.filter((row) => row.replay_of === null);
			const retries = rows.filter((row) => row.replay_of !== null);
			expect(originals).toHaveLength(3);
			expect(retries).toHaveLength(3);
			for (const original of originals) {
				expect(original.status).toBe('resolved');
				const retry = retries.find((row) => row.id === original.replayed_by);
				expect(retry).toMatchObject({
					status: 'synced',
					action: 'create',
					login: original.login,
					replay_of: original.id,
				});
			}

			// A second replay finds nothing left to do.
			await n8n!.runFromTrigger(replayId, 'Every 15 minutes');
			await settledExecutions(n8n!, replayId, 2);
			expect(replayRows('login LIKE ? AND target = ?', `${RUN}replay%`, B.url)).toHaveLength(6);
			process.stderr.write(
				`real n8n replay of 3 failed syncs: run → done in ${replayMs} ms (first reasons: ${failed.map((row) => row.reason).join(', ')})\n`,
			);
		}),
		120_000,
	);
});
