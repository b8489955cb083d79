/** Shared arrangements for the bridge's self-protection tests (guard-*, admin-*): options, requests from other addresses. */
import http from 'node:http';
import * as path from 'node:path';
import * as lab from '../../lab/lab';
import type { LabAccount, Site } from '../../lab/lab';
import type { RestReply } from '../../lab/harness/wp';

export const GUARD_FIXTURE = path.join(__dirname, '..', 'fixtures', 'wp', 'guard-test-routes.php');
export const GUARD_FIXTURE_NAME = 'hus-guard-test-routes';

export const OPT = {
	readOnly: 'harmonyuser_bridge_read_only',
	allowlistEnabled: 'harmonyuser_bridge_allowlist_enabled',
	allowlist: 'harmonyuser_bridge_allowlist',
	trustedProxies: 'harmonyuser_bridge_trusted_proxies',
	allowLocal: 'harmonyuser_bridge_allow_local_receivers',
} as const;

/** Sets an option to a PHP value given as JSON (strings, arrays, objects). */
export async function setOption(site: Site, name: string, value: unknown): Promise<void> {
	await lab.wpEval(
		site,
		`update_option(${JSON.stringify(name)}, json_decode(${JSON.stringify(JSON.stringify(value))}, true));`,
	);
}

export async function deleteOptions(site: Site, ...names: string[]): Promise<void> {
	await lab.wpEval(site, names.map((n) => `delete_option(${JSON.stringify(n)});`).join(' '));
}

/** The allowlist option from a list of entries (as the screen stores it). */
export function allowlistOf(
	...cidrs: string[]
): Record<string, { id: string; cidr: string; note: string }> {
	return Object.fromEntries(cidrs.map((cidr, i) => [`t${i}`, { id: `t${i}`, cidr, note: 'test' }]));
}

/** A REST request sent from a given local address (127.0.0.2 …), optionally with extra headers (X-Forwarded-For). */
export function restFrom(
	localAddress: string,
	site: Site,
	account: LabAccount | null,
	route: string,
	init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RestReply> {
	const url = new URL(`${site.url}/wp-json${route}`);
	const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
	const headers: Record<string, string> = {
		'Content-Type': 'application/json',
		Accept: 'application/json',
		...init.headers,
	};
	if (account)
		headers.Authorization = `Basic ${Buffer.from(`${account.username}:${account.appPassword}`).toString('base64')}`;
	if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
	return new Promise((resolve, reject) => {
		const req = http.request(
			{
				host: url.hostname,
				port: url.port,
				path: url.pathname + url.search,
				method: init.method ?? 'GET',
				headers,
				localAddress,
				agent: false,
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let body: unknown = text;
					try {
						body = JSON.parse(text);
					} catch {
						// not JSON
					}
					const h = new Headers();
					for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
					resolve({ status: res.statusCode ?? 0, headers: h, body });
				});
			},
		);
		req.on('error', reject);
		if (payload !== undefined) req.write(payload);
		req.end();
	});
}

/** One row of the users table and the meta the guard tests look at, read by SQL (what really is in the database). */
export async function userRow(
	site: Site,
	id: number,
): Promise<{
	exists: boolean;
	login: string;
	email: string;
	pass: string;
	caps: string;
	first: string;
	reject: string;
}> {
	const q = (sql: string) => lab.sql(site, sql).then((s) => s.trim());
	const row = await q(
		`SELECT user_login, user_email, user_pass FROM wp_users WHERE ID = ${Number(id)}`,
	);
	const meta = async (key: string) =>
		q(`SELECT meta_value FROM wp_usermeta WHERE user_id = ${Number(id)} AND meta_key = '${key}'`);
	const [login = '', email = '', pass = ''] = row ? row.split('\t') : [];
	return {
		exists: row !== '',
		login,
		email,
		pass,
		caps: await meta('wp_capabilities'),
		first: await meta('first_name'),
		reject: await meta('harmonyuser_reject_incoming'),
	};
}

/** Creates a user in PHP (no REST, so the guard is not involved); resolves the id. */
export async function phpUser(
	site: Site,
	login: string,
	extra: { role?: string; meta?: Record<string, string> } = {},
): Promise<number> {
	const out = await lab.wpEval(
		site,
		`$id = wp_insert_user(array('user_login' => ${JSON.stringify(login)}, 'user_email' => ${JSON.stringify(`${login}@guard.test`)},
		  'user_pass' => 'Guard-pass-1', 'first_name' => 'Orig', 'role' => ${JSON.stringify(extra.role ?? 'subscriber')}));
		if (is_wp_error($id)) { echo 'ERR ' . $id->get_error_message(); return; }
		foreach (json_decode(${JSON.stringify(JSON.stringify(extra.meta ?? {}))}, true) as $k => $v) { update_user_meta($id, $k, $v); }
		echo 'HUSID' . $id;`,
	);
	const m = out.match(/HUSID(\d+)/);
	if (!m) throw new Error(`phpUser: ${out}`);
	return Number(m[1]);
}

export async function dropUsers(site: Site, ids: number[]): Promise<void> {
	const list = ids.filter((id) => id > 0).map(Number);
	if (!list.length) return;
	await lab.sql(
		site,
		`DELETE FROM wp_usermeta WHERE user_id IN (${list.join(',')}); DELETE FROM wp_users WHERE ID IN (${list.join(',')});`,
	);
}

/** Polls until fn() is truthy (deliveries happen at the end of the request that queued them, in the same process). */
export async function eventually<T>(
	what: string,
	fn: () => Promise<T | false | undefined | null>,
	timeoutMs = 10000,
): Promise<T> {
	const start = Date.now();
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Decodes the HTML entities WordPress puts into attribute values and text. */
export function decodeHtml(s: string): string {
	return s
		.replace(/&#0?39;/g, "'")
		.replace(/&quot;/g, '"')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&#8220;/g, '“')
		.replace(/&#8221;/g, '”')
		.replace(/&amp;/g, '&');
}

/**
 * The fields a form of the page would post: the first <form> whose hidden "action" is `action` and which contains
 * `contains` (e.g. a row id), with its hidden inputs, text inputs, textareas and checked checkboxes.
 */
export function formFields(html: string, action: string, contains = ''): Record<string, string> {
	const forms = html.match(/<form\b[\s\S]*?<\/form>/gi) ?? [];
	const form = forms.find(
		(f) => f.includes(`name="action" value="${action}"`) && f.includes(contains),
	);
	if (!form)
		throw new Error(`no form for action ${action}${contains ? ` containing ${contains}` : ''}`);
	const fields: Record<string, string> = {};
	for (const tag of form.match(/<input\b[^>]*>/gi) ?? []) {
		const name = tag.match(/name="([^"]*)"/i)?.[1];
		if (!name) continue;
		const type = (tag.match(/type="([^"]*)"/i)?.[1] ?? 'text').toLowerCase();
		const value = decodeHtml(tag.match(/value="([^"]*)"/i)?.[1] ?? '');
		if ((type === 'checkbox' || type === 'radio') && !/\schecked/i.test(tag)) continue;
		if (type === 'submit' || type === 'button') continue;
		fields[name] = value;
	}
	for (const m of form.matchAll(/<textarea\b[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/gi))
		fields[m[1]] = decodeHtml(m[2]);
	return fields;
}

/** The page's text without tags (for asserting on what an administrator reads). */
export function pageText(html: string): string {
	return decodeHtml(
		html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '),
	).replace(/\s+/g, ' ');
}
