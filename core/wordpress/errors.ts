/**
 * What went wrong talking to a WordPress site, classified so callers can decide without parsing text.
 * Messages name the site, the request and WordPress's own code and message; never a credential.
 */
export type WordPressErrorKind =
	| 'auth' // 401: wrong username or application password
	| 'forbidden' // 403: the user lacks a capability
	| 'not_found' // 404 for an object
	| 'no_route' // 404 rest_no_route: the endpoint does not exist (plugin absent)
	| 'conflict' // duplicate email or login
	| 'invalid' // other 4xx: WordPress refused the request's data
	| 'unavailable' // 429 or 5xx after retries
	| 'timeout'
	| 'network' // no answer: refused, reset, DNS
	| 'bad_response'; // an answer that is not what the REST API returns

export interface WordPressErrorDetails {
	kind: WordPressErrorKind;
	site: string;
	method: string;
	path: string;
	status?: number;
	code?: string;
	wpMessage?: string;
}

export class WordPressApiError extends Error {
	readonly kind: WordPressErrorKind;
	readonly site: string;
	readonly method: string;
	readonly path: string;
	readonly status?: number;
	readonly code?: string;

	constructor(details: WordPressErrorDetails) {
		super(describe(details));
		this.name = 'WordPressApiError';
		this.kind = details.kind;
		this.site = details.site;
		this.method = details.method;
		this.path = details.path;
		this.status = details.status;
		this.code = details.code;
	}

	toJSON(): Record<string, unknown> {
		return { kind: this.kind, status: this.status, code: this.code, message: this.message };
	}
}

const HINTS: Partial<Record<WordPressErrorKind, string>> = {
	auth: 'check the username and application password',
	forbidden:
		'the credential user needs the administrator role (list_users, create_users, edit_users, delete_users)',
	no_route: 'the endpoint does not exist on this site',
	timeout: 'the site did not answer in time',
	network: 'the site could not be reached',
};

function describe(d: WordPressErrorDetails): string {
	const status = d.status ? ` answered ${d.status}` : ' failed';
	const code = d.code ? ` (${d.code})` : '';
	const wp = d.wpMessage ? `: ${stripTags(d.wpMessage)}` : '';
	const hint = HINTS[d.kind] ? ` — ${HINTS[d.kind]}` : '';
	return `WordPress ${d.site}${status} to ${d.method} ${d.path}${code}${wp}${hint}`;
}

function stripTags(text: string): string {
	return text.replace(/<[^>]*>/g, '').slice(0, 300);
}

// Create answers 500 existing_user_*; update answers 400 rest_user_invalid_email when another user owns the address.
const CONFLICT_CODES = new Set([
	'existing_user_email',
	'existing_user_login',
	'rest_user_invalid_email',
]);

/** For `.catch()`: a missing endpoint (the plugin is absent) becomes null; any other error stays an error. */
export function noRouteAsNull(error: unknown): null {
	if (error instanceof WordPressApiError && error.kind === 'no_route') return null;
	throw error;
}

/** Maps an HTTP status and WordPress error code to a kind. Duplicate users arrive as HTTP 500 on create. */
export function classifyStatus(status: number, code?: string): WordPressErrorKind {
	if (code && CONFLICT_CODES.has(code)) return 'conflict';
	if (status === 401) return 'auth';
	if (status === 403) return 'forbidden';
	if (status === 404) return code === 'rest_no_route' ? 'no_route' : 'not_found';
	if (status === 409) return 'conflict';
	if (status === 429 || status >= 500) return 'unavailable';
	return 'invalid';
}
