/**
 * The example workflows (examples/*.json) on real n8n 2.41.1 with the package installed the Community Nodes way,
 * against three real WordPress lab sites (bridge plugin on all three): changes made through WordPress's REST API on
 * site A reach the other sites through the bridge's signed webhooks, the trigger, the User Sync node and the Sync Log.
 * No fixed sleeps: every check polls its site or the log with a deadline.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { installBridge, NS, removeBridge } from '../../lab/harness/bridge';
import { allDeliveriesSettled } from '../../lab/harness/deliveries';
import { createUser, findUser, rest } from '../../lab/harness/wp';
import {
	SETUP_TIMEOUT,
	credentialData,
	logRows,
	networkCredentialData,
	networkSubscribed,
	passwordHash,
	settledExecutions,
	startWithThreeSites,
	stopStage,
	subscriptions,
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

const RUN = `e2e${Date.now().toString(36)}`;
let counter = 0;
const login = (tag: string) => `${RUN}${tag}${++counter}`;

describe('real n8n: example workflows across real WordPress sites', () => {
	let n8n: RealN8n | undefined;
	let A: Site;
	let B: Site;
	let C: Site;
	const credentialIds: Record<string, string> = {};
	/** Workflows a test activated; afterEach deactivates them, so a failed test leaves no trigger behind. */
	const active: string[] = [];
	const logged = (body: () => Promise<void>) => withN8nLog(() => n8n, body);

	/** Creates the example's workflow, activates it and waits until both triggers' webhooks answer and are registered. */
	async function activateExample(
		file: string,
		triggers: Array<[string, Site]>,
	): Promise<{ id: string; workflow: WorkflowJson }> {
		const workflow = loadExample(file, credentialIds);
		const id = await n8n!.createWorkflow(workflow);
		await n8n!.activate(id);
		active.push(id);
		for (const [nodeName, site] of triggers) {
			const webhookPath = webhookPathOf(workflow, nodeName);
			// An unsigned probe: 401 once the trigger listens (it starts nothing).
			expect(await n8n!.waitForWebhook(webhookPath)).toBe(401);
			const url = `${n8n!.url}/webhook/${webhookPath}`;
			// n8n may answer on the path a moment before the trigger's create() has registered it on the site.
			await eventually(`the subscription on ${site.name}`, async () =>
				(await subscriptions(site)).some((hook) => hook.url === url),
			);
		}
		return { id, workflow };
	}

	const createOnA = (name: string, extra: Record<string, unknown> = {}, site: Site = A) =>
		createUser(site, name, {
			email: `${name}@a.test`,
			first_name: 'Ada',
			last_name: 'Lovelace',
			...extra,
		});

	beforeAll(async () => {
		const stage = await startWithThreeSites();
		n8n = stage.n8n;
		[A, B, C] = stage.sites;
		Object.assign(credentialIds, stage.credentialIds);
		// The network examples' credential: the same three sites as "Site A", "Site B", "Site C".
		credentialIds.NETWORK_CREDENTIAL_ID = await n8n.createCredential(
			'WordPress Site Network',
			'wordPressSiteNetworkApi',
			networkCredentialData([A, B, C]),
		);
	}, SETUP_TIMEOUT);

	afterEach(async () => {
		for (const id of active.splice(0)) await n8n?.deactivate(id).catch(() => undefined);
	}, 60_000);

	afterAll(async () => {
		if (n8n) process.stderr.write(`real n8n start → ready, ms: ${n8n.startTimes.join(', ')}\n`);
		await stopStage(n8n, [A, B, C], RUN);
	}, 120_000);

	test(
		'two-way sync A ↔ B: create, update, role, password and delete on A reach B; the echo B → A writes nothing',
		logged(async () => {
			const { id } = await activateExample('two-way-sync.json', [
				['Site A changed', A],
				['Site B changed', B],
			]);
			const name = login('two');
			const timings: Record<string, number> = {};
			const timed = async <T>(step: string, run: () => Promise<T>): Promise<T> => {
				const started = Date.now();
				const value = await run();
				timings[step] = Date.now() - started;
				return value;
			};

			// Created on A → on B with the same names, role and password hash.
			const idA = await createOnA(name);
			const copy = await timed('create', () => syncedCopy(B, name, 15_000));
			expect(copy).toMatchObject({
				email: `${name}@a.test`,
				first_name: 'Ada',
				last_name: 'Lovelace',
				roles: ['subscriber'],
			});
			// The hash rides on the create itself (the bridge's write-only field).
			const hashA = await passwordHash(A, idA);
			await eventually(
				'password hash on B',
				async () => (await passwordHash(B, copy.id)) === hashA,
			);

			// Names and email changed on A.
			expect(
				(
					await rest(A, A.admin, `/wp/v2/users/${idA}`, {
						method: 'POST',
						body: { first_name: 'Augusta', last_name: 'King', email: `${name}@new.test` },
					})
				).status,
			).toBe(200);
			await timed('update', () =>
				eventually('names and email on B', async () => {
					const user = await findUser(B, name);
					return (
						user?.email === `${name}@new.test` &&
						user.first_name === 'Augusta' &&
						user.last_name === 'King' &&
						user
					);
				}),
			);

			// Role changed on A.
			expect(
				(
					await rest(A, A.admin, `/wp/v2/users/${idA}`, {
						method: 'POST',
						body: { roles: ['editor'] },
					})
				).status,
			).toBe(200);
			await timed('role', () =>
				eventually(
					'role on B',
					async () =>
						((await findUser(B, name))?.roles as string[] | undefined)?.join() === 'editor',
				),
			);

			// Password changed on A: B gets the new hash (bridge on both sites).
			expect(
				(
					await rest(A, A.admin, `/wp/v2/users/${idA}`, {
						method: 'POST',
						body: { password: `New-${name}-2` },
					})
				).status,
			).toBe(200);
			const newHash = await passwordHash(A, idA);
			await timed('password', () =>
				eventually('password hash on B', async () => (await passwordHash(B, copy.id)) === newHash),
			);

			// Deleted on A.
			expect(
				(await rest(A, A.admin, `/wp/v2/users/${idA}?force=true&reassign=1`, { method: 'DELETE' }))
					.status,
			).toBe(200);
			await timed('delete', () =>
				eventually('deleted on B', async () => (await findUser(B, name)) === undefined),
			);

			// The log: five writes to B, and every echo back to A was skipped without a write.
			const toB = await eventually('5 log entries for B', async () => {
				const rows = logRows(n8n!, 'login = ? AND target = ?', name, B.url);
				return rows.length >= 5 && rows;
			});
			expect(toB.map((row) => [row.status, row.action])).toEqual([
				['synced', 'create'],
				['synced', 'update'],
				['synced', 'update'],
				['synced', 'update'],
				['synced', 'delete'],
			]);
			const echoes = await eventually('echo entries for A', async () => {
				const rows = logRows(n8n!, 'login = ? AND target = ?', name, A.url);
				return rows.length >= 5 && rows;
			});
			for (const row of echoes) {
				expect(row.status).toBe('skipped');
				expect(['loop_detected', 'unchanged']).toContain(row.reason);
			}
			expect(logRows(n8n!, 'login = ? AND status = ?', name, 'failed')).toEqual([]);

			// Every execution of the workflow succeeded.
			const executions = await settledExecutions(n8n!, id, 10);
			expect(executions.filter((execution) => execution.status !== 'success')).toEqual([]);

			// The hashes travelled sealed: n8n's database (execution data), its WAL and the Sync Log hold none in clear.
			const stored = [
				'database.sqlite',
				'database.sqlite-wal',
				'harmonyuser-sync/sync-log.sqlite',
				'harmonyuser-sync/sync-log.sqlite-wal',
			]
				.map((file) => path.join(n8n!.userFolder, '.n8n', file))
				.filter((file) => existsSync(file))
				.map((file) => readFileSync(file).toString('latin1'))
				.join('\n');
			expect(stored.length).toBeGreaterThan(0);
			expect(stored).toContain(name);
			for (const hash of [hashA, newHash]) expect(stored).not.toContain(hash);
			// WordPress's formats (phpass, 6.8's $wp$ bcrypt, PHP's $2y$); n8n's own owner account is bcryptjs $2a$.
			expect(
				stored.match(
					/\$(?:P|H)\$[./A-Za-z0-9]{31}|\$wp\$2[aby]\$\d\d\$|\$2y\$\d\d\$[./A-Za-z0-9]{53}/g,
				) ?? [],
			).toEqual([]);

			// Deactivating removes the subscriptions from both sites.
			await n8n!.deactivate(id);
			active.splice(active.indexOf(id), 1);
			// (Deactivation is asynchronous too: poll.)
			for (const site of [A, B]) {
				await eventually(`no subscription left on ${site.name}`, async () =>
					(await subscriptions(site)).every((hook) => !hook.url.startsWith(n8n!.url)),
				);
			}
			process.stderr.write(
				`real n8n two-way sync, ms from the change on A to B: ${JSON.stringify(timings)}\n`,
			);
		}),
		120_000,
	);

	test(
		'read-only and per-user rules hold end to end: B read-only, prohibit propagation on A, reject incoming on B',
		logged(async () => {
			await activateExample('two-way-sync.json', [
				['Site A changed', A],
				['Site B changed', B],
			]);
			const credentialB = credentialIds.SITE_B_CREDENTIAL_ID;

			// B's credential made read-only: a user created on A is refused on B and logged as such.
			await n8n!.updateCredential(credentialB, 'WordPress Site B', 'wordPressAppPasswordApi', {
				...credentialData(B),
				readOnly: true,
			});
			const refused = login('ro');
			await createOnA(refused);
			const [row] = await eventually('the read-only refusal in the log', async () => {
				const rows = logRows(n8n!, 'login = ? AND target = ?', refused, B.url);
				return rows.length > 0 && rows;
			});
			expect([row.status, row.reason]).toEqual(['rejected', 'target_read_only']);
			expect(await findUser(B, refused)).toBeUndefined();
			await n8n!.updateCredential(
				credentialB,
				'WordPress Site B',
				'wordPressAppPasswordApi',
				credentialData(B),
			);

			// Prohibit propagation on A: the bridge sends nothing for this user, so B never hears of them.
			const quiet = login('quiet');
			const witness = login('witness');
			await createOnA(quiet, { meta: { harmonyuser_prohibit_propagation: '1' } });
			await createOnA(witness);
			await syncedCopy(B, witness);
			expect(await findUser(B, quiet)).toBeUndefined();
			expect(logRows(n8n!, 'login = ?', quiet)).toEqual([]);

			// Reject incoming on B: B's copy of the witness is switched on there, so A's change does not reach it.
			const copy = (await findUser(B, witness))!;
			expect(
				(
					await rest(B, B.admin, `/wp/v2/users/${copy.id}`, {
						method: 'POST',
						body: { meta: { harmonyuser_reject_incoming: '1' } },
					})
				).status,
			).toBe(200);
			const idA = (await findUser(A, witness))!.id;
			expect(
				(
					await rest(A, A.admin, `/wp/v2/users/${idA}`, {
						method: 'POST',
						body: { first_name: 'Changed' },
					})
				).status,
			).toBe(200);
			await eventually(
				'the protected refusal in the log',
				async () =>
					logRows(
						n8n!,
						'login = ? AND target = ? AND reason = ?',
						witness,
						B.url,
						'target_user_protected',
					).length > 0,
			);
			expect((await findUser(B, witness))?.first_name).toBe('Ada');
		}),
		120_000,
	);
	test(
		'chain A → B → C: a user created, updated, role- and password-changed and deleted on A follows on C, with the path [A, B, C]',
		logged(async () => {
			const { id } = await activateExample('chain.json', [
				['Site A changed', A],
				['Site B changed', B],
			]);
			const name = login('chain');
			const idA = await createOnA(name, { roles: ['author'] });
			const onC = await syncedCopy(C, name);
			expect(onC).toMatchObject({ email: `${name}@a.test`, roles: ['author'] });
			const hashA = await passwordHash(A, idA);
			await eventually('password hash on C', async () => (await passwordHash(C, onC.id)) === hashA);
			const [row] = await eventually('log entry for C', async () => {
				const rows = logRows(n8n!, 'login = ? AND target = ?', name, C.url);
				return rows.length > 0 && rows;
			});
			expect(row).toMatchObject({ status: 'synced', action: 'create', source: B.url });
			expect(JSON.parse(row.path)).toEqual([A.url, B.url, C.url]);
			const [toB] = logRows(n8n!, 'login = ? AND target = ?', name, B.url);
			expect(JSON.parse(toB.path)).toEqual([A.url, B.url]);

			// Update, role change, password change and delete on A reach C too, through B.
			const onA = (body: object, method = 'POST', query = '') =>
				rest(A, A.admin, `/wp/v2/users/${idA}${query}`, { method, body });
			expect((await onA({ first_name: 'Augusta', email: `${name}@new.test` })).status).toBe(200);
			await eventually('names and email on C', async () => {
				const user = await findUser(C, name);
				return user?.first_name === 'Augusta' && user.email === `${name}@new.test`;
			});
			expect((await onA({ roles: ['editor'] })).status).toBe(200);
			await eventually(
				'role on C',
				async () => ((await findUser(C, name))?.roles as string[] | undefined)?.join() === 'editor',
			);
			expect((await onA({ password: `New-${name}-2` })).status).toBe(200);
			const newHash = await passwordHash(A, idA);
			await eventually(
				'new password hash on C',
				async () => (await passwordHash(C, onC.id)) === newHash,
			);
			expect((await onA({}, 'DELETE', '?force=true&reassign=1')).status).toBe(200);
			await eventually('deleted on C', async () => (await findUser(C, name)) === undefined);
			expect(
				(await settledExecutions(n8n!, id, 10)).filter(
					(execution) => execution.status !== 'success',
				),
			).toEqual([]);
		}),
		120_000,
	);

	test(
		'n8n restarted in the middle of a burst of 20 changes on A: the bridge queues, a forced queue run drains, each reaches B once',
		logged(async () => {
			const { workflow } = await activateExample('two-way-sync.json', [
				['Site A changed', A],
				['Site B changed', B],
			]);
			const names = Array.from({ length: 20 }, () => login('burst'));
			let stopping: Promise<void> | undefined;
			for (const [i, name] of names.entries()) {
				if (i === 6) stopping = n8n!.stop();
				await createOnA(name);
			}
			await stopping;
			await n8n!.start();
			await n8n!.waitForWebhook(webhookPathOf(workflow, 'Site A changed'));
			// Deliveries that failed while n8n was down wait for their retry time: force them now.
			const drained = await eventually('the queue on A drained', async () => {
				const run = await rest(A, A.admin, `${NS}/queue/run`, {
					method: 'POST',
					body: { force: true },
				});
				expect(run.status).toBe(200);
				return run.body.queue.pending === 0 && run.body.queue.sending === 0 && run.body;
			});
			expect(drained.queue.failed).toBe(0);
			for (const name of names) {
				await syncedCopy(B, name);
			}
			// Exactly once: one log entry per user for B, all created, one event each.
			const rows = await eventually('20 log entries for B', async () => {
				const found = logRows(n8n!, `login LIKE ? AND target = ?`, `${RUN}burst%`, B.url);
				return found.length >= 20 && found;
			});
			expect(rows).toHaveLength(20);
			expect(new Set(rows.map((row) => row.login))).toEqual(new Set(names));
			expect(rows.every((row) => row.status === 'synced' && row.action === 'create')).toBe(true);
			expect(new Set(rows.map((row) => row.event_id)).size).toBe(20);
			const onB = await lab.sql(
				B,
				`SELECT COUNT(*) FROM wp_users WHERE user_login LIKE '${RUN}burst%'`,
			);
			expect(Number(onB.trim())).toBe(20);
		}),
		180_000,
	);

	test(
		'scheduled reconcile A → B, dry run (run now from its Schedule Trigger): every user planned, nothing written',
		logged(async () => {
			const workflow = loadExample('scheduled-reconcile.json', credentialIds);
			// The test narrows Get Users to its own users (the lab's site A holds other tests' users too).
			const names = [login('rec'), login('rec'), login('rec')];
			for (const name of names) await createOnA(name);
			const getUsers = workflow.nodes.find((node) => node.name === 'Get Site A users')!;
			getUsers.parameters = { ...getUsers.parameters, filters: { search: `${RUN}rec` } };
			const id = await n8n!.createWorkflow(workflow);
			await n8n!.runFromTrigger(id, 'Every night');
			const [execution] = await settledExecutions(n8n!, id);
			expect(execution.status).toBe('success');
			const rows = logRows(n8n!, 'login LIKE ? AND target = ?', `${RUN}rec%`, B.url);
			expect(rows.map((row) => [row.login, row.status, row.action]).sort()).toEqual(
				names.map((name) => [name, 'planned', 'create']).sort(),
			);
			for (const name of names) expect(await findUser(B, name)).toBeUndefined();
		}),
		120_000,
	);

	test(
		'polling sync C → B without the bridge on C: the activation poll sets the baseline, a poll run now syncs a new user',
		logged(async () => {
			await removeBridge(C);
			const workflow = loadExample('polling-sync.json', credentialIds);
			const id = await n8n!.createWorkflow(workflow);
			await n8n!.activate(id);
			active.push(id);
			// n8n polls once on activation: that poll stores the baseline in the workflow's static data.
			await eventually('the baseline poll', async () => {
				const stored = await n8n!.rest<{ staticData?: Record<string, unknown> }>(
					'GET',
					`/workflows/${id}`,
				);
				return stored.staticData?.['node:Site C users'] !== undefined;
			});
			const name = login('poll');
			await createOnA(name, { roles: ['contributor'] }, C);
			await n8n!.runFromTrigger(id, 'Site C users');
			const copy = await syncedCopy(B, name);
			expect(copy).toMatchObject({ email: `${name}@a.test`, roles: ['contributor'] });
			const rows = await eventually('log entry for B', async () => {
				const found = logRows(n8n!, 'login = ? AND target = ?', name, B.url);
				return found.length > 0 && found;
			});
			expect(rows[0]).toMatchObject({ status: 'synced', action: 'create', source: C.url });
			expect(logRows(n8n!, 'login = ? AND status = ?', name, 'failed')).toEqual([]);
		}),
		120_000,
	);

	test(
		'network mesh over A, B, C: a change on any site reaches the two others once; one execution per change, none for the echoes',
		logged(async () => {
			// The network trigger subscribes every site: the bridge back on C (the polling test takes it off).
			await installBridge(C);
			const workflow = loadExample('network-mesh.json', credentialIds);
			const id = await n8n!.createWorkflow(workflow);
			await n8n!.activate(id);
			active.push(id);
			await networkSubscribed(n8n!, workflow, 'Any site changed', [A, B, C]);
			const settled = async (count: number) => {
				// Every delivery made (the change and its two echoes), then every execution finished.
				await allDeliveriesSettled(A, B, C);
				return settledExecutions(n8n!, id, count);
			};

			// Created on B: on A and C, each written once, told the whole fan-out.
			const name = login('mesh');
			await createOnA(name, { roles: ['author'] }, B);
			for (const site of [A, C])
				expect(await syncedCopy(site, name)).toMatchObject({
					email: `${name}@a.test`,
					roles: ['author'],
				});
			const rows = await eventually('2 log entries', async () => {
				const found = logRows(n8n!, 'login = ?', name);
				return found.length >= 2 && found;
			});
			expect(rows.map((row) => [row.target, row.status, row.action, row.source]).sort()).toEqual(
				[
					[A.url, 'synced', 'create', B.url],
					[C.url, 'synced', 'create', B.url],
				].sort(),
			);
			for (const row of rows)
				expect(new Set(JSON.parse(row.path))).toEqual(new Set([A.url, B.url, C.url]));
			expect((await settled(1)).map((execution) => execution.status)).toEqual(['success']);

			// Updated on C: A and B follow; still one execution for the change, none for the echoes.
			const onC = (await findUser(C, name))!;
			expect(
				(
					await rest(C, C.admin, `/wp/v2/users/${onC.id}`, {
						method: 'POST',
						body: { first_name: 'Mesh' },
					})
				).status,
			).toBe(200);
			for (const site of [A, B])
				await eventually(
					`first name on ${site.name}`,
					async () => (await findUser(site, name))?.first_name === 'Mesh',
				);
			expect((await settled(2)).map((execution) => execution.status)).toEqual([
				'success',
				'success',
			]);
			for (const site of [A, B, C])
				expect(
					Number(await lab.sql(site, `SELECT COUNT(*) FROM wp_users WHERE user_login = '${name}'`)),
				).toBe(1);
			expect(logRows(n8n!, 'login = ?', name)).toHaveLength(4);

			// Deactivating removes the subscriptions from the three sites.
			await n8n!.deactivate(id);
			active.splice(active.indexOf(id), 1);
			for (const site of [A, B, C]) {
				await eventually(`no subscription left on ${site.name}`, async () =>
					(await subscriptions(site)).every((hook) => !hook.url.startsWith(n8n!.url)),
				);
			}
		}),
		120_000,
	);

	test(
		'network manual sync form: users typed in, copied from the site picked to exactly the sites ticked, by one User Sync node',
		logged(async () => {
			const workflow = loadExample('network-manual-sync-form.json', credentialIds);
			const id = await n8n!.createWorkflow(workflow);
			await n8n!.activate(id);
			active.push(id);
			const formNode = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.formTrigger')!;
			const formUrl = `${n8n!.url}/form/${formNode.webhookId}`;

			const byLogin = login('nform');
			const byEmail = login('nform');
			const decoy = `${byLogin}x`; // found by WordPress's substring search for byLogin: must not be synced
			const fromB = login('nform');
			for (const name of [byLogin, byEmail, decoy]) await createOnA(name);
			await createOnA(fromB, { roles: ['author'] }, B);

			const page = await eventually('the form page', async () => {
				const res = await fetch(formUrl);
				return res.status === 200 && (await res.text());
			});
			// Users (textarea), Copy from (a drop-down of site names), Copy to (a checkbox group of site names).
			const textarea = /<textarea[^>]*?\bname=['"](field-\d+)['"]/s.exec(page)?.[1];
			const fromField = /<select\s+id=['"](field-\d+)['"]/s.exec(page)?.[1];
			const toField = /<div\s+class=['"]multiselect[^'"]*['"]\s+id=['"](field-\d+)['"]/s.exec(
				page,
			)?.[1];
			expect([textarea, fromField, toField]).toEqual(['field-0', 'field-1', 'field-2']);
			for (const name of ['Site A', 'Site B', 'Site C']) expect(page).toContain(`value='${name}'`);

			const submit = async (users: string, from: string, to: string[]) => {
				const form = new FormData();
				form.append(textarea!, users);
				form.append(fromField!, from);
				form.append(toField!, JSON.stringify(to));
				const res = await fetch(formUrl, { method: 'POST', body: form });
				expect(res.status).toBe(200);
			};
			await submit(`${byLogin}, ${byEmail}@a.test`, 'Site A', ['Site B']);
			for (const name of [byLogin, byEmail])
				expect(await syncedCopy(B, name)).toMatchObject({
					email: `${name}@a.test`,
					roles: ['subscriber'],
				});
			await settledExecutions(n8n!, id, 1);
			// Another source, two targets: still one Get Users and one User Sync node.
			await submit(fromB, 'Site B', ['Site A', 'Site C']);
			expect(await syncedCopy(A, fromB)).toMatchObject({ roles: ['author'] });
			expect(await syncedCopy(C, fromB)).toMatchObject({ roles: ['author'] });
			const executions = await settledExecutions(n8n!, id, 2);
			expect(executions.map((execution) => execution.status)).toEqual(['success', 'success']);

			for (const name of [byLogin, byEmail]) expect(await findUser(C, name)).toBeUndefined();
			for (const site of [B, C]) expect(await findUser(site, decoy)).toBeUndefined();
			const rows = logRows(n8n!, 'login LIKE ?', `${RUN}nform%`);
			expect(rows.map((row) => [row.login, row.target, row.status, row.action]).sort()).toEqual(
				[
					[byLogin, B.url, 'synced', 'create'],
					[byEmail, B.url, 'synced', 'create'],
					[fromB, A.url, 'synced', 'create'],
					[fromB, C.url, 'synced', 'create'],
				].sort(),
			);
		}),
		120_000,
	);

	test(
		'network nightly reconcile: Site A read once, every other site planned; changes and failures only, so a converged network outputs nothing',
		logged(async () => {
			const workflow = loadExample('network-nightly-reconcile.json', credentialIds);
			// The test narrows Get Users to its own users (the lab's site A holds other tests' users too).
			const getUsers = workflow.nodes.find((node) => node.name === 'Get Site A users')!;
			getUsers.parameters = { ...getUsers.parameters, filters: { search: `${RUN}nrec` } };
			const names = [login('nrec'), login('nrec')];
			for (const name of names) await createOnA(name);
			const runOnce = async (id: string, count: number) => {
				await n8n!.runFromTrigger(id, 'Every night');
				const executions = await settledExecutions(n8n!, id, count);
				expect(executions.map((execution) => execution.status)).toEqual(
					Array(count).fill('success'),
				);
				return logRows(n8n!, 'login LIKE ?', `${RUN}nrec%`);
			};
			const expected = (status: string) =>
				names.flatMap((name) => [B, C].map((site) => [name, site.url, status, 'create'])).sort();
			const row = (entry: {
				login: string | null;
				target: string | null;
				status: string;
				action: string | null;
			}) => [entry.login, entry.target, entry.status, entry.action];

			// As shipped (dry run): every missing user planned on every other site, nothing written.
			const dryRun = await n8n!.createWorkflow(workflow);
			expect((await runOnce(dryRun, 1)).map(row).sort()).toEqual(expected('planned'));
			for (const site of [B, C])
				for (const name of names) expect(await findUser(site, name)).toBeUndefined();

			// Dry Run off: the plan applied.
			const reconcileNode = workflow.nodes.find(
				(node) => node.name === 'Plan reconcile into every other site',
			)!;
			reconcileNode.parameters = { ...reconcileNode.parameters, dryRun: false };
			const applying = await n8n!.createWorkflow({
				...workflow,
				name: `${workflow.name} (applying)`,
			});
			expect(
				(await runOnce(applying, 1))
					.filter((entry) => entry.status !== 'planned')
					.map(row)
					.sort(),
			).toEqual(expected('synced'));
			for (const site of [B, C]) for (const name of names) await syncedCopy(site, name);

			// Converged: every pair unchanged, so nothing is output and nothing logged.
			expect(await runOnce(applying, 2)).toHaveLength(names.length * 2 * 2);
		}),
		120_000,
	);
});
