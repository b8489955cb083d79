import ipaddr from 'ipaddr.js';
import axios, { type AxiosInstance } from 'axios';
import { normalizeSiteUrl } from '../sites';

/**
 * Turns an administrator's login (username + password, used once) into an application password, the way a
 * browser would: log in to wp-login.php with a cookie jar, get a REST nonce from admin-ajax.php, then POST
 * /wp/v2/users/me/application-passwords. The login password is sent once, never stored, logged or put into
 * an error; the cookie session is logged out afterwards.
 */

export type AppPasswordErrorCode =
	| 'invalid_url' // the URL is not an http(s) URL
	| 'insecure_url' // plain http:// to a host that is not this machine: the login password would cross the network in clear
	| 'invalid_login' // WordPress refused the username or password
	| 'app_passwords_disabled' // the site does not offer application passwords (HTTPS or WP_ENVIRONMENT_TYPE=local needed)
	| 'forbidden' // the account may not have (or is not fit for) an application password
	| 'unreachable' // no answer: refused, DNS, TLS, timeout, 502-504
	| 'unexpected'; // an answer that is not what WordPress gives

export class AppPasswordError extends Error {
	readonly code: AppPasswordErrorCode;
	readonly site: string;
	readonly status?: number;
	readonly wpCode?: string;

	constructor(
		code: AppPasswordErrorCode,
		site: string,
		message: string,
		extra: { status?: number; wpCode?: string } = {},
	) {
		super(message);
		this.name = 'AppPasswordError';
		this.code = code;
		this.site = site;
		this.status = extra.status;
		this.wpCode = extra.wpCode;
	}

	toJSON(): Record<string, unknown> {
		return {
			name: this.name,
			code: this.code,
			site: this.site,
			status: this.status,
			wpCode: this.wpCode,
			message: this.message,
		};
	}
}

export interface CreateAppPasswordOptions {
	url: string;
	username: string;
	/** The account's login password: sent once to wp-login.php, then dropped. */
	password: string;
	/** Label shown in wp-admin → Users → Profile → Application Passwords. */
	appName: string;
	/** Capability the account must have before a password is created; default 'edit_users' (what the sync needs). */
	requireCapability?: string | false;
	timeoutMs?: number;
	/** Allow plain http:// to a host other than this machine (the password then crosses the network in clear). */
	allowInsecure?: boolean;
}

export interface CreatedAppPassword {
	/** The normalized site URL. */
	url: string;
	/** The account's login as WordPress knows it (also when an email address was used to log in). */
	username: string;
	/** Shown once by WordPress: 24 characters, no spaces. */
	applicationPassword: string;
	uuid?: string;
	name: string;
}

interface Reply {
	status: number;
	body: string;
	location?: string;
}

export async function createApplicationPassword(
	options: CreateAppPasswordOptions,
): Promise<CreatedAppPassword> {
	const site = siteUrl(options.url);
	refuseInsecure(site, options.allowInsecure === true);
	const { username, appName } = options;
	const capability = options.requireCapability ?? 'edit_users';
	if (!appName.trim())
		throw new AppPasswordError('unexpected', site, 'The application password needs a name');
	const session = new Session(site, options.timeoutMs ?? 30_000);

	// Ask the public REST index first: a site without application passwords never receives the login password.
	await checkAvailability(session);
	await session.get('/wp-login.php').then((reply) => checkLoginPage(site, reply));
	await logIn(session, username, options.password);
	return await createForSession(session, username, appName, capability).finally(() =>
		logOut(session),
	);
}

/**
 * An administrator's login password sent over plain http:// to another host can be read on the way: refused
 * unless the caller says so. Loopback (127.0.0.0/8, ::1, localhost) never leaves this machine.
 */
export function refuseInsecure(rawUrl: string, allowInsecure: boolean): void {
	const site = siteUrl(rawUrl);
	const url = new URL(site);
	if (url.protocol !== 'http:' || allowInsecure || isLoopbackHost(url.hostname)) return;
	throw new AppPasswordError(
		'insecure_url',
		site,
		`${site} is plain http:// on another host: the administrator's password would cross the network unencrypted. Use https://, or pass --insecure if this network is trusted`,
	);
}

