/**
 * The anonymous-registration takeover, end to end through the bridge: a visitor registers on A (open
 * registration, wp-login.php), A's bridge sends its signed events, the User Sync node applies them to B in n8n's
 * engine. B's accounts keep their email, roles and password hash, and are not deleted.
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { clearWebhooks, installBridge, NS, removeBridge } from '../../../lab/harness/bridge';
import type { SyncResult } from '../../../core/sync/result';
import { runChain, runSync, uniqueLogin } from '../../../lab/harness/sync';
import { WebhookReceiver } from '../../../lab/harness/webhookReceiver';
import { findUser, rest } from '../../../lab/harness/wp';

let A: Site;
let B: Site;
const secret = randomBytes(16).toString('hex');
const receiver = new WebhookReceiver(secret);

beforeAll(async () => {
	[A, B] = lab.sites();
	await Promise.all([installBridge(A), installBridge(B)]);
	await clearWebhooks(A);
	await lab.wpEval(
		A,
		"update_option('users_can_register', 1); update_option('default_role', 'subscriber'); update_option('harmonyuser_bridge_allow_local_receivers', '1');",
	);
	await receiver.start();
	const hook = await rest(A, A.admin, `${NS}/webhooks`, {
		method: 'POST',
		body: {
			url: receiver.url,
			secret,
			events: ['user.created', 'user.updated', 'user.deleted', 'user.password_changed'],
		},
	});
	expect(hook.status).toBe(201);
}, 60_000);

afterAll(async () => {
	await clearWebhooks(A);
	await receiver.stop();
	await lab.wpEval(A, "update_option('users_can_register', 0);");
	await Promise.all([removeBridge(A), removeBridge(B)]);
});

/** What an anonymous visitor does: the registration form of wp-login.php, no account, no cookie. */
async function register(site: Site, login: string, email: string): Promise<void> {
	const res = await fetch(`${site.url}/wp-login.php?action=register`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ user_login: login, user_email: email, 'wp-submit': 'Register' }),
		redirect: 'manual',
	});
	expect(res.status).toBe(302);
	expect(res.headers.get('location')).toContain('checkemail=registered');
}

/** The signed events A's bridge delivered about `login`, once `count` have arrived. */
async function eventsFor(login: string, count: number): Promise<Array<Record<string, unknown>>> {
	for (let i = 0; i < 100; i++) {
		const found = receiver.received.filter((r) => r.body?.user?.login === login);
		if (found.length >= count) {
			expect(found.every((r) => r.signatureValid)).toBe(true);
			return found.map((r) => r.body);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`A's bridge delivered fewer than ${count} events for ${login}`);
}

const account = (site: Site, login: string) =>
	lab
		.sql(site, `SELECT user_email, user_pass FROM wp_users WHERE user_login = '${login}'`)
		.then((out) => out.trim());
const passwordWorks = (site: Site, login: string, password: string) =>
	lab.wpEval(
		site,
		`$u = get_user_by('login', '${login}'); echo wp_check_password('${password}', $u->user_pass, $u->ID) ? 'yes' : 'no';`,
	);

async function localAccount(site: Site, login: string, role: string): Promise<void> {
	const reply = await rest(site, site.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: login,
			email: `${login}@b.example.test`,
			password: `Own-${login}-Pw1`,
			roles: [role],
			first_name: 'Own',
		},
	});
	expect(reply.status).toBe(201);
}

test("a visitor registering the administrator's login on A cannot touch B's administrator, nor delete it", async () => {
	const boss = uniqueLogin('boss');
	await localAccount(B, boss, 'administrator');
	const before = await account(B, boss);
	await register(A, boss, `visitor-${boss}@evil.test`);
	const [created] = await eventsFor(boss, 1);
	expect(created).toMatchObject({
		event: 'user.created',
		user: { login: boss, passwordHash: expect.any(String) },
	});

	// Whatever B's Synced Roles say, the namesake is a conflict.
	for (const parameters of [{}, { policies: { roles: 'subscriber' } }]) {
		const { results } = await runSync({
			site: B,
			operation: 'applyEvent',
			input: [created as never],
			parameters,
		});
		expect(results[0]).toMatchObject({
			status: 'rejected',
			reason: 'conflict',
			detail: 'login_taken',
		});
	}
	// A's admin deletes the spam account: B's administrator stays.
	await lab.wpEval(
		A,
		`require_once ABSPATH . 'wp-admin/includes/user.php'; wp_delete_user(get_user_by('login', '${boss}')->ID);`,
	);
	const [, deleted] = await eventsFor(boss, 2);
	expect(deleted).toMatchObject({ event: 'user.deleted' });
	const { results } = await runSync({
		site: B,
		operation: 'applyEvent',
		input: [deleted as never],
	});
	expect(results[0]).toMatchObject({ status: 'rejected', reason: 'conflict' });

	expect(await account(B, boss)).toBe(before);
	expect((await findUser(B, boss))?.roles).toEqual(['administrator']);
	expect(await passwordWorks(B, boss, `Own-${boss}-Pw1`)).toBe('yes');
});

