/**
 * Identity and trust, the node in n8n's engine against real lab sites without the bridge (the sync meta exposed
 * by a fixture, as the bridge would): namesakes are conflicts, protected accounts are never touched, a broken
 * source deletes nothing, an email change follows the linked account, "Site Default" stays, missing roles drop.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import type { SyncResult } from '../../../core/sync/result';
import { removeBridge } from '../../../lab/harness/bridge';
import { runChain, runSync, uniqueLogin, userEvent } from '../../../lab/harness/sync';
import { findUser, rest } from '../../../lab/harness/wp';

const META_PLUGIN = path.join(__dirname, '../../fixtures/wp/expose-sync-meta.php');
let A: Site;
let B: Site;

beforeAll(async () => {
	[A, B] = lab.sites();
	await Promise.all([
		removeBridge(A).catch(() => undefined),
		removeBridge(B).catch(() => undefined),
	]);
	for (const site of [A, B]) lab.installMuPlugin(site, META_PLUGIN, 'expose-sync-meta.php');
}, 60_000);
afterAll(() => {
	for (const site of [A, B]) lab.removeMuPlugin(site, 'expose-sync-meta.php');
});

const apply = (site: Site, input: object[], parameters = {}) =>
	runSync({ site, operation: 'applyEvent', input: input as never, parameters });
const row = (site: Site, login: string) =>
	lab
		.sql(site, `SELECT user_email, user_pass FROM wp_users WHERE user_login = '${login}'`)
		.then((out) => out.trim());
const rolesOf = async (site: Site, login: string) =>
	((await findUser(site, login))?.roles as string[] | undefined) ?? [];
const userCount = async (site: Site) =>
	Number(await lab.sql(site, 'SELECT COUNT(*) FROM wp_users'));

/** A user made on B by hand, as a site's own registration or admin would. */
async function localUser(
	site: Site,
	login: string,
	email: string,
	role: string,
	fields: Record<string, unknown> = {},
): Promise<number> {
	const reply = await rest(site, site.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: login,
			email,
			password: `Own-${login}-Pw1`,
			roles: [role],
			first_name: 'Own',
			...fields,
		},
	});
	if (reply.status !== 201)
		throw new Error(
			`localUser ${login}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`,
		);
	return reply.body.id as number;
}

describe('takeover by login', () => {
	test("an anonymous registrant with the administrator's login changes nothing and deletes nothing", async () => {
		const boss = uniqueLogin('boss');
		await localUser(B, boss, `${boss}@b.example.test`, 'administrator');
		const before = await row(B, boss);
		for (const parameters of [{}, { policies: { roles: 'subscriber' } }]) {
			const registration = userEvent(A, boss, {
				action: 'create',
				user: { email: `visitor-${boss}@evil.test`, roles: ['subscriber'], firstName: 'Eve' },
			});
			const { results } = await apply(
				B,
				[registration, { ...registration, id: randomUUID(), action: 'delete' }],
				parameters,
			);
			for (const result of results) {
				expect(result).toMatchObject({
					status: 'rejected',
					reason: 'conflict',
					detail: 'login_taken',
					user: { targetId: expect.any(Number) },
				});
			}
		}
		expect(await row(B, boss)).toBe(before);
		expect(await rolesOf(B, boss)).toEqual(['administrator']);
	});

	test('two different people with one login stay two people', async () => {
		const login = uniqueLogin('jsmith');
		await localUser(B, login, `jane-${login}@b.example.test`, 'subscriber', { first_name: 'Jane' });
		const john = userEvent(A, login, {
			action: 'create',
			user: { email: `john-${login}@a.example.test`, firstName: 'John', roles: ['editor'] },
		});
		const upsert = await runSync({ site: B, operation: 'upsertUsers', input: [john] as never });
		const event = await apply(B, [john]);
		for (const result of [upsert.results[0], event.results[0]])
			expect(result).toMatchObject({ status: 'rejected', reason: 'conflict' });
		expect(await findUser(B, login)).toMatchObject({
			email: `jane-${login}@b.example.test`,
			first_name: 'Jane',
			roles: ['subscriber'],
		});
	});

	test('Link Accounts by Login makes a namesake the same person (networks that control logins)', async () => {
		const login = uniqueLogin('ctl');
		await localUser(B, login, `${login}@b.example.test`, 'subscriber');
		const event = userEvent(A, login, {
			action: 'update',
			user: { email: `${login}@a.example.test`, firstName: 'Linked' },
		});
		const { results } = await runSync({
			site: B,
			operation: 'upsertUsers',
			input: [event] as never,
			parameters: { policies: { linkByLogin: true } },
		});
		expect(results[0]).toMatchObject({
			status: 'synced',
			action: 'update',
			user: { matchedBy: 'login' },
		});
		expect(await findUser(B, login)).toMatchObject({
			email: `${login}@a.example.test`,
			first_name: 'Linked',
		});
	});
});

