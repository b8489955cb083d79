/**
 * wp-admin → Settings → HarmonyUser Sync, driven over HTTP with a real login cookie: capability and nonce checks,
 * the read-only switch, allowlist entries (add, validate, edit, remove) and trusted proxies, subscriptions (notice,
 * delete) and the delivery queue (error class, retry now). Every change is checked in the database or by its effect.
 */
import { randomBytes } from 'node:crypto';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { rest } from '../../lab/harness/wp';
import {
	AdminSession,
	NS,
	clearWebhooks,
	createAccount,
	installBridge,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';
import {
	OPT,
	deleteOptions,
	dropUsers,
	formFields,
	pageText,
	phpUser,
	restFrom,
} from './guard-lab';

const PAGE = '/wp-admin/options-general.php?page=harmonyuser-sync';
const POST = '/wp-admin/admin-post.php';

describe('wp-admin screen: Settings → HarmonyUser Sync', () => {
	let site: Site;
	let admin: AdminSession;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		await installBridge(site);
		await clearWebhooks(site);
		await receiver.start();
		admin = new AdminSession(site);
		await admin.login(site.admin.username, site.admin.password);
	});
	afterAll(async () => {
		await clearWebhooks(site);
		await receiver.stop();
		await deleteOptions(
			site,
			OPT.readOnly,
			OPT.allowlistEnabled,
			OPT.allowlist,
			OPT.trustedProxies,
			OPT.allowLocal,
			'harmonyuser_bridge_new_subscriptions',
		);
		await dropUsers(site, made);
		await removeBridge(site);
	});

	const page = async (query = '') => {
		const r = await admin.request(PAGE + query);
		expect(r.status).toBe(200);
		return r.text;
	};
	/** Posts a form of the settings page (as the page renders it, with `changes`); resolves the page shown afterwards. */
	const submit = async (
		action: string,
		changes: Record<string, string | null> = {},
		contains = '',
		query = '',
	) => {
		const fields = { ...formFields(await page(query), action, contains) };
		for (const [k, v] of Object.entries(changes)) {
			if (v === null) delete fields[k];
			else fields[k] = v;
		}
		const r = await admin.request(POST, fields);
		expect(r.status).toBe(302);
		expect(r.location).toContain('page=harmonyuser-sync');
		return page();
	};
	const option = async (name: string) =>
		(
			await lab.sql(site, `SELECT option_value FROM wp_options WHERE option_name = '${name}'`)
		).trim();

	test('only administrators: an editor gets 403 for the page and every handler; a post without a valid nonce changes nothing', async () => {
		const text = pageText(await page());
		for (const heading of [
			'Protection',
			'IP allowlist entries',
			'Webhook subscriptions',
			'Outgoing delivery queue',
		])
			expect(text).toContain(heading);

		const editor = new AdminSession(site);
		await editor.login(site.editor.username, site.editor.password);
		expect((await editor.request(PAGE)).status).toBe(403);
		for (const action of [
			'harmonyuser_save_protection',
			'harmonyuser_allowlist_save',
			'harmonyuser_allowlist_remove',
			'harmonyuser_webhook_delete',
			'harmonyuser_queue_retry',
		]) {
			expect(
				(await editor.request(POST, { action, read_only: '1', cidr: '0.0.0.0/0' })).status,
			).toBe(403);
		}
		// the administrator, but no nonce / a nonce of another form / a nonce of another user
		const fields = formFields(await page(), 'harmonyuser_save_protection');
		expect(
			(await admin.request(POST, { ...fields, harmonyuser_nonce: '', read_only: '1' })).status,
		).toBe(403);
		const otherForm = formFields(await page(), 'harmonyuser_allowlist_save');
		expect(
			(
				await admin.request(POST, {
					...fields,
					harmonyuser_nonce: otherForm.harmonyuser_nonce,
					read_only: '1',
				})
			).status,
		).toBe(403);
		expect(await option(OPT.readOnly)).toBe('');
		expect(await option(OPT.allowlist)).toBe('');
	});

	test('the read-only switch: on, the site refuses application-password writes; off, they work again', async () => {
		const id = await phpUser(site, uniqueLogin('admro'));
		made.push(id);
		let html = await submit('harmonyuser_save_protection', { read_only: '1' });
		expect(pageText(html)).toContain('Protection settings saved.');
		expect(html).toMatch(/id="harmonyuser_read_only" value="1"\s+checked/);
		expect(await option(OPT.readOnly)).toBe('1');
		const refused = await rest(site, site.admin, `/wp/v2/users/${id}`, {
			method: 'POST',
			body: { first_name: 'X' },
		});
		expect([refused.status, refused.body.code]).toEqual([403, 'harmonyuser_site_read_only']);

		html = await submit('harmonyuser_save_protection', { read_only: null });
		expect(await option(OPT.readOnly)).toBe('');
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${id}`, {
					method: 'POST',
					body: { first_name: 'X' },
				})
			).status,
		).toBe(200);
		// the lab's local-receiver default was on the page, so saving kept it
		expect(
			await lab.wpEval(site, `echo 'HUS[' . get_option('${OPT.allowLocal}') . ']';`),
		).toContain('HUS[1]');
	});

	test('allowlist entries: add (IPv4 and IPv6 CIDR), invalid and duplicate refused, edit, remove; trusted proxies validated', async () => {
		let html = await submit('harmonyuser_allowlist_save', {
			cidr: '203.0.113.9/24',
			note: 'Office <b>net</b>',
		});
		expect(pageText(html)).toContain('Allowlist entry 203.0.113.0/24 saved.');
		expect(html).toContain('Office net'); // the note is plain text
		html = await submit('harmonyuser_allowlist_save', { cidr: '2001:DB8::/32', note: 'v6' });
		expect(pageText(html)).toContain('2001:db8::/32');
		for (const [bad, message] of [
			['300.1.2.3', '"300.1.2.3" is not an IPv4 or IPv6 address.'],
			['10.0.0.0/33', 'the prefix length must be between 0 and 32'],
			['example.com', 'is not an IPv4 or IPv6 address'],
			['203.0.113.77/24', '203.0.113.0/24 is already on the allowlist.'],
		]) {
			html = await submit('harmonyuser_allowlist_save', { cidr: bad });
			expect(pageText(html)).toContain(message);
		}
		const stored = async () =>
			Object.values(
				JSON.parse(
					await lab.wpEval(site, `echo wp_json_encode(get_option('${OPT.allowlist}'));`),
				) as Record<string, { id: string; cidr: string; note: string }>,
			);
		expect((await stored()).map((e) => [e.cidr, e.note])).toEqual([
			['203.0.113.0/24', 'Office net'],
			['2001:db8::/32', 'v6'],
		]);

		// edit the IPv6 entry: its form comes prefilled
		const v6 = (await stored())[1];
		const editPage = await page(`&edit=${v6.id}`);
		expect(formFields(editPage, 'harmonyuser_allowlist_save')).toMatchObject({
			entry_id: v6.id,
			cidr: '2001:db8::/32',
			note: 'v6',
		});
		html = await submit(
			'harmonyuser_allowlist_save',
			{ cidr: '2001:db8:1::/48', note: 'v6 narrowed' },
			'',
			`&edit=${v6.id}`,
		);
		expect((await stored()).map((e) => [e.id, e.cidr, e.note])).toEqual([
			[expect.any(String), '203.0.113.0/24', 'Office net'],
			[v6.id, '2001:db8:1::/48', 'v6 narrowed'],
		]);

		// remove the IPv4 entry
		const v4 = (await stored())[0];
		html = await submit('harmonyuser_allowlist_remove', {}, `value="${v4.id}"`);
		expect(pageText(html)).toContain('Allowlist entry 203.0.113.0/24 removed.');
		expect((await stored()).map((e) => e.cidr)).toEqual(['2001:db8:1::/48']);

		// trusted proxies: a bad line saves nothing, good ones are stored canonically
		html = await submit('harmonyuser_save_protection', {
			trusted_proxies: '10.0.0.1\nnot-a-proxy',
			read_only: '1',
		});
		expect(pageText(html)).toContain(
			'Trusted proxies: "not-a-proxy" is not an IPv4 or IPv6 address. Nothing was saved.',
		);
		expect(await option(OPT.readOnly)).toBe('');
		await submit('harmonyuser_save_protection', {
			trusted_proxies: '10.0.0.1\n2001:DB8::1, 192.168.0.0/16',
		});
		expect(formFields(await page(), 'harmonyuser_save_protection').trusted_proxies).toBe(
			'10.0.0.1\n2001:db8::1\n192.168.0.0/16',
		);
	});

	test('the allowlist switched on from the screen holds for application passwords, and warns while empty', async () => {
		await deleteOptions(site, OPT.allowlist, OPT.trustedProxies);
		let html = await submit('harmonyuser_save_protection', {
			allowlist_enabled: '1',
			trusted_proxies: '',
		});
		expect(pageText(html)).toContain(
			'The IP allowlist is on and empty: no application password is accepted from anywhere.',
		);
		expect((await restFrom('127.0.0.1', site, site.admin, '/wp/v2/users/me')).status).toBe(403);
		html = await submit('harmonyuser_allowlist_save', { cidr: '127.0.0.1', note: 'this machine' });
		expect((await restFrom('127.0.0.1', site, site.admin, '/wp/v2/users/me')).status).toBe(200);
		const outside = await restFrom('127.0.0.2', site, site.admin, '/wp/v2/users/me');
		expect([outside.status, outside.body.code]).toEqual([403, 'harmonyuser_ip_not_allowed']);
		// the screen shows the address it sees (the administrator is not held to the list)
		expect(html).toContain('id="harmonyuser-your-ip">127.0.0.1<');
		await submit('harmonyuser_save_protection', { allowlist_enabled: null });
		expect((await restFrom('127.0.0.2', site, site.admin, '/wp/v2/users/me')).status).toBe(200);
	});

	test('a new subscription raises an admin notice (who, which password, where) until dismissed; the screen deletes it', async () => {
		const owner = await createAccount(site, uniqueLogin('admown'), 'administrator');
		made.push(owner.id);
		const created = await rest(site, owner, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: receiver.url, secret },
		});
		expect(created.status).toBe(201);
		const dashboard = await admin.request('/wp-admin/index.php');
		const notice = pageText(
			dashboard.text.match(
				/<div class="notice notice-warning" id="harmonyuser-new-subscription-notice">[\s\S]*?<\/div>/,
			)?.[0] ?? '',
		);
		expect(notice).toContain('a new webhook subscription was created');
		expect(notice).toContain(receiver.url);
		expect(notice).toContain(`by ${owner.username} with application password “bridge-test”`);
		// dismiss (from the dashboard's notice form)
		const ack = formFields(dashboard.text, 'harmonyuser_ack_subscriptions');
		expect((await admin.request(POST, ack)).status).toBe(302);
		expect((await admin.request('/wp-admin/index.php')).text).not.toContain(
			'harmonyuser-new-subscription-notice',
		);

		let html = await page();
		const row =
			html.match(new RegExp(`<tr data-webhook-id="${created.body.id}">[\\s\\S]*?</tr>`))?.[0] ?? '';
		expect(pageText(row)).toContain(`${owner.username} application password “bridge-test”`);
		html = await submit('harmonyuser_webhook_delete', {}, `value="${created.body.id}"`);
		expect(pageText(html)).toContain(`Subscription to ${receiver.url} deleted`);
		expect(
			((await rest(site, site.admin, `${NS}/webhooks`)).body as Array<{ id: string }>).map(
				(h) => h.id,
			),
		).not.toContain(created.body.id);
	});

	test('the queue: an undelivered event shows its error class; "Retry now" delivers it; failed rows can all be retried', async () => {
		await clearWebhooks(site);
		const hook = await rest(site, site.admin, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: receiver.url, secret },
		});
		receiver.status = 503;
		try {
			const id = await phpUser(site, uniqueLogin('admq'));
			made.push(id);
			const rowOf = async () =>
				(
					await lab.sql(
						site,
						`SELECT id, status, last_error FROM wp_harmonyuser_queue WHERE webhook_id = '${hook.body.id}' AND user_id = ${id}`,
					)
				)
					.trim()
					.split('\t');
			const [rowId, status, cls] = await rowOf();
			expect([status, cls]).toEqual(['pending', 'http_5xx']);
			let html = await page();
			const tr = html.match(new RegExp(`<tr data-row-id="${rowId}"[\\s\\S]*?</tr>`))?.[0] ?? '';
			expect(pageText(tr)).toMatch(/user\.created .* pending 1 .* http_5xx \(HTTP 503\)/);
			expect(pageText(html)).toMatch(/Pending: [1-9]/);

			receiver.status = 200;
			receiver.clear();
			html = await submit('harmonyuser_queue_retry', {}, `name="row_id" value="${rowId}"`);
			expect(pageText(html)).toContain('Retried 1: 1 delivered, 0 still failing.');
			expect((await rowOf()).slice(1)).toEqual(['delivered', 'NULL']);
			expect(receiver.received).toHaveLength(1);
			expect(receiver.received[0].signatureValid).toBe(true);

			// a row that gave up: "Retry all failed now"
			receiver.status = 500;
			const id2 = await phpUser(site, uniqueLogin('admq'));
			made.push(id2);
			await lab.sql(
				site,
				`UPDATE wp_harmonyuser_queue SET status = 'failed', attempts = 10 WHERE webhook_id = '${hook.body.id}' AND user_id = ${id2}`,
			);
			html = await page();
			expect(pageText(html)).toMatch(/Failed: 1/);
			receiver.status = 200;
			html = await submit('harmonyuser_queue_retry', {}, 'id="harmonyuser-retry-all"');
			expect(pageText(html)).toContain('Retried 1: 1 delivered, 0 still failing.');
			expect(pageText(html)).toContain('Nothing waiting: every event was delivered.');
		} finally {
			receiver.status = 200;
		}
	});
});
