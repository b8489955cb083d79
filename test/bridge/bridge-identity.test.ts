/**
 * The bridge plugin's identity contract against a real lab site: provisional and linked sync ids (a linking write
 * replaces a provisional id once; a linked id never changes; ids stay unique), the same inside /batch/v1, the
 * activation and upgrade backfill of users the plugin never saw, the raw locale field, and what resolve returns.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { LabAccount, Site } from '../../lab/lab';
import { rest } from '../../lab/harness/wp';
import {
	NS,
	SLUG,
	createAccount,
	installBridge,
	removeBridge,
	uniqueLogin,
	userMeta,
} from '../../lab/harness/bridge';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SMALL_STEPS = path.join(__dirname, 'fixtures', 'hus-backfill-small-steps.php');

/** A valid gettext catalogue holding only its header (WordPress 6.1 on PHP 8 cannot read one with no entry at all). */
function headerOnlyMoFile(language: string): Buffer {
	const translation = Buffer.from(
		`Language: ${language}\nContent-Type: text/plain; charset=UTF-8\n`,
	);
	const head = Buffer.alloc(44);
	// magic, revision, 1 string, originals table at 28, translations table at 36, no hash table, strings at 44
	[0x950412de, 0, 1, 28, 36, 0, 44, 0, 44, translation.length, 45].forEach((word, i) =>
		head.writeUInt32LE(word, i * 4),
	);
	return Buffer.concat([head, Buffer.from([0]), translation, Buffer.from([0])]);
}

interface User {
	id: number;
	username: string;
	email: string;
	meta: Record<string, string>;
}