describe('linking is not trust', () => {
	test("a registration elsewhere with an editor's email only links her account on first contact", async () => {
		const login = uniqueLogin('vic');
		await localUser(B, login, `${login}@b.example.test`, 'editor', { first_name: 'Vicky' });
		const before = await row(B, login);
		const registration = userEvent(A, `spam${login}`, {
			action: 'create',
			user: { email: `${login}@b.example.test`, firstName: '', roles: ['subscriber'] },
		});
		const { results } = await apply(B, [registration]);
		expect(results[0]).toMatchObject({
			status: 'synced',
			reason: 'linked',
			notSynced: [expect.objectContaining({ reason: 'first_contact' })],
		});
		expect(await findUser(B, login)).toMatchObject({ first_name: 'Vicky', roles: ['editor'] });
		expect(await row(B, login)).toBe(before);
	});
});

describe('protected accounts', () => {
	test('an administrator is never updated or deleted, even by an administrator-started upsert', async () => {
		const admin = uniqueLogin('adm');
		await localUser(B, admin, `${admin}@example.test`, 'administrator');
		const event = userEvent(A, admin, {
			action: 'update',
			user: { email: `${admin}@example.test`, roles: ['subscriber'], firstName: 'Demoted' },
		});
		const upsert = await runSync({ site: B, operation: 'upsertUsers', input: [event] as never });
		const del = await runSync({ site: B, operation: 'deleteUsers', input: [event] as never });
		for (const result of [upsert.results[0], del.results[0]])
			expect(result).toMatchObject({
				status: 'rejected',
				reason: 'protected_account',
				detail: 'administrator',
			});
		expect(await findUser(B, admin)).toMatchObject({ roles: ['administrator'], first_name: 'Own' });
	});

	test('no event grants a role outside Synced Roles', async () => {
		const login = uniqueLogin('grant');
		const { results } = await apply(B, [
			userEvent(A, login, { user: { roles: ['subscriber', 'administrator'] } }),
		]);
		expect(results[0]).toMatchObject({
			status: 'synced',
			action: 'create',
			notSynced: [
				expect.objectContaining({
					field: 'roles',
					reason: 'role_not_allowed',
					values: ['administrator'],
				}),
			],
		});
		expect(await rolesOf(B, login)).toEqual(['subscriber']);
	});
});

