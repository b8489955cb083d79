/**
 * An in-process fake of the WordPress users REST API, for unit tests of the sync core (applyEvent, executePlan,
 * executeInBatches, reconcile): a Node http server on 127.0.0.1, one per test file, answering as WordPress 6.1
 * does (../shared/notes/wordpress.md; the integration tests in test/nodes/HarmonyUserSync/ run the same core
 * against real WordPress). It counts every request per route, so tests can assert what an operation cost.
 *
 * What it serves:
 *   GET    /wp/v2/users             page, per_page (≤ 100), context, _fields, search, roles, orderby, order;
 *                                   X-WP-Total and X-WP-TotalPages
 *   POST   /wp/v2/users             201; 500 existing_user_login / existing_user_email; 400 rest_user_invalid_role,
 *                                   rest_missing_callback_param, rest_invalid_param (email, locale)
 *   GET    /wp/v2/users/<id>|me
 *   POST   /wp/v2/users/<id>        404 rest_user_invalid_id; 400 rest_user_invalid_email (another user's address),
 *                                   rest_user_invalid_argument (username), rest_user_invalid_role
 *   DELETE /wp/v2/users/<id>        force=true&reassign=N (501 rest_trash_not_supported, 400 missing reassign,
 *                                   400 rest_user_invalid_reassign)
 *   OPTIONS /wp/v2/users            the route index (allow_batch on WordPress 6.6+: `coreBatch`)
 *   POST   /batch/v1                207 { responses: [{ status, body, headers }] }, ≤ 25 requests; user routes only
 *                                   where allowed (bridge or `coreBatch`), else rest_batch_not_allowed per item
 *   /harmonyuser/v1/*               404 rest_no_route, unless `bridge` is set: then a minimal bridge plugin
 *                                   (info, users?sync_id=, users/resolve, its sync meta with the write-once rule,
 *                                   the password hash field). No versions, webhooks, guard or queue.
 * Anything else answers 404 rest_no_route (so no WooCommerce). Meta keys are written only when registered
 * (`registeredMeta`, or the bridge's); a registered single key reads '' when unset, as WordPress does.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyncEventInput } from '../../../core/schemas/syncEvent';
import type { SyncPolicyInput } from '../../../core/sync/config';
import { TargetSite } from '../../../core/sync/target';
import { WordPressClient } from '../../../core/wordpress/client';
import { policyConfig } from '../fixtures';

export interface FakeUser {
	id: number;
	username: string;
	email: string;
	/** display_name */
	name: string;
	first_name: string;
	last_name: string;
	nickname: string;
	url: string;
	description: string;
	/** The user's own locale: '' is "Site Default" (REST then answers the site's language). */
	locale: string;
	roles: string[];
	registered_date: string;
	meta: Record<string, string>;
	/** Plaintext as sent, or the hash the bridge set. Never answered. */
	password: string;
}

export interface FakeBridge {
	/** User writes allowed in /batch/v1 (the real bridge: true). */
	batch?: boolean;
	maxBatch?: number;
	features?: string[];
	/** The password hash formats the site verifies. */
	hashFormats?: string[];
}

export interface FakeOptions {
	/** The site's roles. */
	roles?: string[];
	/** Languages installed besides en_US. */
	languages?: string[];
	/** Meta keys registered for REST (show_in_rest, single string), besides the bridge's. */
	registeredMeta?: string[];
	/** The bridge plugin (a minimal one), or none. */
	bridge?: FakeBridge | false;
	/** WordPress 6.6+: core allows the users routes in /batch/v1. */
	coreBatch?: boolean;
}

