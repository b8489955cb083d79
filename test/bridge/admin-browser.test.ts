/**
 * The wp-admin screen in a real browser: Debian's chromium (/usr/bin/chromium) driven by playwright-core. An
 * administrator logs in, sees the new-subscription notice, toggles read-only, adds, edits and removes allowlist
 * entries, deletes a subscription and retries a failed delivery; each step is checked in the database. Skipped when
 * chromium is not installed (`apt-get install -y chromium`). Leaves a screenshot in the lab dir (admin-screen.png).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as lab from '../../lab/lab';
import type { Site } from '../../lab/lab';
import { WebhookReceiver } from '../../lab/harness/webhookReceiver';
import { rest } from '../../lab/harness/wp';
import {
	NS,
	clearWebhooks,
	createAccount,
	installBridge,
	removeBridge,
	uniqueLogin,
} from '../../lab/harness/bridge';
import { OPT, deleteOptions, dropUsers, phpUser } from './guard-lab';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];
const describeIfChromium = fs.existsSync(CHROMIUM) ? describe : describe.skip;

describeIfChromium('wp-admin screen in Chromium', () => {
	let site: Site;
	let browser: Browser;
	let page: Page;
	const secret = randomBytes(16).toString('hex');
	const receiver = new WebhookReceiver(secret);
	const made: number[] = [];

	beforeAll(async () => {
		site = lab.sites()[0];
		await installBridge(site);
		await clearWebhooks(site);
		await deleteOptions(
			site,
			OPT.readOnly,
			OPT.allowlist,
			OPT.allowlistEnabled,
			OPT.trustedProxies,
			'harmonyuser_bridge_new_subscriptions',
		);
		await receiver.start();
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
		page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
		page.setDefaultTimeout(15000);
	}, 60000);
	afterAll(async () => {
		await browser?.close();
		await clearWebhooks(site);
		await receiver.stop();
		await deleteOptions(
			site,
			OPT.readOnly,
			OPT.allowlist,
			OPT.allowlistEnabled,
			'harmonyuser_bridge_new_subscriptions',
		);
		await dropUsers(site, made);
		await removeBridge(site);
	});

	/** Runs an action that submits a form and waits for the page it leads to (POST → 302 → GET). */
	const navigating = async (act: () => Promise<unknown>) => {
		const committed = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
		await act();
		await committed;
		await page.waitForLoadState('load');
	};
	const option = async (name: string) =>
		(
			await lab.sql(site, `SELECT option_value FROM wp_options WHERE option_name = '${name}'`)
		).trim();
	const flash = async () => (await page.locator('#harmonyuser-flash').innerText()).trim();
	const allowlist = async () =>
		Object.values(
			JSON.parse(
				await lab.wpEval(site, `echo wp_json_encode(get_option('${OPT.allowlist}', array()));`),
			) as Record<string, { cidr: string; note: string }>,
		).map((e) => `${e.cidr} ${e.note}`);

	test('an administrator works the whole screen with a mouse and a keyboard', async () => {
		// arrange: a subscription made with another admin's application password, and a delivery that gave up
		const owner = await createAccount(site, uniqueLogin('brown'), 'administrator');
		made.push(owner.id);
		const hook = await rest(site, owner, `${NS}/webhooks`, {
			method: 'POST',
			body: { url: receiver.url, secret },
		});
		expect(hook.status).toBe(201);
		receiver.status = 500;
		const id = await phpUser(site, uniqueLogin('brq'));
		made.push(id);
		await lab.sql(
			site,
			`UPDATE wp_harmonyuser_queue SET status = 'failed', attempts = 10 WHERE webhook_id = '${hook.body.id}' AND user_id = ${id}`,
		);

		// log in
		await page.goto(`${site.url}/wp-login.php`);
		await page.fill('#user_login', site.admin.username);
		await page.fill('#user_pass', site.admin.password);
		await Promise.all([page.waitForURL(/\/wp-admin\//), page.click('#wp-submit')]);

		// the notice on the dashboard leads to the screen
		const notice = page.locator('#harmonyuser-new-subscription-notice');
		await notice.waitFor();
		expect(await notice.innerText()).toContain(
			`by ${owner.username} with application password “bridge-test”`,
		);
		await Promise.all([
			page.waitForURL(/page=harmonyuser-sync/),
			notice.getByRole('link', { name: 'Review subscriptions' }).click(),
		]);
		expect(await page.locator('h1').innerText()).toBe('HarmonyUser Sync');

		// read-only on
		await page.check('#harmonyuser_read_only');
		await navigating(() => page.click('#harmonyuser-save-protection'));
		expect(await flash()).toContain('Protection settings saved.');
		expect(await page.isChecked('#harmonyuser_read_only')).toBe(true);
		expect(await option(OPT.readOnly)).toBe('1');
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${id}`, {
					method: 'POST',
					body: { first_name: 'X' },
				})
			).body.code,
		).toBe('harmonyuser_site_read_only');

		// allowlist: add IPv4 and IPv6 entries, a typo is refused
		for (const [cidr, note] of [
			['203.0.113.0/24', 'office'],
			['2001:db8::/32', 'lab v6'],
			['300.1.2.3', 'typo'],
		]) {
			await page.fill('#harmonyuser_cidr', cidr);
			await page.fill('#harmonyuser_note', note);
			await navigating(() => page.click('#harmonyuser-save-entry'));
		}
		expect(await flash()).toContain('"300.1.2.3" is not an IPv4 or IPv6 address.');
		expect(await allowlist()).toEqual(['203.0.113.0/24 office', '2001:db8::/32 lab v6']);
		expect(await page.locator('#harmonyuser-allowlist tbody tr').allInnerTexts()).toEqual([
			expect.stringContaining('203.0.113.0/24'),
			expect.stringContaining('2001:db8::/32'),
		]);

		// edit the IPv6 entry
		const v6row = page.locator('#harmonyuser-allowlist tbody tr', { hasText: '2001:db8::/32' });
		await Promise.all([
			page.waitForURL(/edit=/),
			v6row.getByRole('link', { name: 'Edit' }).click(),
		]);
		expect(await page.inputValue('#harmonyuser_cidr')).toBe('2001:db8::/32');
		await page.fill('#harmonyuser_cidr', '2001:db8:1::/48');
		await page.fill('#harmonyuser_note', 'lab v6, narrowed');
		await navigating(() => page.click('#harmonyuser-save-entry'));
		expect(await allowlist()).toEqual([
			'203.0.113.0/24 office',
			'2001:db8:1::/48 lab v6, narrowed',
		]);

		await page
			.locator('#harmonyuser-sync-settings')
			.screenshot({ path: path.join(lab.labDir(), 'admin-screen.png') });

		// remove the IPv4 entry
		await navigating(() =>
			page
				.locator('#harmonyuser-allowlist tbody tr', { hasText: '203.0.113.0/24' })
				.getByRole('button', { name: 'Remove' })
				.click(),
		);
		expect(await flash()).toContain('Allowlist entry 203.0.113.0/24 removed.');
		expect(await allowlist()).toEqual(['2001:db8:1::/48 lab v6, narrowed']);

		// retry the failed delivery once the receiver is back
		receiver.status = 200;
		receiver.clear();
		expect(await page.locator(`#harmonyuser-queue tr[data-status="failed"]`).count()).toBe(1);
		await navigating(() => page.click('#harmonyuser-retry-all'));
		expect(await flash()).toContain('Retried 1: 1 delivered, 0 still failing.');
		expect(receiver.received).toHaveLength(1);
		expect(
			(
				await lab.sql(
					site,
					`SELECT status FROM wp_harmonyuser_queue WHERE webhook_id = '${hook.body.id}' AND user_id = ${id}`,
				)
			).trim(),
		).toBe('delivered');

		// delete the subscription
		const row = page.locator(`#harmonyuser-webhooks tr[data-webhook-id="${hook.body.id}"]`);
		expect(await row.innerText()).toContain(owner.username);
		await navigating(() => row.getByRole('button', { name: 'Delete' }).click());
		expect(await flash()).toContain(`Subscription to ${receiver.url} deleted`);
		expect(((await rest(site, site.admin, `${NS}/webhooks`)).body as unknown[]).length).toBe(0);
		expect(await page.locator('#harmonyuser-new-subscription-notice').count()).toBe(0);

		// read-only off again
		await page.uncheck('#harmonyuser_read_only');
		await navigating(() => page.click('#harmonyuser-save-protection'));
		expect(await option(OPT.readOnly)).toBe('');
		expect(
			(
				await rest(site, site.admin, `/wp/v2/users/${id}`, {
					method: 'POST',
					body: { first_name: 'X' },
				})
			).status,
		).toBe(200);
	}, 120000);
});
