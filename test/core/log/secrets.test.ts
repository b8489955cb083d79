/** Passwords, hashes, application passwords and tokens never reach the database, in any column or file page. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { entryFromResult, entryFromUnknown, scrubText } from '../../../core/log/entry';
import { SqliteLogStore } from '../../../core/log/sqliteStore';
import type { NewLogEntry } from '../../../core/log/types';
import type { SyncEvent } from '../../../core/schemas/syncEvent';
import { failedResult, postgresFactory } from '../../../lab/harness/syncLog';

const SECRETS = [
	'abcd EFGH ijkl MNOP qrst UVWX',
	'$P$BsecretPortableHashValue1',
	'hunter2-plain-password',
	'tok_9f8e7d6c5b4a',
];

function secretEntries(): NewLogEntry[] {
	const result = failedResult('secretive');
	const event = result.event as SyncEvent & Record<string, unknown>;
	(event.user.meta as Record<string, unknown>).password = SECRETS[2];
	(event.user.meta as Record<string, unknown>).user_pass_hash = SECRETS[1];
	Object.assign(event.user, { applicationPassword: SECRETS[0], passwordHash: SECRETS[1] });
	Object.assign(event, { auth: { Authorization: `Basic ${SECRETS[0]}`, api_key: SECRETS[3] } });
	const unknown = {
		login: 'x',
		credentials: { user_pass: SECRETS[2], nested: [{ accessToken: SECRETS[3] }] },
	};
	return [entryFromResult(result), entryFromUnknown(unknown)];
}

test('scrubbing keeps everything that is not a secret', () => {
	const [stored, unknown] = secretEntries();
	expect(JSON.stringify([stored, unknown])).not.toMatch(/hunter2|PortableHash|tok_9f8e|abcd EFGH/);
	expect(stored.event?.user).toMatchObject({ login: 'secretive', roles: ['subscriber'] });
	expect(unknown.meta).toEqual({ item: { login: 'x', credentials: { nested: [{}] } } });
});

test('sqlite: neither the rows nor the file bytes contain a secret', async () => {
	const store = new SqliteLogStore(
		path.join(mkdtempSync(path.join(tmpdir(), 'hus-secrets-')), 'log.sqlite'),
	);
	await store.write(secretEntries());
	await store.close();
	const db = new DatabaseSync(store.file);
	db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
	const rows = JSON.stringify(db.prepare('SELECT * FROM sync_log').all());
	db.close();
	expect(rows).toContain('secretive');
	const bytes = readFileSync(store.file).toString('latin1');
	expect(bytes).toContain('secretive');
	for (const secret of SECRETS) {
		expect(rows).not.toContain(secret);
		expect(bytes).not.toContain(secret);
	}
});

test('postgres: no row of the log table, read as text, contains a secret', async () => {
	const factory = postgresFactory();
	const store = await factory.open();
	await store.write(secretEntries());
	await store.close();
	const rows = await factory.database!.query(
		`SELECT t::text AS row FROM "public"."${store.tag}sync_log" t`,
	);
	const text = rows.map((row) => row.row).join('\n');
	expect(text).toContain('secretive');
	for (const secret of SECRETS) expect(text).not.toContain(secret);
	await factory.cleanup();
});

describe('scrubText: secrets inside text, whatever the key', () => {
	it.each([
		['Authorization: Basic YWRtaW46YWJjZCBFRkdIIGlqa2w=', 'Authorization: Basic [redacted]'],
		['sent bearer eyJhbGciOiJIUzI1NiJ9.abc.def to the site', 'sent bearer [redacted] to the site'],
		[
			'Cookie: wordpress_logged_in_0123456789abcdef0123456789abcdef=admin%7C1700; other=1',
			'Cookie: [redacted]',
		],
		[
			'jar wordpress_sec_0123456789abcdef0123456789abcdef=admin|17|x; path=/',
			'jar wordpress_sec_0123456789abcdef0123456789abcdef=[redacted]; path=/',
		],
		['GET /wp-admin/?_wpnonce=a1b2c3d4e5&x=1', 'GET /wp-admin/?_wpnonce=[redacted]&x=1'],
		['{"nonce":"0a1b2c3d4e"}', '{"nonce":"[redacted]"}'],
		['hash $P$BsecretPortableHashValue1abcdef12 end', 'hash [redacted] end'],
		[
			`bcrypt $wp$2y$10$${'a'.repeat(53)} and $2y$12$${'B'.repeat(53)}`,
			'bcrypt [redacted] and [redacted]',
		],
		['argon $argon2id$v=19$m=65536,t=4,p=1$c2FsdA$aGFzaA end', 'argon [redacted] end'],
		['app password abcd EFGH ijkl MNOP qrst UVWX here', 'app password [redacted] here'],
	])('%s', (input, output) => {
		expect(scrubText(input)).toBe(output);
	});

	it('leaves ordinary text alone', () => {
		for (const text of [
			'Does this user have more than four roles',
			'the target already matches: nothing written',
			'nonce of the day',
		]) {
			expect(scrubText(text)).toBe(text);
		}
	});

	it('redacts message and error text of stored results, and strings at any depth', () => {
		const result = failedResult('x', {
			message: 'WordPress refused Basic YWRtaW46cGFzc3dvcmQ=',
			error: {
				kind: 'auth',
				message: 'cookie wordpress_logged_in_0123456789abcdef0123456789abcdef=zzz',
			},
		});
		const entry = entryFromResult(result);
		expect(entry.message).toBe('WordPress refused Basic [redacted]');
		expect(entry.errorMessage).toBe(
			'cookie wordpress_logged_in_0123456789abcdef0123456789abcdef=[redacted]',
		);
		expect(entryFromUnknown({ note: ['see $P$BsecretPortableHashValue1abcdef12'] }).meta).toEqual({
			item: { note: ['see [redacted]'] },
		});
	});
});