/** What the expose-sync-meta fixture plugin registers (a site exposing sync ids without the bridge). */
export const SYNC_META = [
	'harmonyuser_sync_id',
	'harmonyuser_sync_linked',
	'harmonyuser_prohibit_propagation',
	'harmonyuser_reject_incoming',
];
const BRIDGE_META = [...SYNC_META, 'harmonyuser_last_changed'];
const BRIDGE_FLAGS = new Set([
	'harmonyuser_sync_linked',
	'harmonyuser_prohibit_propagation',
	'harmonyuser_reject_incoming',
]);
const DEFAULT_ROLES = ['administrator', 'editor', 'author', 'contributor', 'subscriber'];
const FEATURES = [
	'syncId',
	'syncLink',
	'rawLocale',
	'flags',
	'lookup',
	'resolve',
	'passwordHash',
	'path',
	'batch',
	'throwawayPassword',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HASH = /^(\$P\$|\$H\$|\$wp\$2[aby]\$|\$2[aby]\$|\$argon2(id|i)\$)[./A-Za-z0-9$=,+-]+$/;

/** One request the fake served; `route` names it without ids or query, e.g. "POST /wp/v2/users/:id". */
export interface LoggedRequest {
	route: string;
	method: string;
	/** The path under /wp-json, query string included. */
	path: string;
	query: Record<string, string>;
	body: any;
	/** The X-HarmonyUser-Path header (the propagation path a write carries). */
	pathHeader?: string;
}

interface Answer {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
}

interface Call {
	method: string;
	path: string;
	query: Record<string, string>;
	body: any;
	authed: boolean;
	pathHeader?: string;
}

interface Route {
	name: string;
	pattern: RegExp;
	handle: (call: Call, match: RegExpMatchArray) => Answer;
	/** Code and message WordPress answers (401) to a request without valid credentials. */
	forbidden?: [string, string];
	/** A users route /batch/v1 may carry, when allowed. */
	batchable?: boolean;
}

const wpError = (
	status: number,
	code: string,
	message: string,
	data: Record<string, unknown> = {},
): Answer => ({
	status,
	body: { code, message, data: { status, ...data } },
});

export class FakeWordPress {
	readonly admin = { username: 'admin', applicationPassword: 'abcd EFGH ijkl MNOP qrst UVWX' };
	/** Every request served, in order; a batch is one (its items are in `batches`). */
	readonly log: LoggedRequest[] = [];
	/** The sub-requests of each /batch/v1 request, in order. */
	readonly batches: LoggedRequest[][] = [];
	/** Each delete: the user deleted and who received their content. */
	readonly deletions: Array<{ id: number; reassign: number | null }> = [];
	private readonly server: http.Server;
	private readonly users = new Map<number, FakeUser>();
	private readonly routes: Route[];
	private nextId = 1;
	private base = '';
	readonly options: Required<Omit<FakeOptions, 'bridge'>> & { bridge: FakeBridge | false };

	constructor(options: FakeOptions = {}) {
		this.options = {
			roles: options.roles ?? DEFAULT_ROLES,
			languages: options.languages ?? [],
			registeredMeta: options.registeredMeta ?? [],
			bridge: options.bridge ?? false,
			coreBatch: options.coreBatch ?? false,
		};
		this.routes = this.buildRoutes();
		this.server = http.createServer((req, res) => void this.serve(req, res));
		this.addUser({ username: 'admin', email: 'admin@example.test', roles: ['administrator'] });
	}

	async start(): Promise<this> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	stop(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}

	/** The site's URL, as the sync core normalizes it. */
	get url(): string {
		return this.base;
	}

	/** A run's target: a client with the credential user (no retries, so costs are exact) and the node's rules. */
	target(policy: Partial<SyncPolicyInput> = {}, reassignTo = 0): TargetSite {
		const client = WordPressClient.create(
			{ url: this.url, ...this.admin },
			{ retry: { retries: 0 } },
		);
		return new TargetSite(client, policyConfig({ target: this.url, ...policy }), reassignTo);
	}

	// ---- arranging and inspecting state, without requests ----

	/** Adds a user as the site would have it (a subscriber by default). */
	addUser(fields: Partial<FakeUser> & { username: string }): FakeUser {
		const user = this.newUser({
			email: `${fields.username}@example.test`,
			roles: ['subscriber'],
			...fields,
		});
		if (fields.id) this.nextId = Math.max(this.nextId, fields.id + 1);
		this.users.set(user.id, user);
		return user;
	}

	/** `count` subscribers named prefix1…prefixN. */
	seed(count: number, prefix: string, fields: Partial<FakeUser> = {}): FakeUser[] {
		return Array.from({ length: count }, (_, i) =>
			this.addUser({ username: `${prefix}${i + 1}`, ...fields }),
		);
	}

	removeUser(id: number): void {
		this.users.delete(id);
	}

	user(login: string): FakeUser | undefined {
		return [...this.users.values()].find(
			(user) => user.username.toLowerCase() === login.toLowerCase(),
		);
	}

	allUsers(): FakeUser[] {
		return [...this.users.values()].sort((a, b) => a.id - b.id);
	}

	/** Forgets the requests served so far. */
	reset(): void {
		this.log.length = 0;
		this.batches.length = 0;
		this.deletions.length = 0;
	}

	/** Requests served on a route ("GET /wp/v2/users"), or all of them. */
	count(route?: string): number {
		return route ? this.log.filter((entry) => entry.route === route).length : this.log.length;
	}

	/** Requests that may change something (not GET or OPTIONS): a batch counts once. */
	writes(): LoggedRequest[] {
		return this.log.filter((entry) => entry.method !== 'GET' && entry.method !== 'OPTIONS');
	}

	/** "METHOD route" of every request, in order: a readable cost. */
	routesServed(): string[] {
		return this.log.map((entry) => entry.route);
	}

	// ---- HTTP ----

	private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		const url = new URL(req.url ?? '/', 'http://fake');
		const method = req.method ?? 'GET';
		const pathHeader = req.headers['x-harmonyuser-path'] as string | undefined;
		let body: any;
		let answer: Answer;
		try {
			body = text ? JSON.parse(text) : undefined;
			const call = {
				method,
				path: url.pathname.replace(/^\/wp-json/, ''),
				query: Object.fromEntries(url.searchParams),
				body,
				authed: this.authed(req),
				pathHeader,
			};
			answer = this.dispatch(call);
		} catch {
			answer = wpError(400, 'rest_invalid_json', 'Invalid JSON body passed.');
		}
		res.writeHead(answer.status, {
			'Content-Type': 'application/json; charset=UTF-8',
			...answer.headers,
		});
		res.end(JSON.stringify(answer.body));
	}

	private authed(req: http.IncomingMessage): boolean {
		const expected = `Basic ${Buffer.from(`${this.admin.username}:${this.admin.applicationPassword}`).toString('base64')}`;
		return req.headers.authorization === expected;
	}

	/** One request, logged under its route; batch items are logged in `batches` instead. */
	private dispatch(call: Call, batch?: LoggedRequest[]): Answer {
		const found = this.match(call.method, call.path);
		const search = new URLSearchParams(call.query).toString();
		const entry: LoggedRequest = {
			route: found ? `${call.method} ${found.route.name}` : `${call.method} ${call.path}`,
			method: call.method,
			path: call.path + (search ? `?${search}` : ''),
			query: call.query,
			body: call.body,
			pathHeader: call.pathHeader,
		};
		(batch ?? this.log).push(entry);
		if (!found)
			return wpError(
				404,
				'rest_no_route',
				'No route was found matching the URL and request method.',
			);
		if (batch && !(found.route.batchable && this.batchAllowed())) {
			return wpError(
				400,
				'rest_batch_not_allowed',
				'The requested route does not support batch requests.',
			);
		}
		if (!call.authed && found.route.forbidden) return wpError(401, ...found.route.forbidden);
		return found.route.handle(call, found.match);
	}

	private match(
		method: string,
		path: string,
	): { route: Route; match: RegExpMatchArray } | undefined {
		for (const route of this.routes) {
			const [verb] = route.name.split(' ');
			const m = path.replace(/\/+$/, '').match(route.pattern);
			if (m && verb === method)
				return { route: { ...route, name: route.name.slice(verb.length + 1) }, match: m };
		}
		return undefined;
	}

	private batchAllowed(): boolean {
		return (
			this.options.coreBatch ||
			(this.options.bridge !== false && this.options.bridge.batch !== false)
		);
	}

	private buildRoutes(): Route[] {
		const USERS = /^\/wp\/v2\/users$/;
		const USER = /^\/wp\/v2\/users\/(\d+)$/;
		const routes: Route[] = [
			{
				name: 'GET /wp/v2/users/me',
				pattern: /^\/wp\/v2\/users\/me$/,
				handle: (c) => this.one(c, 1),
				forbidden: ['rest_not_logged_in', 'You are not currently logged in.'],
			},
			{
				name: 'GET /wp/v2/users/:id',
				pattern: USER,
				handle: (c, m) => this.one(c, Number(m[1])),
				forbidden: ['rest_user_cannot_view', 'Sorry, you are not allowed to list users.'],
			},
			{
				name: 'GET /wp/v2/users',
				pattern: USERS,
				handle: (c) => this.list(c),
				forbidden: ['rest_forbidden_context', 'Sorry, you are not allowed to list users.'],
			},
			{
				name: 'POST /wp/v2/users',
				pattern: USERS,
				handle: (c) => this.create(c),
				forbidden: ['rest_cannot_create_user', 'Sorry, you are not allowed to create new users.'],
				batchable: true,
			},
			{
				name: 'POST /wp/v2/users/:id',
				pattern: USER,
				handle: (c, m) => this.update(c, Number(m[1])),
				forbidden: ['rest_cannot_edit', 'Sorry, you are not allowed to edit this user.'],
				batchable: true,
			},
			{
				name: 'DELETE /wp/v2/users/:id',
				pattern: USER,
				handle: (c, m) => this.remove(c, Number(m[1])),
				forbidden: ['rest_user_cannot_delete', 'Sorry, you are not allowed to delete this user.'],
				batchable: true,
			},
			{ name: 'OPTIONS /wp/v2/users', pattern: USERS, handle: () => this.routeIndex() },
			{ name: 'POST /batch/v1', pattern: /^\/batch\/v1$/, handle: (c) => this.batch(c) },
		];
		if (this.options.bridge === false) return routes;
		const forbidden: [string, string] = [
			'rest_forbidden',
			'Sorry, you are not allowed to do that.',
		];
		return [
			...routes,
			{
				name: 'GET /harmonyuser/v1/info',
				pattern: /^\/harmonyuser\/v1\/info$/,
				handle: () => this.info(),
				forbidden,
			},
			{
				name: 'GET /harmonyuser/v1/users/resolve',
				pattern: /^\/harmonyuser\/v1\/users\/resolve$/,
				handle: (c) => this.resolve(c),
				forbidden,
			},
			{
				name: 'GET /harmonyuser/v1/users',
				pattern: /^\/harmonyuser\/v1\/users$/,
				handle: (c) => this.bySyncId(c),
				forbidden,
			},
		];
	}

	// ---- core routes ----

	private one(call: Call, id: number): Answer {
		const user = this.users.get(id);
		if (!user) return wpError(404, 'rest_user_invalid_id', 'Invalid user ID.');
		return { status: 200, body: this.shape(user, call.query) };
	}

	private list(call: Call): Answer {
		const q = call.query;
		const perPage = q.per_page === undefined ? 10 : Number(q.per_page);
		const page = q.page === undefined ? 1 : Number(q.page);
		if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
			return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): per_page', {
				params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' },
			});
		}
		if (!Number.isInteger(page) || page < 1)
			return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): page');
		let users = this.allUsers();
		if (q.roles) {
			const wanted = q.roles.split(',').map((role) => role.trim());
			users = users.filter((user) => user.roles.some((role) => wanted.includes(role)));
		}
		if (q.search) users = users.filter(searchMatcher(q.search));
		const key = q.orderby ?? 'name';
		const value = (user: FakeUser): string | number =>
			key === 'id'
				? user.id
				: key === 'username'
					? user.username
					: key === 'email'
						? user.email
						: key === 'registered_date'
							? user.registered_date
							: user.name;
		const direction = q.order === 'desc' ? -1 : 1;
		users.sort((a, b) =>
			value(a) < value(b) ? -direction : value(a) > value(b) ? direction : a.id - b.id,
		);
		const total = users.length;
		const slice = users.slice((page - 1) * perPage, page * perPage);
		return {
			status: 200,
			body: slice.map((user) => this.shape(user, q)),
			headers: {
				'X-WP-Total': String(total),
				'X-WP-TotalPages': String(Math.ceil(total / perPage)),
			},
		};
	}

	private create(call: Call): Answer {
		const b = (call.body ?? {}) as Record<string, any>;
		const missing = ['username', 'email', 'password'].filter((key) => b[key] === undefined);
		if (missing.length)
			return wpError(
				400,
				'rest_missing_callback_param',
				`Missing parameter(s): ${missing.join(', ')}`,
				{ params: missing },
			);
		const invalid = this.invalidParams(b);
		if (invalid) return invalid;
		const badRole = this.missingRole(b.roles);
		if (badRole) return badRole;
		const refused = this.bridgeRefuses(undefined, b);
		if (refused) return refused;
		// wp_insert_user: the login first, then the email (as 500: WordPress's errors there carry no status).
		if (this.user(String(b.username)))
			return wpError(500, 'existing_user_login', 'Sorry, that username already exists!');
		if (this.byEmail(String(b.email)))
			return wpError(500, 'existing_user_email', 'Sorry, that email address is already used!');
		const hashRefused = this.hashRefused(b);
		if (hashRefused) return hashRefused;
		const first = String(b.first_name ?? '');
		const last = String(b.last_name ?? '');
		const user = this.newUser({
			username: String(b.username),
			email: String(b.email),
			password: String(b.password),
			name: b.name ?? (first && last ? `${first} ${last}` : first || last || String(b.username)),
			roles:
				Array.isArray(b.roles) && b.roles.length ? [...new Set<string>(b.roles)] : ['subscriber'],
		});
		this.users.set(user.id, user);
		if (this.options.bridge !== false) user.meta.harmonyuser_sync_id = randomUUID(); // assigned at user_register
		this.applyWrite(
			user,
			{ ...b, name: undefined, roles: undefined, username: undefined, password: undefined },
			true,
		);
		return {
			status: 201,
			body: this.shape(user, call.query),
			headers: { Location: `${this.url}/wp-json/wp/v2/users/${user.id}` },
		};
	}

	private update(call: Call, id: number): Answer {
		const b = (call.body ?? {}) as Record<string, any>;
		const invalid = this.invalidParams(b);
		if (invalid) return invalid;
		const user = this.users.get(id);
		if (!user) return wpError(404, 'rest_user_invalid_id', 'Invalid user ID.');
		const owner = typeof b.email === 'string' ? this.byEmail(b.email) : undefined;
		if (owner && owner.id !== id)
			return wpError(400, 'rest_user_invalid_email', 'Invalid email address.');
		if (b.username && b.username !== user.username)
			return wpError(400, 'rest_user_invalid_argument', "Username isn't editable.");
		const badRole = this.missingRole(b.roles);
		if (badRole) return badRole;
		const refused = this.bridgeRefuses(user, b);
		if (refused) return refused;
		const hashRefused = this.hashRefused(b);
		if (hashRefused) return hashRefused;
		this.applyWrite(user, b, false);
		return { status: 200, body: this.shape(user, call.query) };
	}

	private remove(call: Call, id: number): Answer {
		if (call.query.reassign === undefined)
			return wpError(400, 'rest_missing_callback_param', 'Missing parameter(s): reassign', {
				params: ['reassign'],
			});
		const user = this.users.get(id);
		if (!user) return wpError(404, 'rest_user_invalid_id', 'Invalid user ID.');
		if (!['true', '1'].includes(call.query.force ?? '')) {
			return wpError(
				501,
				'rest_trash_not_supported',
				"Users do not support trashing. Set 'force' to true to delete.",
			);
		}
		const reassign =
			call.query.reassign === 'false' ? null : Math.abs(parseInt(call.query.reassign, 10)) || null;
		if (reassign !== null && (reassign === id || !this.users.has(reassign))) {
			return wpError(400, 'rest_user_invalid_reassign', 'Invalid user ID for reassignment.');
		}
		const previous = this.shape(user, { context: 'edit' });
		this.users.delete(id);
		this.deletions.push({ id, reassign });
		return { status: 200, body: pick({ deleted: true, previous }, call.query._fields) };
	}

	private routeIndex(): Answer {
		const allow = this.batchAllowed() ? { allow_batch: { v1: true } } : {};
		return {
			status: 200,
			body: {
				namespace: 'wp/v2',
				methods: ['GET', 'POST'],
				endpoints: [
					{ methods: ['GET'], args: {}, ...allow },
					{ methods: ['POST'], args: {}, ...allow },
				],
			},
		};
	}

	/** /batch/v1 as serve_batch_request_v1: each item answered in order, 207 with their envelopes. */
	private batch(call: Call): Answer {
		const requests = (call.body ?? {}).requests;
		if (!Array.isArray(requests))
			return wpError(400, 'rest_missing_callback_param', 'Missing parameter(s): requests', {
				params: ['requests'],
			});
		if (requests.length > 25) {
			return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): requests', {
				params: { requests: 'requests must contain at most 25 items.' },
			});
		}
		const items: LoggedRequest[] = [];
		this.batches.push(items);
		const responses = requests.map(
			(request: { method?: string; path?: string; body?: unknown }) => {
				const url = new URL(String(request.path ?? ''), 'http://fake');
				const answer = this.dispatch(
					{
						method: request.method ?? 'POST',
						path: url.pathname,
						query: Object.fromEntries(url.searchParams),
						body: request.body,
						authed: call.authed,
						pathHeader: call.pathHeader,
					},
					items,
				);
				return { body: answer.body, status: answer.status, headers: answer.headers ?? {} };
			},
		);
		return { status: 207, body: { responses } };
	}

	// ---- the bridge ----

	private info(): Answer {
		const bridge = this.options.bridge as FakeBridge;
		return {
			status: 200,
			body: {
				version: '0.0.0-fake',
				batch: bridge.batch ?? true,
				maxBatch: bridge.maxBatch ?? 25,
				features: bridge.features ?? FEATURES,
				hashFormats: bridge.hashFormats ?? ['phpass', 'bcrypt'],
				url: this.url,
			},
		};
	}

	private resolve(call: Call): Answer {
		const q = call.query;
		const syncId = (q.sync_id ?? '').trim().toLowerCase();
		const email = (q.email ?? '').trim();
		const previous = (q.previous_email ?? '').trim();
		const login = (q.login ?? '').trim();
		const found: [FakeUser | undefined, string][] = [
			[UUID.test(syncId) ? this.bySyncIdValue(syncId) : undefined, 'syncId'],
			[email ? this.byEmail(email) : undefined, 'email'],
			[
				previous && previous.toLowerCase() !== email.toLowerCase()
					? this.byEmail(previous)
					: undefined,
				'previousEmail',
			],
			[login ? this.user(login) : undefined, 'login'],
		];
		const hit = found.find(([user]) => user);
		return {
			status: 200,
			body: {
				user: hit ? this.shape(hit[0] as FakeUser, { context: 'edit' }) : null,
				matchedBy: hit ? hit[1] : null,
				tombstone: null,
			},
		};
	}

	private bySyncId(call: Call): Answer {
		const id = (call.query.sync_id ?? '').trim().toLowerCase();
		if (!UUID.test(id))
			return wpError(400, 'harmonyuser_sync_id_invalid', 'sync_id must be a UUID.');
		const user = this.bySyncIdValue(id);
		return { status: 200, body: user ? [this.shape(user, { context: 'edit' })] : [] };
	}

	/** The bridge's rules for a write to the sync meta (harmonyuser_bridge_check_sync_write), as its clear errors. */
	private bridgeRefuses(user: FakeUser | undefined, body: Record<string, any>): Answer | undefined {
		const meta = body.meta;
		if (this.options.bridge === false || !meta || typeof meta !== 'object') return undefined;
		const hasId = 'harmonyuser_sync_id' in meta;
		const hasLink = 'harmonyuser_sync_linked' in meta;
		if (!hasId && !hasLink) return undefined;
		const next = hasId
			? String(meta.harmonyuser_sync_id ?? '')
					.trim()
					.toLowerCase()
			: undefined;
		const link = hasLink ? flag(meta.harmonyuser_sync_linked) : undefined;
		if (next && !UUID.test(next))
			return wpError(400, 'harmonyuser_sync_id_invalid', 'A sync id must be a UUID.');
		const current = user?.meta.harmonyuser_sync_id ?? '';
		const linked = user?.meta.harmonyuser_sync_linked === '1';
		if (link === '' && linked)
			return wpError(
				409,
				'harmonyuser_sync_linked_immutable',
				'This user is linked: its sync id cannot become provisional again.',
			);
		if (
			user &&
			next !== undefined &&
			current !== '' &&
			current !== next &&
			(next === '' || linked || link !== '1')
		) {
			return wpError(
				409,
				'harmonyuser_sync_id_immutable',
				'The sync id of this user is already set and cannot be changed.',
				{ syncId: current, linked },
			);
		}
		if (user && link === '1' && !next && current === '') {
			return wpError(
				400,
				'harmonyuser_sync_id_missing',
				'This user has no sync id to link: send meta.harmonyuser_sync_id with the linked flag.',
			);
		}
		const holder = next ? this.bySyncIdValue(next) : undefined;
		if (holder && holder.id !== user?.id)
			return wpError(409, 'harmonyuser_sync_id_taken', 'Another user already has this sync id.', {
				userId: holder.id,
			});
		return undefined;
	}

	/** The bridge's write-only password hash field: only formats the site verifies. Without the bridge, ignored. */
	private hashRefused(body: Record<string, any>): Answer | undefined {
		const hash = body.harmonyuser_password_hash;
		if (this.options.bridge === false || hash === undefined) return undefined;
		if (typeof hash !== 'string' || !HASH.test(hash))
			return wpError(
				400,
				'harmonyuser_invalid_hash',
				'hash must be a WordPress password hash (phpass or bcrypt).',
			);
		const format = /^\$[PH]\$/.test(hash)
			? 'phpass'
			: /^\$wp\$/.test(hash)
				? 'wp-bcrypt'
				: /^\$2/.test(hash)
					? 'bcrypt'
					: 'argon2';
		const formats = this.options.bridge.hashFormats ?? ['phpass', 'bcrypt'];
		if (!formats.includes(format)) {
			return wpError(
				400,
				'harmonyuser_hash_unsupported',
				`This site cannot verify ${format} password hashes (it verifies ${formats.join(', ')}): the password was not changed.`,
				{ format, hashFormats: formats },
			);
		}
		return undefined;
	}

	// ---- users ----

	private newUser(fields: Partial<FakeUser> & { username: string }): FakeUser {
		const id = fields.id ?? this.nextId++;
		return {
			id,
			email: `${fields.username}@example.test`,
			name: fields.username,
			first_name: '',
			last_name: '',
			nickname: fields.username,
			url: '',
			description: '',
			locale: '',
			roles: ['subscriber'],
			registered_date: new Date(Date.UTC(2024, 0, 1, 0, 0, id))
				.toISOString()
				.replace(/\.\d{3}Z$/, '+00:00'),
			password: 'x',
			...fields,
			meta: { ...fields.meta },
		};
	}

	/** Profile fields, roles (replacing all), registered meta, the bridge's hash. */
	private applyWrite(user: FakeUser, body: Record<string, any>, creating: boolean): void {
		for (const field of [
			'email',
			'name',
			'first_name',
			'last_name',
			'nickname',
			'url',
			'description',
			'locale',
			'password',
		] as const) {
			if (typeof body[field] === 'string') user[field] = body[field];
		}
		if (Array.isArray(body.roles) && body.roles.length)
			user.roles = [...new Set<string>(body.roles)];
		if (typeof body.harmonyuser_password_hash === 'string' && this.options.bridge !== false)
			user.password = body.harmonyuser_password_hash;
		const registered = this.registeredMeta();
		for (const [key, value] of Object.entries((body.meta ?? {}) as Record<string, unknown>)) {
			if (!registered.includes(key)) continue; // WordPress ignores keys it has not registered
			let text = value === null || value === undefined ? '' : String(value);
			if (this.options.bridge !== false && BRIDGE_FLAGS.has(key)) text = flag(value);
			if (this.options.bridge !== false && key === 'harmonyuser_sync_id') {
				text = text.trim().toLowerCase();
				if (!UUID.test(text)) continue;
			}
			if (
				this.options.bridge !== false &&
				key === 'harmonyuser_sync_linked' &&
				text !== '1' &&
				user.meta[key] === '1'
			)
				continue;
			user.meta[key] = text;
		}
		if (creating && this.options.bridge !== false) user.meta.harmonyuser_sync_linked ??= '';
	}

	private registeredMeta(): string[] {
		return [
			...new Set([
				...this.options.registeredMeta,
				...(this.options.bridge === false ? [] : BRIDGE_META),
			]),
		];
	}

	/** The user as REST answers it: context edit or view, registered meta, then `_fields`. */
	private shape(user: FakeUser, query: Record<string, string>): Record<string, unknown> {
		const registered = this.registeredMeta();
		const meta = registered.length
			? Object.fromEntries(registered.map((key) => [key, user.meta[key] ?? '']))
			: [];
		const view: Record<string, unknown> = {
			id: user.id,
			name: user.name,
			url: user.url,
			description: user.description,
			link: `${this.url}/author/${user.username}/`,
			slug: user.username.toLowerCase(),
			avatar_urls: {},
			meta,
		};
		const edit: Record<string, unknown> =
			query.context === 'edit'
				? {
						id: user.id,
						username: user.username,
						name: user.name,
						first_name: user.first_name,
						last_name: user.last_name,
						email: user.email,
						url: user.url,
						description: user.description,
						link: view.link,
						locale: user.locale || 'en_US',
						nickname: user.nickname,
						slug: view.slug,
						roles: user.roles,
						registered_date: user.registered_date,
						capabilities: Object.fromEntries(user.roles.map((role) => [role, true])),
						extra_capabilities: Object.fromEntries(user.roles.map((role) => [role, true])),
						avatar_urls: {},
						meta,
						...(this.options.bridge === false ? {} : { harmonyuser_locale: user.locale }),
					}
				: view;
		return pick(
			{ ...edit, _links: { self: [{ href: `${this.url}/wp-json/wp/v2/users/${user.id}` }] } },
			query._fields,
		);
	}

	/** Schema validation before the callback: the email's format and the locale (installed languages only). */
	private invalidParams(body: Record<string, any>): Answer | undefined {
		if (body.email !== undefined && !(typeof body.email === 'string' && EMAIL.test(body.email))) {
			return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): email', {
				params: { email: 'Invalid email address.' },
			});
		}
		const locales = ['', 'en_US', ...this.options.languages];
		if (body.locale !== undefined && !locales.includes(body.locale)) {
			return wpError(400, 'rest_invalid_param', 'Invalid parameter(s): locale', {
				params: { locale: `locale is not one of ${locales.join(', ')}.` },
			});
		}
		return undefined;
	}

	private missingRole(roles: unknown): Answer | undefined {
		if (!Array.isArray(roles)) return undefined;
		const missing = roles.find((role) => !this.options.roles.includes(role));
		return missing === undefined
			? undefined
			: wpError(400, 'rest_user_invalid_role', `The role ${missing} does not exist.`);
	}

	private byEmail(email: string): FakeUser | undefined {
		return this.allUsers().find((user) => user.email.toLowerCase() === email.trim().toLowerCase());
	}

	private bySyncIdValue(syncId: string): FakeUser | undefined {
		return this.allUsers().find((user) => user.meta.harmonyuser_sync_id === syncId);
	}
}

