import type { SyncEvent } from '../schemas/syncEvent';
import type { SyncResult } from '../sync/result';
import type { LogStatus, NewLogEntry } from './types';

/** Keys whose values are never stored: passwords, hashes, application passwords, tokens, API keys. */
export const SECRET_KEY = /pass|hash|secret|token|api[_-]?key|authorization/i;

/**
 * Secrets that hide inside text whatever their key: HTTP credentials (Basic/Bearer), cookies and WordPress's
 * session cookies, nonces, WordPress application passwords and password hashes (phpass, bcrypt as WordPress
 * 6.8 and PHP write it, argon2). Each is replaced by `[redacted]`, the text around it kept.
 */
const SECRET_TEXT: Array<[RegExp, string | ((match: string) => string)]> = [
	[/\b(Basic|Bearer|Digest)\s+[A-Za-z0-9+/=._~-]{8,}/gi, '$1 [redacted]'],
	[/\b((?:Set-)?Cookie:)[^\r\n]*/gi, '$1 [redacted]'],
	[
		/\b(wordpress_(?:logged_in_|sec_|test_)?[0-9a-f]{32}|wp[-_]settings[-_][\w-]*|PHPSESSID)=[^;\s"']+/gi,
		'$1=[redacted]',
	],
	[
		/\b(_wpnonce|_ajax_nonce|X-WP-Nonce|nonce)(["']?\s*[:=]\s*["']?)[A-Za-z0-9]{10}\b/gi,
		'$1$2[redacted]',
	],
	[/\$(?:P|H)\$[./A-Za-z0-9]{31,}/g, '[redacted]'],
	[/\$wp\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/g, '[redacted]'],
	[/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/g, '[redacted]'],
	[/\$argon2(?:id|i|d)\$[^\s"']+/g, '[redacted]'],
	// An application password as WordPress shows it (6 groups of 4); words of a sentence have no inner capitals or digits.
	[
		/\b[A-Za-z0-9]{4}(?: [A-Za-z0-9]{4}){5}\b/g,
		(match) => ((match.match(/(?<=\S)[A-Z0-9]/g)?.length ?? 0) >= 2 ? '[redacted]' : match),
	],
];

/** Text with every secret-looking value replaced (the scheme or name before it is kept, for context). */
export function scrubText(text: string): string {
	let out = text;
	for (const [pattern, replacement] of SECRET_TEXT)
		out = out.replace(pattern, replacement as string);
	return out;
}

/** A deep copy without secret-looking keys, and with secret-looking text redacted, at any depth (arrays included). */
export function scrubSecrets<T>(value: T): T {
	if (typeof value === 'string') return scrubText(value) as T;
	if (Array.isArray(value)) return value.map((item) => scrubSecrets(item) as unknown) as T;
	if (value === null || typeof value !== 'object') return value;
	const out: Record<string, unknown> = {};
	for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
		if (SECRET_KEY.test(key)) continue;
		out[key] = scrubSecrets(inner);
	}
	return out as T;
}

const RESULT_STATUSES = ['synced', 'skipped', 'rejected', 'failed', 'planned'];

/** A User Sync result has at least these, with these types: anything else is not one. */
export function isSyncResult(json: unknown): json is SyncResult {
	if (json === null || typeof json !== 'object') return false;
	const item = json as Record<string, unknown>;
	return (
		RESULT_STATUSES.includes(item.status as string) &&
		typeof item.action === 'string' &&
		typeof item.reason === 'string' &&
		typeof item.target === 'string' &&
		Array.isArray(item.path)
	);
}

const text = (value: unknown): string | null =>
	typeof value === 'string' && value !== '' ? value : null;
const int = (value: unknown): number | null =>
	typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;

/** The log row for a sync result; secrets are scrubbed from everything stored. */
export function entryFromResult(result: SyncResult): NewLogEntry {
	const event = result.event ? (scrubSecrets(result.event) as SyncEvent) : null;
	return {
		status: result.status as LogStatus,
		action: result.action,
		requestedAction: text(result.requestedAction),
		reason: result.reason,
		message: text(result.message) && scrubText(result.message),
		errorMessage: text(result.error?.message) && scrubText(result.error?.message ?? ''),
		source: text(result.source),
		target: result.target,
		login: text(result.user?.login),
		email: text(result.user?.email)?.toLowerCase() ?? null,
		sourceUserId: int(result.user?.sourceId),
		targetUserId: int(result.user?.targetId),
		eventId: text(result.eventId) ?? text(event?.id),
		path: Array.isArray(result.path) ? result.path.filter((site) => typeof site === 'string') : [],
		requests: int(result.requests) ?? 0,
		durationMs: int(result.durationMs) ?? 0,
		event,
		meta: scrubSecrets({
			changes: result.changes ?? [],
			notSynced: result.notSynced ?? [],
			detail: result.detail,
			error: result.error,
			matchedBy: result.user?.matchedBy,
			targetName: text(result.targetName) ?? undefined,
			fanOut: Array.isArray(result.fanOut)
				? result.fanOut.filter((site) => typeof site === 'string')
				: undefined,
		}),
		replayOf: text(event?.replayOf),
	};
}

/** An item that is not a sync result, kept (scrubbed) for inspection with status 'unknown'. */
export function entryFromUnknown(json: unknown): NewLogEntry {
	return {
		status: 'unknown',
		action: null,
		requestedAction: null,
		reason: null,
		message: 'the item is not a sync result',
		errorMessage: null,
		source: null,
		target: null,
		login: null,
		email: null,
		sourceUserId: null,
		targetUserId: null,
		eventId: null,
		path: [],
		requests: 0,
		durationMs: 0,
		event: null,
		meta: { item: scrubSecrets(json) },
		replayOf: null,
	};
}