test("a visitor registering with an editor's email on A only links her account on B: password and roles stay", async () => {
	const editor = uniqueLogin('ed');
	await localAccount(B, editor, 'editor');
	const before = await account(B, editor);
	const spam = uniqueLogin('spam');
	await register(A, spam, `${editor}@b.example.test`);
	const [created] = await eventsFor(spam, 1);
	const { results } = await runSync({
		site: B,
		operation: 'applyEvent',
		input: [created as never],
	});
	expect(results[0]).toMatchObject({
		status: 'synced',
		reason: 'linked',
		notSynced: [expect.objectContaining({ reason: 'first_contact' })],
	});
	expect(await account(B, editor)).toBe(before);
	expect(await findUser(B, editor)).toMatchObject({ roles: ['editor'], first_name: 'Own' });
	expect(await passwordWorks(B, editor, `Own-${editor}-Pw1`)).toBe('yes');
	// The link is recorded: B's copy now carries A's sync id, linked.
	const meta = await lab.sql(
		B,
		`SELECT meta_key, meta_value FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login = '${editor}' AND meta_key IN ('harmonyuser_sync_id', 'harmonyuser_sync_linked') ORDER BY meta_key`,
	);
	expect(meta.trim().split('\n')).toEqual([
		`harmonyuser_sync_id\t${(created.user as { syncId: string }).syncId}`,
		'harmonyuser_sync_linked\t1',
	]);
});

test('an email change on A follows the linked account on B through Upsert and Reconcile: one account, never deleted', async () => {
	const john = uniqueLogin('john');
	const email = `${john}@example.test`;
	await rest(A, A.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: john,
			email,
			password: 'A-pass-123456',
			roles: ['subscriber'],
			first_name: 'John',
		},
	});
	const other = `${john}b`;
	await rest(B, B.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: other,
			email,
			password: 'B-pass-123456',
			roles: ['subscriber'],
			first_name: 'Johnny',
		},
	});
	const sync = (operation: 'upsertUsers' | 'reconcile', parameters = {}) =>
		runChain([
			{ site: A, operation: 'getUsers', parameters: { filters: { search: john } } },
			{ site: B, operation, parameters },
		]).then(({ outputs, error }) => {
			if (error) throw error;
			return outputs[1] as unknown as SyncResult[];
		});
	const first = await sync('upsertUsers');
	expect(first[0]).toMatchObject({ status: 'synced', user: { matchedBy: 'email' } });
	const before = await lab.sql(B, 'SELECT COUNT(*) FROM wp_users');
	await rest(A, A.admin, `/wp/v2/users/${(await findUser(A, john))?.id}`, {
		method: 'POST',
		body: { email: `${john}@new.example.test` },
	});
	const upsert = await sync('upsertUsers');
	expect(upsert[0]).toMatchObject({
		status: 'synced',
		action: 'update',
		changes: ['email'],
		user: { matchedBy: 'syncId' },
	});
	const reconcile = await sync('reconcile', { deleteMissing: true });
	// Same account (sync id); what still differs (B's own nickname, newer than A's) is left to the newer side.
	expect(reconcile[0]).toMatchObject({ user: { matchedBy: 'syncId' } });
	expect(['unchanged', 'stale']).toContain(reconcile[0].reason);
	expect(reconcile.filter((r) => r.user?.login === other)).toEqual([]);
	expect(reconcile.filter((r) => r.action === 'delete')).toEqual([]);
	expect(await lab.sql(B, 'SELECT COUNT(*) FROM wp_users')).toBe(before);
	// The email (changed on A last) followed; B's first name, set after A's, is the newer one and stays.
	expect(await findUser(B, other)).toMatchObject({
		email: `${john}@new.example.test`,
		first_name: 'Johnny',
	});
});

test('a password changed on A reaches B sealed: n8n never holds the hash in clear, and the password logs in on B', async () => {
	const login = uniqueLogin('seal');
	await rest(A, A.admin, '/wp/v2/users', {
		method: 'POST',
		body: {
			username: login,
			email: `${login}@example.test`,
			password: 'First-pass-123',
			roles: ['subscriber'],
		},
	});
	const [created] = await eventsFor(login, 1);
	expect(
		(await runSync({ site: B, operation: 'applyEvent', input: [created as never] })).results[0],
	).toMatchObject({ status: 'synced', action: 'create' });
	await lab.wpEval(A, `wp_set_password('Second-pass-456', get_user_by('login', '${login}')->ID);`);
	const [, changed] = await eventsFor(login, 2);
	const clear = await lab.sql(A, `SELECT user_pass FROM wp_users WHERE user_login = '${login}'`);
	expect((changed.user as { passwordHash: string }).passwordHash).toMatch(/^hus1:/);
	const delivered = receiver.received
		.filter((r) => r.body?.user?.login === login)
		.map((r) => r.raw)
		.join('\n');
	expect(delivered).not.toContain(clear.trim());
	const { results, json } = await runSync({
		site: B,
		operation: 'applyEvent',
		input: [changed as never],
	});
	expect(results[0]).toMatchObject({ status: 'synced', action: 'update', changes: ['password'] });
	expect(JSON.stringify(json)).not.toMatch(/hus1:|\$P\$|\$wp\$/);
	expect(await passwordWorks(B, login, 'Second-pass-456')).toBe('yes');
	// Sealed for this user only: the same ciphertext offered for another user is refused, nothing changes.
	const other = uniqueLogin('other');
	await localAccount(B, other, 'subscriber');
	const unversioned = { ...changed };
	delete unversioned.version;
	const swapped = {
		...unversioned,
		id: `${String(changed.id)}-x`,
		user: {
			...(changed.user as object),
			login: other,
			email: `${other}@b.example.test`,
			syncId: undefined,
			versions: undefined,
		},
	};
	const refused = await runSync({ site: B, operation: 'upsertUsers', input: [swapped as never] });
	expect(refused.results[0]).toMatchObject({
		status: 'failed',
		error: { code: 'harmonyuser_sealed_hash_invalid' },
	});
	expect(await passwordWorks(B, other, `Own-${other}-Pw1`)).toBe('yes');
});