describe('bridge plugin: sync id linking, backfill, raw locale', () => {
	let site: Site;
	let subscriber: LabAccount;
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		await installBridge(site);
		subscriber = await createAccount(site, uniqueLogin('isub'), 'subscriber');
		made.push(subscriber.id);
	});
	afterAll(async () => {
		lab.removeMuPlugin(site, 'hus-backfill-small-steps.php');
		if (made.length)
			await lab.sql(
				site,
				`DELETE FROM wp_usermeta WHERE user_id IN (${made}); DELETE FROM wp_users WHERE ID IN (${made});`,
			);
		await lab.wpEval(site, "delete_option('WPLANG');");
		await removeBridge(site);
	});

	const createUser = async (extra: Record<string, unknown> = {}): Promise<User> => {
		const login = uniqueLogin('iden');
		const r = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: { username: login, email: `${login}@bridge.test`, password: 'Bridge-pass-1', ...extra },
		});
		expect(r.status).toBe(201);
		made.push(r.body.id);
		return r.body as User;
	};
	const update = (id: number, meta: Record<string, unknown>) =>
		rest(site, site.admin, `/wp/v2/users/${id}`, { method: 'POST', body: { meta } });
	/** The stored state, read by SQL: the sync id and the linked flag ('' when the row does not exist). */
	const stored = async (id: number) => ({
		syncId: await userMeta(site, id, 'harmonyuser_sync_id'),
		linked: await userMeta(site, id, 'harmonyuser_sync_linked'),
	});

	test('a new user gets a provisional sync id; the linked flag is edit-context meta only user managers write', async () => {
		const user = await createUser();
		expect(user.meta.harmonyuser_sync_id).toMatch(UUID4);
		expect(user.meta.harmonyuser_sync_linked).toBe('');
		const own = await rest(site, subscriber, '/wp/v2/users/me', {
			method: 'POST',
			body: { meta: { harmonyuser_sync_linked: '1' } },
		});
		expect(own.status).toBe(403);
		expect(await userMeta(site, subscriber.id, 'harmonyuser_sync_linked')).toBe('');
		const view = await rest(site, site.admin, `/wp/v2/users/${user.id}`);
		expect(view.body.meta?.harmonyuser_sync_linked).toBeUndefined();
	});

	test('a linking write replaces a provisional sync id once; then the id is immutable (409) and unchanged', async () => {
		const user = await createUser();
		const provisional = user.meta.harmonyuser_sync_id;
		// without the linked flag the write-once rule holds as before
		const plain = await update(user.id, { harmonyuser_sync_id: randomUUID() });
		expect(plain.status).toBe(409);
		expect(plain.body.code).toBe('harmonyuser_sync_id_immutable');
		expect(await stored(user.id)).toEqual({ syncId: provisional, linked: '' });

		const linkedId = randomUUID();
		const link = await update(user.id, {
			harmonyuser_sync_id: linkedId.toUpperCase(),
			harmonyuser_sync_linked: '1',
		});
		expect(link.status).toBe(200);
		expect(link.body.meta).toMatchObject({
			harmonyuser_sync_id: linkedId,
			harmonyuser_sync_linked: '1',
		});
		expect(await stored(user.id)).toEqual({ syncId: linkedId, linked: '1' });

		for (const meta of [
			{ harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
			{ harmonyuser_sync_id: randomUUID() },
			{ harmonyuser_sync_id: '' },
		]) {
			const refused = await update(user.id, meta);
			expect(refused.status).toBe(409);
			expect(refused.body.code).toBe('harmonyuser_sync_id_immutable');
		}
		const unlink = await update(user.id, { harmonyuser_sync_linked: '' });
		expect(unlink.status).toBe(409);
		expect(unlink.body.code).toBe('harmonyuser_sync_linked_immutable');
		expect(await stored(user.id)).toEqual({ syncId: linkedId, linked: '1' });

		// the same id again, with or without the flag, only confirms
		expect(
			(await update(user.id, { harmonyuser_sync_id: linkedId, harmonyuser_sync_linked: '1' }))
				.status,
		).toBe(200);
		expect((await update(user.id, { harmonyuser_sync_linked: '1' })).status).toBe(200);
		expect(await stored(user.id)).toEqual({ syncId: linkedId, linked: '1' });
	});

	test('confirming a provisional id links it without an outgoing change; a user without an id cannot be linked', async () => {
		const user = await createUser();
		await lab.sql(
			site,
			`UPDATE wp_usermeta SET meta_value = '2001-01-01T00:00:00Z' WHERE user_id = ${user.id} AND meta_key = 'harmonyuser_last_changed'`,
		);
		await lab.wpEval(site, `wp_cache_delete(${user.id}, 'user_meta');`);
		const confirm = await update(user.id, { harmonyuser_sync_linked: '1' });
		expect(confirm.status).toBe(200);
		expect(await stored(user.id)).toEqual({ syncId: user.meta.harmonyuser_sync_id, linked: '1' });
		// the tracker saw no change to report: last_changed (what events and changed-since go by) is untouched
		expect(await userMeta(site, user.id, 'harmonyuser_last_changed')).toBe('2001-01-01T00:00:00Z');

		const bare = await createUser();
		await lab.sql(
			site,
			`DELETE FROM wp_usermeta WHERE user_id = ${bare.id} AND meta_key = 'harmonyuser_sync_id'`,
		);
		await lab.wpEval(site, `wp_cache_delete(${bare.id}, 'user_meta');`);
		const missing = await update(bare.id, { harmonyuser_sync_linked: '1' });
		expect(missing.status).toBe(400);
		expect(missing.body.code).toBe('harmonyuser_sync_id_missing');
		expect(await stored(bare.id)).toEqual({ syncId: '', linked: '' });
	});

	test('a linking write cannot take an id another user holds, provisional or linked (409 taken)', async () => {
		const holder = await createUser();
		const linkedHolder = await createUser({
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const user = await createUser();
		for (const other of [holder, linkedHolder]) {
			const taken = await update(user.id, {
				harmonyuser_sync_id: other.meta.harmonyuser_sync_id,
				harmonyuser_sync_linked: '1',
			});
			expect(taken.status).toBe(409);
			expect(taken.body).toMatchObject({
				code: 'harmonyuser_sync_id_taken',
				data: { userId: other.id },
			});
		}
		expect(await stored(user.id)).toEqual({ syncId: user.meta.harmonyuser_sync_id, linked: '' });
		const bad = await update(user.id, {
			harmonyuser_sync_id: 'not-a-uuid',
			harmonyuser_sync_linked: '1',
		});
		expect(bad.status).toBe(400);
		expect(bad.body.code).toBe('harmonyuser_sync_id_invalid');
	});

	test('a create carrying both keys ends with that id, linked; a create with a taken id creates nobody', async () => {
		const chosen = randomUUID();
		const user = await createUser({
			meta: { harmonyuser_sync_id: chosen, harmonyuser_sync_linked: '1' },
		});
		expect(user.meta).toMatchObject({ harmonyuser_sync_id: chosen, harmonyuser_sync_linked: '1' });
		expect(await stored(user.id)).toEqual({ syncId: chosen, linked: '1' });
		// an id alone on create is taken as is, still provisional
		const alone = randomUUID();
		const plain = await createUser({ meta: { harmonyuser_sync_id: alone } });
		expect(await stored(plain.id)).toEqual({ syncId: alone, linked: '' });

		const login = uniqueLogin('iden');
		const dup = await rest(site, site.admin, '/wp/v2/users', {
			method: 'POST',
			body: {
				username: login,
				email: `${login}@bridge.test`,
				password: 'Bridge-pass-1',
				meta: { harmonyuser_sync_id: chosen, harmonyuser_sync_linked: '1' },
			},
		});
		expect(dup.status).toBe(409);
		expect(dup.body.code).toBe('harmonyuser_sync_id_taken');
		expect(await lab.sql(site, `SELECT COUNT(*) FROM wp_users WHERE user_login = '${login}'`)).toBe(
			'0\n',
		);
	});

	test('batch: linking creates and updates follow the same rules, item by item', async () => {
		const provisional = await createUser();
		const linked = await createUser({
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const [created, replaced, refused] = [randomUUID(), randomUUID(), randomUUID()];
		const logins = [uniqueLogin('ibat'), uniqueLogin('ibat')];
		const userBody = (login: string, syncId: string) => ({
			username: login,
			email: `${login}@bridge.test`,
			password: 'Batch-pass-1',
			meta: { harmonyuser_sync_id: syncId, harmonyuser_sync_linked: '1' },
		});
		const r = await rest(site, site.admin, '/batch/v1', {
			method: 'POST',
			body: {
				requests: [
					{ method: 'POST', path: '/wp/v2/users', body: userBody(logins[0], created) },
					{
						method: 'POST',
						path: `/wp/v2/users/${provisional.id}`,
						body: { meta: { harmonyuser_sync_id: replaced, harmonyuser_sync_linked: '1' } },
					},
					{
						method: 'POST',
						path: `/wp/v2/users/${linked.id}`,
						body: { meta: { harmonyuser_sync_id: refused, harmonyuser_sync_linked: '1' } },
					},
					{ method: 'POST', path: '/wp/v2/users', body: userBody(logins[1], created) },
				],
			},
		});
		expect(r.status).toBe(207);
		const items = r.body.responses as Array<{
			status: number;
			body: { id?: number; code?: string; meta?: Record<string, string> };
		}>;
		expect(items.map((item) => [item.status, item.body.code ?? null])).toEqual([
			[201, null],
			[200, null],
			[409, 'harmonyuser_sync_id_immutable'],
			[409, 'harmonyuser_sync_id_taken'],
		]);
		made.push(items[0].body.id!);
		expect(await stored(items[0].body.id!)).toEqual({ syncId: created, linked: '1' });
		expect(await stored(provisional.id)).toEqual({ syncId: replaced, linked: '1' });
		expect(await stored(linked.id)).toEqual({
			syncId: linked.meta.harmonyuser_sync_id,
			linked: '1',
		});
		expect(
			await lab.sql(site, `SELECT COUNT(*) FROM wp_users WHERE user_login = '${logins[1]}'`),
		).toBe('0\n');
	});

	/** Users straight into the tables (no plugin hook sees them), their ids. */
	const seedBySql = async (count: number) => {
		const prefix = uniqueLogin('bf').replace(/[^a-z0-9]/g, '');
		await lab.seedUsersBySql(site, count, { prefix });
		const ids = (
			await lab.sql(site, `SELECT ID FROM wp_users WHERE user_login LIKE '${prefix}%' ORDER BY ID`)
		)
			.split('\n')
			.filter(Boolean)
			.map(Number);
		made.push(...ids);
		expect(ids).toHaveLength(count);
		return ids;
	};
	/** Every sync id row of the site: user id → ids (a user must have exactly one). */
	const syncIdRows = async () => {
		const rows = (
			await lab.sql(
				site,
				"SELECT user_id, meta_value FROM wp_usermeta WHERE meta_key = 'harmonyuser_sync_id'",
			)
		)
			.split('\n')
			.filter(Boolean);
		const byUser = new Map<number, string[]>();
		for (const row of rows) {
			const [user, value] = row.split('\t');
			byUser.set(Number(user), [...(byUser.get(Number(user)) ?? []), value]);
		}
		return byUser;
	};
	const expectBackfilled = async (ids: number[]) => {
		const rows = await syncIdRows();
		for (const id of ids) {
			expect({ id, ids: rows.get(id)?.length ?? 0 }).toEqual({ id, ids: 1 });
			expect(rows.get(id)![0]).toMatch(UUID4);
		}
		const all = [...rows.values()].flat();
		expect(new Set(all).size).toBe(all.length); // distinct across the whole site
		const linked = await lab.sql(
			site,
			`SELECT COUNT(*) FROM wp_usermeta WHERE meta_key = 'harmonyuser_sync_linked' AND meta_value <> '' AND user_id IN (${ids})`,
		);
		expect(linked).toBe('0\n');
		const stamped = await lab.sql(
			site,
			`SELECT COUNT(*) FROM wp_usermeta WHERE meta_key = 'harmonyuser_last_changed' AND user_id IN (${ids})`,
		);
		expect(stamped).toBe(`${ids.length}\n`);
	};

	test('first activation (no user has an id yet): every user of the site gets one distinct provisional sync id', async () => {
		await removeBridge(site);
		await lab.sql(
			site,
			"DELETE FROM wp_usermeta WHERE meta_key IN ('harmonyuser_sync_id', 'harmonyuser_sync_linked', 'harmonyuser_last_changed')",
		);
		const ids = await seedBySql(150);
		await installBridge(site);
		const everyone = (await lab.sql(site, 'SELECT ID FROM wp_users'))
			.split('\n')
			.filter(Boolean)
			.map(Number);
		expect(everyone.length).toBeGreaterThan(ids.length);
		await expectBackfilled(everyone);
	});

	test('re-activation: users registered while the plugin was off get distinct provisional ids; ids already set stay', async () => {
		const kept = await createUser({
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const emptied = await createUser();
		await removeBridge(site);
		const ids = await seedBySql(120);
		await lab.sql(
			site,
			`UPDATE wp_usermeta SET meta_value = '' WHERE user_id = ${emptied.id} AND meta_key = 'harmonyuser_sync_id'`,
		);
		await installBridge(site);
		await expectBackfilled([...ids, emptied.id]);
		expect(await stored(kept.id)).toEqual({ syncId: kept.meta.harmonyuser_sync_id, linked: '1' });
		expect(
			await lab.sql(
				site,
				"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_db_version'",
			),
		).toBe('3\n');
		// REST shows the backfilled user as provisional, and a linking write takes it over
		const seeded = await rest(site, site.admin, `/wp/v2/users/${ids[0]}?context=edit`);
		expect(seeded.body.meta).toMatchObject({
			harmonyuser_sync_id: expect.stringMatching(UUID4),
			harmonyuser_sync_linked: '',
		});
		const adopted = randomUUID();
		expect(
			(await update(ids[0], { harmonyuser_sync_id: adopted, harmonyuser_sync_linked: '1' })).status,
		).toBe(200);
		expect(await stored(ids[0])).toEqual({ syncId: adopted, linked: '1' });
	});

	test('upgrade of an active bridge: the backfill goes on request by request, one request at a time, exactly once', async () => {
		const ids = await seedBySql(450);
		// As a site whose bridge predates the backfill: version 1, these users without ids, small steps per request.
		lab.installMuPlugin(site, SMALL_STEPS, 'hus-backfill-small-steps.php');
		await lab.sql(
			site,
			`DELETE FROM wp_usermeta WHERE meta_key IN ('harmonyuser_sync_id', 'harmonyuser_last_changed') AND user_id IN (${ids});
			UPDATE wp_options SET option_value = '1' WHERE option_name = 'harmonyuser_bridge_db_version';
			DELETE FROM wp_options WHERE option_name = 'harmonyuser_bridge_backfill_cursor';`,
		);
		const version = async () =>
			(
				await lab.sql(
					site,
					"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_db_version'",
				)
			).trim();
		const missing = async () =>
			Number(
				await lab.sql(
					site,
					`SELECT COUNT(*) FROM wp_users u WHERE u.ID IN (${ids}) AND NOT EXISTS
			(SELECT 1 FROM wp_usermeta m WHERE m.user_id = u.ID AND m.meta_key = 'harmonyuser_sync_id')`,
				),
			);
		// One request does one step of 100 users (the fixture's chunk, budget 0) and records where to go on: not done yet.
		expect((await rest(site, null, '/')).status).toBe(200);
		expect(await version()).toBe('1');
		expect(
			Number(
				await lab.sql(
					site,
					"SELECT option_value FROM wp_options WHERE option_name = 'harmonyuser_bridge_backfill_cursor'",
				),
			),
		).toBeGreaterThan(0);
		expect(await missing()).toBeGreaterThan(0);
		// The rest, by bursts of concurrent requests (the lock lets one of them work; none waits).
		let bursts = 0;
		while ((await version()) !== '3' && bursts < 20) {
			bursts += 1;
			const replies = await Promise.all(Array.from({ length: 6 }, () => rest(site, null, '/')));
			expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
		}
		expect(await version()).toBe('3');
		expect(bursts).toBeLessThan(20);
		await expectBackfilled(ids);
		expect(
			await lab.sql(
				site,
				"SELECT COUNT(*) FROM wp_options WHERE option_name = 'harmonyuser_bridge_backfill_cursor'",
			),
		).toBe('0\n');
		lab.removeMuPlugin(site, 'hus-backfill-small-steps.php');
	});

	test('harmonyuser_locale is the raw locale setting: empty for Site Default where core shows the site language', async () => {
		// A German site: a de_DE catalogue (header only) makes the language "installed", so WordPress accepts it as the
		// site language and as a user's choice, as with a real language pack.
		const languages = path.join(site.contentDir, 'languages');
		const catalogue = path.join(languages, 'de_DE.mo');
		fs.mkdirSync(languages, { recursive: true });
		fs.writeFileSync(catalogue, headerOnlyMoFile('de_DE'));
		try {
			await lab.wpEval(site, "update_option('WPLANG', 'de_DE');");
			expect(await lab.wpEval(site, 'echo get_locale();')).toBe('de_DE');
			const siteDefault = await createUser();
			const german = await createUser({ locale: 'de_DE' });
			const english = await createUser({ locale: 'en_US' });
			expect(await userMeta(site, siteDefault.id, 'locale')).toBe('');
			const read = async (id: number) =>
				(await rest(site, site.admin, `/wp/v2/users/${id}?context=edit`)).body as {
					locale: string;
					harmonyuser_locale: string;
				};
			expect(await read(siteDefault.id)).toMatchObject({ locale: 'de_DE', harmonyuser_locale: '' });
			expect(await read(german.id)).toMatchObject({ locale: 'de_DE', harmonyuser_locale: 'de_DE' });
			expect(await read(english.id)).toMatchObject({
				locale: 'en_US',
				harmonyuser_locale: 'en_US',
			});
			// with _fields, as the sync client lists users
			const listed = await rest(
				site,
				site.admin,
				`/wp/v2/users?include=${siteDefault.id},${german.id}&orderby=include&context=edit&_fields=id,locale,harmonyuser_locale`,
			);
			expect(listed.body).toEqual([
				{ id: siteDefault.id, locale: 'de_DE', harmonyuser_locale: '' },
				{ id: german.id, locale: 'de_DE', harmonyuser_locale: 'de_DE' },
			]);
			// edit context only, and read-only: a write of it changes nothing
			expect(
				(await rest(site, site.admin, `/wp/v2/users/${german.id}`)).body.harmonyuser_locale,
			).toBeUndefined();
			const write = await rest(site, site.admin, `/wp/v2/users/${siteDefault.id}`, {
				method: 'POST',
				body: { harmonyuser_locale: 'en_US' },
			});
			expect(write.status).toBe(200);
			expect(await userMeta(site, siteDefault.id, 'locale')).toBe('');
		} finally {
			await lab.wpEval(site, "delete_option('WPLANG');");
			fs.rmSync(catalogue, { force: true });
		}
	});

	test('resolve (sync id, email, previous email, login) returns the match with its sync id, linked flag and raw locale', async () => {
		const linkedId = randomUUID();
		const linked = await createUser({
			meta: { harmonyuser_sync_id: linkedId, harmonyuser_sync_linked: '1' },
		});
		const provisional = await createUser();
		const resolve = async (query: Record<string, string>) => {
			const reply = await rest(
				site,
				site.admin,
				`${NS}/users/resolve?${new URLSearchParams(query)}`,
			);
			expect(reply.status).toBe(200);
			return reply.body as {
				user: (User & { harmonyuser_locale: string }) | null;
				matchedBy: string | null;
			};
		};
		const bySync = await resolve({
			sync_id: linkedId,
			email: provisional.email,
			login: provisional.username,
		});
		expect(bySync.matchedBy).toBe('syncId');
		expect(bySync.user).toMatchObject({
			id: linked.id,
			harmonyuser_locale: '',
			meta: { harmonyuser_sync_id: linkedId, harmonyuser_sync_linked: '1' },
		});
		// A candidate found by email that holds another linked id: the client sees it and must not merge.
		const byEmail = await resolve({ sync_id: randomUUID(), email: linked.email });
		expect(byEmail.matchedBy).toBe('email');
		expect(byEmail.user?.meta).toMatchObject({
			harmonyuser_sync_id: linkedId,
			harmonyuser_sync_linked: '1',
		});
		const byPrevious = await resolve({
			email: 'gone@bridge.test',
			previous_email: provisional.email,
		});
		expect(byPrevious.matchedBy).toBe('previousEmail');
		expect(byPrevious.user?.meta).toMatchObject({
			harmonyuser_sync_id: provisional.meta.harmonyuser_sync_id,
			harmonyuser_sync_linked: '',
		});
		const byLogin = await resolve({ email: 'gone@bridge.test', login: provisional.username });
		expect(byLogin).toMatchObject({ matchedBy: 'login', user: { id: provisional.id } });
		// exactly the core shape (context edit), the new field included
		const core = await rest(site, site.admin, `/wp/v2/users?include=${linked.id}&context=edit`);
		expect(bySync.user).toEqual(core.body[0]);
		const info = await rest(site, site.admin, `${NS}/info`);
		expect(info.body.features).toEqual(expect.arrayContaining(['syncLink', 'rawLocale']));
	});

	test('uninstall removes the linked flag and the backfill cursor with the other plugin data', async () => {
		const user = await createUser({
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		await lab.sql(
			site,
			"INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('harmonyuser_bridge_backfill_cursor', '7', 'no')",
		);
		await removeBridge(site);
		const file = path.join(__dirname, '..', '..', 'bridge', SLUG, 'uninstall.php');
		await lab.wpEval(
			site,
			`define('WP_UNINSTALL_PLUGIN', '${SLUG}/${SLUG}.php'); include ${JSON.stringify(file)};`,
		);
		const keys = ['harmonyuser_sync_id', 'harmonyuser_sync_linked', 'harmonyuser_last_changed'].map(
			(key) => `'${key}'`,
		);
		expect(
			await lab.sql(site, `SELECT COUNT(*) FROM wp_usermeta WHERE meta_key IN (${keys})`),
		).toBe('0\n');
		const options = [
			'harmonyuser_bridge_db_version',
			'harmonyuser_bridge_backfill_cursor',
			'harmonyuser_bridge_last_change',
		].map((key) => `'${key}'`);
		expect(
			await lab.sql(site, `SELECT COUNT(*) FROM wp_options WHERE option_name IN (${options})`),
		).toBe('0\n');
		expect(await stored(user.id)).toEqual({ syncId: '', linked: '' });
		await installBridge(site); // afterAll removes it again
	});
});