function isLoopbackHost(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback';
}

function siteUrl(raw: string): string {
	const url = tryOrUndefined(() => normalizeSiteUrl(raw));
	if (!url)
		throw new AppPasswordError(
			'invalid_url',
			String(raw),
			`Not a site URL: "${String(raw).slice(0, 200)}" (expected http:// or https://)`,
		);
	return url;
}

async function createForSession(
	session: Session,
	username: string,
	appName: string,
	capability: string | false,
): Promise<CreatedAppPassword> {
	const nonce = await restNonce(session);
	const me = await currentUser(session, nonce);
	const login = typeof me.username === 'string' && me.username ? me.username : username;
	if (capability && me.capabilities?.[capability] !== true) {
		throw new AppPasswordError(
			'forbidden',
			session.site,
			`"${login}" on ${session.site} lacks the ${capability} capability: log in as an administrator (the sync lists, creates, edits and deletes users)`,
		);
	}
	const reply = await session.send('POST', '/wp-json/wp/v2/users/me/application-passwords', {
		headers: { 'X-WP-Nonce': nonce, 'Content-Type': 'application/json' },
		body: JSON.stringify({ name: appName }),
	});
	const json = parseJson(reply.body) as
		| { password?: unknown; uuid?: unknown; name?: unknown; code?: unknown; message?: unknown }
		| undefined;
	if (reply.status === 201 && typeof json?.password === 'string' && json.password) {
		return {
			url: session.site,
			username: login,
			// WordPress shows it in groups of four; it accepts it with or without the spaces.
			applicationPassword: json.password.replace(/\s+/g, ''),
			uuid: typeof json.uuid === 'string' ? json.uuid : undefined,
			name: typeof json.name === 'string' ? json.name : appName,
		};
	}
	throw createError(session.site, reply, json);
}

function createError(
	site: string,
	reply: Reply,
	json: { code?: unknown; message?: unknown } | undefined,
): AppPasswordError {
	const wpCode = typeof json?.code === 'string' ? json.code : undefined;
	const wpMessage = typeof json?.message === 'string' ? `: ${clean(json.message)}` : '';
	const extra = { status: reply.status, wpCode };
	if (wpCode === 'application_passwords_disabled') return disabledError(site, extra);
	if (
		wpCode === 'application_passwords_disabled_for_user' ||
		wpCode === 'rest_cannot_create_application_passwords'
	) {
		return new AppPasswordError(
			'forbidden',
			site,
			`${site} does not let this account create application passwords (${wpCode})${wpMessage}`,
			extra,
		);
	}
	return unexpected(
		site,
		'POST /wp-json/wp/v2/users/me/application-passwords',
		reply,
		wpCode ? ` (${wpCode})${wpMessage}` : '',
	);
}

function disabledError(
	site: string,
	extra: { status?: number; wpCode?: string } = {},
): AppPasswordError {
	const why = site.startsWith('https:')
		? 'a plugin or the wp_is_application_passwords_available filter turned them off'
		: 'WordPress offers them only over HTTPS, or on a site with WP_ENVIRONMENT_TYPE=local: use the https:// URL';
	return new AppPasswordError(
		'app_passwords_disabled',
		site,
		`Application passwords are not available on ${site}: ${why}`,
		extra,
	);
}

async function checkAvailability(session: Session): Promise<void> {
	const reply = await session.get('/wp-json/?_fields=name,authentication');
	const json = parseJson(reply.body) as { name?: unknown; authentication?: unknown } | undefined;
	// Some security plugins hide the index from anonymous visitors: then the create step has the last word.
	if (reply.status === 401 || reply.status === 403) return;
	if (reply.status !== 200 || !json || typeof json !== 'object' || !('name' in json)) {
		throw unexpected(
			session.site,
			'GET /wp-json/',
			reply,
			': no WordPress REST API there (not a WordPress site, or the REST API is off)',
		);
	}
	const auth = json.authentication as Record<string, unknown> | undefined;
	if (!auth || typeof auth !== 'object' || !auth['application-passwords'])
		throw disabledError(session.site);
}