describe('roles the target lacks', () => {
	test('a missing role is left out, the rest applied; a user with no valid role fails clearly', async () => {
		const login = uniqueLogin('shop');
		const [partial, none] = (
			await apply(B, [
				userEvent(A, login, { user: { roles: ['shop_manager', 'author'], firstName: 'Shop' } }),
				userEvent(A, `${login}x`, { user: { roles: ['shop_manager'] } }),
			])
		).results;
		expect(partial).toMatchObject({
			status: 'synced',
			action: 'create',
			notSynced: [
				expect.objectContaining({
					field: 'roles',
					reason: 'role_missing_on_target',
					values: ['shop_manager'],
				}),
			],
		});
		expect(await findUser(B, login)).toMatchObject({ roles: ['author'], first_name: 'Shop' });
		expect(none).toMatchObject({ status: 'failed', reason: 'no_valid_role' });
		expect(await findUser(B, `${login}x`)).toBeUndefined();
	});

	test('a Role Mapping gives the mapped role instead', async () => {
		const login = uniqueLogin('cust');
		const mapping = {
			policies: {
				roleMapping: {
					mappings: [
						{ from: 'customer', to: 'subscriber' },
						{ from: 'shop_manager', to: 'editor' },
					],
				},
			},
		};
		const { results } = await apply(
			B,
			[
				userEvent(A, login, { user: { roles: ['customer'] } }),
				userEvent(A, `${login}m`, { user: { roles: ['shop_manager'] } }),
			],
			mapping,
		);
		expect(results.map((r) => [r.status, r.notSynced])).toEqual([
			['synced', []],
			['synced', []],
		]);
		expect(await rolesOf(B, login)).toEqual(['subscriber']);
		expect(await rolesOf(B, `${login}m`)).toEqual(['editor']);
	});

	test('an update keeps everything else when its roles cannot be given', async () => {
		const login = uniqueLogin('upd');
		await apply(B, [userEvent(A, login, { user: { roles: ['author'] } })]);
		const { results } = await apply(B, [
			userEvent(A, login, {
				action: 'update',
				user: { roles: ['shop_manager'], firstName: 'Kept' },
			}),
		]);
		expect(results[0]).toMatchObject({
			status: 'synced',
			action: 'update',
			changes: ['first_name'],
		});
		expect(await findUser(B, login)).toMatchObject({ roles: ['author'], first_name: 'Kept' });
	});
});

describe('reconcile deletes that cannot run away', () => {
	let owned: string[];
	const reconcileB = (input: object[], parameters = {}) =>
		runSync({
			site: B,
			operation: 'reconcile',
			input: input as never,
			parameters: { deleteMissing: true, ...parameters },
		});

	beforeAll(async () => {
		await lab.resetSite(B);
		const prefix = uniqueLogin('own');
		owned = Array.from({ length: 5 }, (_, i) => `${prefix}${i}`);
		// Created by a sync (each with a sync id): users sync owns on B.
		await apply(
			B,
			owned.map((login) => userEvent(A, login, { user: { syncId: randomUUID() } })),
		);
		await localUser(B, `${prefix}own`, `${prefix}own@b.example.test`, 'subscriber');
	}, 60_000);

	test.each([
		['a failed Get Users (On Error: Continue)', [{ error: 'WordPress http://a answered 401' }]],
		['an empty item (Always Output Data)', [{}]],
		['one valid user and one invalid item', 'valid+invalid'],
	])('%s deletes nothing', async (_, given) => {
		const input =
			given === 'valid+invalid'
				? [{ login: owned[0], email: `${owned[0]}@example.test` }, { login: '' }]
				: (given as object[]);
		const before = await userCount(B);
		for (const dryRun of [true, false]) {
			const { results } = await reconcileB(input, { dryRun });
			const deletions = results.filter(
				(r) => r.requestedAction === 'delete' && r.reason !== 'not_linked',
			);
			expect(deletions.length).toBeGreaterThanOrEqual(owned.length - 1);
			expect(
				deletions.every((r) => r.status === 'rejected' && r.reason === 'source_incomplete'),
			).toBe(true);
			expect(results.filter((r) => r.action === 'delete')).toEqual([]);
		}
		expect(await userCount(B)).toBe(before);
	});

	test('more deletes than Max Deletes refuses them all; raising the limit deletes only what sync owns', async () => {
		const keep = { login: owned[0], email: `${owned[0]}@example.test` };
		const before = await userCount(B);
		const refused = (await reconcileB([keep])).results.filter(
			(r) => r.requestedAction === 'delete',
		);
		expect(
			refused
				.filter((r) => r.reason === 'delete_threshold')
				.map((r) => r.user?.login)
				.sort(),
		).toEqual(owned.slice(1).sort());
		expect(await userCount(B)).toBe(before);

		const { results } = await reconcileB([keep], { maxDeletePercent: 100 });
		const deletions = results.filter((r) => r.requestedAction === 'delete');
		expect(
			deletions
				.filter((r) => r.status === 'synced')
				.map((r) => r.user?.login)
				.sort(),
		).toEqual(owned.slice(1).sort());
		// Accounts no sync linked (the site's own user, the editor) are left, and say why.
		expect(deletions.filter((r) => r.reason === 'not_linked').map((r) => r.user?.login)).toEqual(
			expect.arrayContaining(['editor', `${owned[0].slice(0, -1)}own`]),
		);
		expect(await findUser(B, `${owned[0].slice(0, -1)}own`)).toBeDefined();
		expect(await findUser(B, owned[0])).toBeDefined();
	});
});