/** WP_User_Query's search ("*term*"): a term with @ searches the email only; digits the login and id; else several columns. */
function searchMatcher(term: string): (user: FakeUser) => boolean {
	const wanted = term.replace(/^\*|\*$/g, '').toLowerCase();
	const has = (value: string | number) => String(value).toLowerCase().includes(wanted);
	if (wanted.includes('@')) return (user) => has(user.email);
	if (/^\d+$/.test(wanted)) return (user) => has(user.username) || String(user.id) === wanted;
	if (/^https?:\/\//.test(wanted)) return (user) => has(user.url);
	return (user) =>
		has(user.username) ||
		has(user.url) ||
		has(user.email) ||
		has(user.username.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')) ||
		has(user.name);
}

/** rest_filter_response_fields: only the top-level fields named (all when none are). */
function pick(data: Record<string, unknown>, fields: string | undefined): Record<string, unknown> {
	if (!fields) return data;
	const wanted = new Set(fields.split(',').map((field) => field.trim()));
	return Object.fromEntries(Object.entries(data).filter(([key]) => wanted.has(key)));
}

/** The bridge's switch values: '1' or ''. */
function flag(value: unknown): string {
	return value === true || value === 1 || value === '1' || value === 'true' ? '1' : '';
}

/** A sync event as a trigger would emit it (the raw input applyEvent and reconcile validate). */
export function userEvent(
	login: string,
	overrides: Partial<Omit<SyncEventInput, 'user'>> & {
		user?: Partial<SyncEventInput['user']>;
	} = {},
): SyncEventInput {
	const { user, ...rest } = overrides;
	return {
		id: randomUUID(),
		action: 'create',
		time: '2024-05-01T10:00:00Z',
		source: { url: 'https://source.example' },
		path: [],
		...rest,
		user: { login, email: `${login}@example.test`, roles: ['subscriber'], ...user },
	};
}