function checkLoginPage(site: string, reply: Reply): void {
	if (reply.status === 200 && /name=["']?pwd/.test(reply.body)) return;
	if (reply.status >= 300 && reply.status < 400 && reply.location) {
		const canonical = reply.location.match(/^(https?:\/\/.+?)\/wp-login\.php/)?.[1];
		const hint = canonical
			? `: use the site URL ${canonical}`
			: ' (a moved login page cannot be used)';
		throw new AppPasswordError(
			'unexpected',
			site,
			`${site}/wp-login.php redirects to ${reply.location.slice(0, 200)}${hint}`,
			{
				status: reply.status,
			},
		);
	}
	throw unexpected(
		site,
		'GET /wp-login.php',
		reply,
		': no WordPress login form there (not WordPress, or a plugin moved the login page)',
	);
}

/** The only place the password is used: a form body that goes out of scope when this returns. */
async function logIn(session: Session, username: string, password: string): Promise<void> {
	const form = new URLSearchParams({
		log: username,
		pwd: password,
		testcookie: '1',
		redirect_to: `${session.site}/wp-admin/`,
	});
	const reply = await session.send('POST', '/wp-login.php', {
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: form.toString(),
	});
	if (reply.status === 302 && session.jar.has(/^wordpress_logged_in_/)) return;
	const wpError = reply.body.match(/<div id=["']?login_error["']?[^>]*>([\s\S]*?)<\/div>/)?.[1];
	if (reply.status === 200 && wpError !== undefined) {
		const said = redact(clean(wpError.replace(/<a [\s\S]*?<\/a>/g, '')), password);
		throw new AppPasswordError(
			'invalid_login',
			session.site,
			`WordPress refused the login of "${username}" on ${session.site}${said ? `: ${said}` : ''}`,
			{
				status: reply.status,
			},
		);
	}
	throw new AppPasswordError(
		'unexpected',
		session.site,
		`The login on ${session.site} did not complete (HTTP ${reply.status}, no logged-in cookie): a two-factor or CAPTCHA plugin may require a browser — create the application password in wp-admin → Users → Profile instead`,
		{ status: reply.status },
	);
}

async function restNonce(session: Session): Promise<string> {
	const reply = await session.get('/wp-admin/admin-ajax.php?action=rest-nonce');
	const nonce = reply.body.trim();
	if (reply.status === 200 && /^[0-9a-f]{6,32}$/i.test(nonce)) return nonce;
	throw unexpected(
		session.site,
		'GET /wp-admin/admin-ajax.php?action=rest-nonce',
		reply,
		': logged in, but WordPress gave no REST nonce',
	);
}

async function currentUser(
	session: Session,
	nonce: string,
): Promise<{ username?: unknown; capabilities?: Record<string, unknown> }> {
	const reply = await session.get(
		'/wp-json/wp/v2/users/me?context=edit&_fields=id,username,capabilities',
		{ 'X-WP-Nonce': nonce },
	);
	const json = parseJson(reply.body) as
		| { id?: unknown; username?: unknown; capabilities?: Record<string, unknown> }
		| undefined;
	if (reply.status === 200 && json && typeof json.id === 'number') return json;
	const code =
		typeof (json as { code?: unknown } | undefined)?.code === 'string'
			? ` (${(json as { code: string }).code})`
			: '';
	throw unexpected(session.site, 'GET /wp-json/wp/v2/users/me', reply, code);
}

/** Best effort: ends the cookie session (destroys its server-side token); failures change nothing for the caller. */
async function logOut(session: Session): Promise<void> {
	try {
		const page = await session.get('/wp-login.php?action=logout');
		const nonce = page.body.match(/action=logout&(?:amp;)?_wpnonce=([0-9a-f]+)/i)?.[1];
		if (nonce) await session.get(`/wp-login.php?action=logout&_wpnonce=${nonce}`);
	} catch {
		// the application password exists either way
	}
}

function unexpected(site: string, request: string, reply: Reply, detail: string): AppPasswordError {
	const code = reply.status >= 502 && reply.status <= 504 ? 'unreachable' : 'unexpected';
	return new AppPasswordError(
		code,
		site,
		`${site} answered ${reply.status} to ${request}${detail}`,
		{ status: reply.status },
	);
}

/** One login's HTTP: no redirects followed, cookies kept between requests, answers as plain text. */
class Session {
	readonly jar = new CookieJar();
	private readonly http: AxiosInstance;

	constructor(
		readonly site: string,
		private readonly timeoutMs: number,
	) {
		this.http = axios.create({
			timeout: timeoutMs,
			maxRedirects: 0,
			validateStatus: () => true,
			responseType: 'text',
			transformResponse: [(data: unknown) => data],
			transitional: { clarifyTimeoutError: true },
			headers: { 'User-Agent': 'HarmonyUserSync-connect', Accept: '*/*' },
		});
	}

	get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
		return this.send('GET', path, { headers });
	}

	async send(
		method: 'GET' | 'POST',
		path: string,
		init: { headers?: Record<string, string>; body?: string },
	): Promise<Reply> {
		const cookie = this.jar.header();
		const response = await this.http
			.request({
				method,
				url: `${this.site}${path}`,
				headers: { ...init.headers, ...(cookie && { Cookie: cookie }) },
				data: init.body,
			})
			// Axios errors carry the request config (the login form included): keep only the code.
			.then(
				(ok) => ok,
				(error: unknown) => {
					throw this.networkError(error);
				},
			);
		this.jar.store(response.headers['set-cookie']);
		const location = response.headers.location;
		return {
			status: response.status,
			body: typeof response.data === 'string' ? response.data : '',
			location: typeof location === 'string' ? location : undefined,
		};
	}

	private networkError(error: unknown): AppPasswordError {
		const code = String((error as { code?: unknown })?.code ?? 'no answer');
		const message =
			code === 'ETIMEDOUT' || code === 'ECONNABORTED'
				? `${this.site} did not answer within ${Math.round(this.timeoutMs / 1000)} s`
				: `${this.site} could not be reached (${code})`;
		return new AppPasswordError('unreachable', this.site, message, { wpCode: code });
	}
}

/** Just enough of a cookie jar for one site: name → value, expired cookies dropped, paths ignored. */
class CookieJar {
	private readonly cookies = new Map<string, string>();

	store(setCookie: string[] | string | undefined): void {
		for (const line of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
			const [pair, ...attributes] = line.split(';');
			const eq = pair.indexOf('=');
			if (eq <= 0) continue;
			const name = pair.slice(0, eq).trim();
			if (attributes.some(isExpiry)) this.cookies.delete(name);
			else this.cookies.set(name, pair.slice(eq + 1).trim());
		}
	}

	has(name: RegExp): boolean {
		return [...this.cookies.keys()].some((key) => name.test(key));
	}

	header(): string | undefined {
		if (this.cookies.size === 0) return undefined;
		return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
	}
}

function isExpiry(attribute: string): boolean {
	const [key, value = ''] = attribute.split('=').map((part) => part.trim());
	if (/^max-age$/i.test(key)) return Number(value) <= 0;
	if (/^expires$/i.test(key))
		return Date.parse(attribute.slice(attribute.indexOf('=') + 1)) < Date.now();
	return false;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function tryOrUndefined<T>(fn: () => T): T | undefined {
	try {
		return fn();
	} catch {
		return undefined;
	}
}

function clean(html: string): string {
	return html
		.replace(/<[^>]*>/g, '')
		.replace(/&nbsp;|&#160;/g, ' ')
		.replace(/&amp;/g, '&')
		.replace(/&quot;|&#0?34;/g, '"')
		.replace(/&#0?39;|&#8217;/g, '’')
		.replace(/\s+/g, ' ')
		.trim()
		.slice(0, 300);
}

function redact(text: string, secret: string): string {
	return secret ? text.split(secret).join('***') : text;
}