describe('an email change follows the linked account', () => {
	// Without the bridge only Reconcile (one scan, sync ids included) can follow it; Upsert needs the bridge's lookup.
	test('first sync links by email, the email changes on A, reconcile + delete-missing keeps one account', async () => {
		await lab.resetSite(A);
		await lab.resetSite(B);
		const login = uniqueLogin('john');
		const syncId = randomUUID();
		await localUser(A, login, `${login}@example.test`, 'subscriber', {
			first_name: 'John',
			meta: { harmonyuser_sync_id: syncId },
		});
		const other = `${login}b`;
		await localUser(B, other, `${login}@example.test`, 'subscriber', { first_name: 'Johnny' });
		const chain = (operation: 'upsertUsers' | 'reconcile', parameters = {}) =>
			runChain([
				{ site: A, operation: 'getUsers', parameters: { filters: { search: login } } },
				{ site: B, operation, parameters },
			]).then(({ outputs, error }) => {
				if (error) throw error;
				return outputs[1] as unknown as SyncResult[];
			});
		const first = await chain('upsertUsers');
		expect(first[0]).toMatchObject({
			status: 'synced',
			user: { matchedBy: 'email', login },
			notSynced: [expect.objectContaining({ field: 'login', reason: 'login_immutable' })],
		});
		await rest(A, A.admin, `/wp/v2/users/${(await findUser(A, login))?.id}`, {
			method: 'POST',
			body: { email: `${login}@new.example.test` },
		});
		const before = await userCount(B);
		for (let round = 0; round < 2; round++) {
			const results = await chain('reconcile', { deleteMissing: true, maxDeletePercent: 100 });
			expect(results[0]).toMatchObject({
				status: 'synced',
				user: { matchedBy: 'syncId', targetId: expect.any(Number) },
			});
			expect(results.filter((r) => r.action === 'delete')).toEqual([]);
		}
		expect(await userCount(B)).toBe(before);
		expect(await findUser(B, other)).toMatchObject({
			email: `${login}@new.example.test`,
			first_name: 'John',
		});
	});
});

describe('Site Default language', () => {
	afterAll(() => lab.wpEval(B, "update_option('WPLANG', '');"));

	test('a "Site Default" user stays on the site default of a German site; a language B lacks is left out, said so', async () => {
		await lab.wpEval(B, "update_option('WPLANG', 'de_DE');");
		const login = uniqueLogin('loc');
		await localUser(A, login, `${login}@example.test`, 'subscriber');
		const french = await localUser(A, `${login}f`, `${login}f@example.test`, 'subscriber');
		// REST only accepts installed languages; the meta is what a user's choice stores.
		await lab.wpEval(A, `update_user_meta(${french}, 'locale', 'fr_FR');`);
		const { outputs, error } = await runChain([
			{ site: A, operation: 'getUsers', parameters: { filters: { search: login } } },
			{ site: B, operation: 'upsertUsers' },
		]);
		expect(error).toBeUndefined();
		expect(outputs[0].map((u) => [u.login, u.locale]).sort()).toEqual([
			[login, ''],
			[`${login}f`, 'fr_FR'],
		]);
		const localeMeta = (l: string) =>
			lab
				.sql(
					B,
					`SELECT meta_value FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login = '${l}' AND meta_key = 'locale'`,
				)
				.then((s) => s.trim());
		// No locale meta (or an empty one) is "Site Default": the user sees B's German.
		expect(await localeMeta(login)).toBe('');
		const frenchResult = (outputs[1] as unknown as SyncResult[]).find(
			(r) => r.user?.login === `${login}f`,
		);
		expect(frenchResult).toMatchObject({
			status: 'synced',
			action: 'create',
			notSynced: [
				expect.objectContaining({
					field: 'locale',
					reason: 'locale_missing_on_target',
					values: ['fr_FR'],
				}),
			],
		});
		expect(await findUser(B, `${login}f`)).toBeDefined();
	});
});
