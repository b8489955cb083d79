/** Shared arrangements for the bridge plugin tests (real lab sites). */
import * as path from 'node:path';
import * as lab from '../lab';
import type { LabAccount, Site } from '../lab';
import { rest } from './wp';

export const SLUG = 'harmonyuser-sync-bridge';
export const PLUGIN_DIR = path.join(__dirname, '..', '..', 'bridge', SLUG);
export const NS = '/harmonyuser/v1';

/** A login no other test (or earlier run) uses. */
export { uniqueLogin } from './sync';

export async function installBridge(site: Site): Promise<void> {
	await lab.installPlugin(site, PLUGIN_DIR, SLUG);
}

export async function removeBridge(site: Site): Promise<void> {
	await lab.deactivatePlugin(site, SLUG);
}

/** A real user with an application password (created in PHP, so it works for any role). */
export async function createAccount(site: Site, login: string, role: string): Promise<LabAccount> {
	const out = await lab.wpEval(
		site,
		`$id = wp_insert_user(array('user_login' => ${JSON.stringify(login)}, 'user_email' => ${JSON.stringify(`${login}@bridge.test`)},
		  'user_pass' => 'Pw-${login}', 'role' => ${JSON.stringify(role)}));
		if (is_wp_error($id)) { echo 'ERR ' . $id->get_error_message(); return; }
		list($pw) = WP_Application_Passwords::create_new_application_password($id, array('name' => 'bridge-test'));
		echo 'HUSOUT' . wp_json_encode(array('id' => $id, 'pw' => $pw));`,
	);
	const json = out.slice(out.indexOf('HUSOUT') + 6);
	if (!out.includes('HUSOUT')) throw new Error(`createAccount: ${out}`);
	const { id, pw } = JSON.parse(json) as { id: number; pw: string };
	return { username: login, password: `Pw-${login}`, appPassword: pw, id };
}

export async function userMeta(site: Site, id: number, key: string): Promise<string> {
	return lab
		.sql(
			site,
			`SELECT meta_value FROM wp_usermeta WHERE user_id = ${Number(id)} AND meta_key = '${key}'`,
		)
		.then((s) => s.trim());
}

/** Deletes every webhook subscription of the site (other runs' leftovers included). */
export async function clearWebhooks(site: Site): Promise<void> {
	const list = await rest(site, site.admin, `${NS}/webhooks`);
	for (const hook of (list.body as Array<{ id: string }>) ?? [])
		await rest(site, site.admin, `${NS}/webhooks/${hook.id}`, { method: 'DELETE' });
}

/** A wp-admin browser session (cookies) for form posts. */
export class AdminSession {
	private cookies = new Map<string, string>();
	constructor(readonly site: Site) {}

	private cookieHeader(): string {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	private keep(res: Response): void {
		for (const c of res.headers.getSetCookie()) {
			const [pair] = c.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			if (value === 'deleted' || /expires=Thu, 01-Jan-1970/i.test(c)) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}

	async request(
		pathAndQuery: string,
		form?: Record<string, string>,
	): Promise<{ status: number; text: string; location: string | null }> {
		const res = await fetch(`${this.site.url}${pathAndQuery}`, {
			method: form ? 'POST' : 'GET',
			redirect: 'manual',
			headers: {
				Cookie: this.cookieHeader(),
				...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
			},
			body: form ? new URLSearchParams(form).toString() : undefined,
		});
		this.keep(res);
		return { status: res.status, text: await res.text(), location: res.headers.get('location') };
	}

	async login(username: string, password: string): Promise<void> {
		this.cookies.set('wordpress_test_cookie', 'WP%20Cookie%20check');
		await this.request('/wp-login.php');
		const r = await this.request('/wp-login.php', {
			log: username,
			pwd: password,
			testcookie: '1',
			rememberme: 'forever',
			'wp-submit': 'Log In',
		});
		if (r.status !== 302) throw new Error(`login as ${username} failed: ${r.status}`);
	}
}

/** The value of an <input name="..."> in an HTML page. */
export function inputValue(html: string, name: string): string | undefined {
	const re = new RegExp(`<input[^>]*name="${name.replace(/[[\]]/g, '\\$&')}"[^>]*>`, 'i');
	const tag = html.match(re)?.[0];
	if (!tag) return undefined;
	const v = tag.match(/value="([^"]*)"/i);
	return v
		? v[1]
				.replace(/&amp;/g, '&')
				.replace(/&quot;/g, '"')
				.replace(/&#039;/g, "'")
		: '';
}

/** The form fields a profile page posts back (the ones edit_user() requires), from the page itself. */
export function profileForm(html: string): Record<string, string> {
	const form: Record<string, string> = {};
	for (const name of [
		'_wpnonce',
		'_wp_http_referer',
		'user_id',
		'email',
		'nickname',
		'first_name',
		'last_name',
		'url',
		'checkuser_id',
		'from',
	]) {
		const v = inputValue(html, name);
		if (v !== undefined) form[name] = v;
	}
	form.action = 'update';
	form.display_name = form.nickname ?? '';
	form.pass1 = '';
	form.pass2 = '';
	return form;
}

/** The hash inside an event's sealed passwordHash (`hus1:…`), opened by the site's bridge with the network key. */
export async function openSealedHash(
	site: Site,
	user: { passwordHash?: string; syncId?: string },
): Promise<string> {
	if (!user.passwordHash?.startsWith('hus1:'))
		throw new Error(`not a sealed hash: ${String(user.passwordHash).slice(0, 8)}…`);
	const out = await lab.wpEval(
		site,
		`$h = harmonyuser_bridge_open_hash(${JSON.stringify(user.passwordHash)}, ${JSON.stringify(user.syncId ?? '')}); echo is_wp_error($h) ? 'ERR ' . $h->get_error_code() : $h;`,
	);
	return out.trim();
}
