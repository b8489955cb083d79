import { tryNormalizeSiteUrl } from '../sites';
import type { LogEntry, LogFilter, LogStats, NewLogEntry } from './types';

/** Column order of an insert; both stores bind values in this order. */
export const INSERT_COLUMNS = [
	'id',
	'logged_at',
	'status',
	'action',
	'requested_action',
	'reason',
	'message',
	'error_message',
	'source',
	'target',
	'login',
	'email',
	'source_user_id',
	'target_user_id',
	'event_id',
	'path',
	'requests',
	'duration_ms',
	'event',
	'meta',
	'replay_of',
] as const;
export type SqlValue = string | number | null;

export function insertValues(id: string, loggedAt: number, entry: NewLogEntry): SqlValue[] {
	return [
		id,
		loggedAt,
		entry.status,
		entry.action,
		entry.requestedAction,
		entry.reason,
		entry.message,
		entry.errorMessage,
		entry.source,
		entry.target,
		entry.login,
		entry.email,
		entry.sourceUserId,
		entry.targetUserId,
		entry.eventId,
		JSON.stringify(entry.path),
		entry.requests,
		entry.durationMs,
		entry.event ? JSON.stringify(entry.event) : null,
		JSON.stringify(entry.meta),
		entry.replayOf,
	];
}

/** Tables and indexes; `serial` and `int` differ between SQLite and Postgres, the rest is shared. */
export function schemaStatements(
	log: string,
	meta: string,
	indexPrefix: string,
	dialect: { serial: string; int: string },
): string[] {
	const { serial, int } = dialect;
	const index = (name: string, columns: string) =>
		`CREATE INDEX IF NOT EXISTS ${indexPrefix}${name} ON ${log} (${columns})`;
	return [
		`CREATE TABLE IF NOT EXISTS ${log} (seq ${serial}, id TEXT NOT NULL UNIQUE, logged_at ${int} NOT NULL,
			status TEXT NOT NULL, action TEXT, requested_action TEXT, reason TEXT, message TEXT, error_message TEXT,
			source TEXT, target TEXT, login TEXT, email TEXT, source_user_id ${int}, target_user_id ${int}, event_id TEXT,
			path TEXT NOT NULL, requests ${int} NOT NULL, duration_ms ${int} NOT NULL, event TEXT, meta TEXT,
			replay_of TEXT, replayed_at ${int}, replayed_by TEXT)`,
		`CREATE TABLE IF NOT EXISTS ${meta} (key TEXT PRIMARY KEY, value ${int} NOT NULL)`,
		index('time', 'logged_at, seq'),
		index('status_time', 'status, logged_at'),
		index('target_time', 'target, logged_at'),
		index('source_time', 'source, logged_at'),
		index('login', 'login'),
		index('email', 'email'),
		index('event_id', 'event_id'),
		index('replay_of', 'replay_of'),
	];
}

/** WHERE conditions for a filter; `bind` adds a parameter and returns its placeholder (? or $n). */
export function whereClause(filter: LogFilter, bind: (value: SqlValue) => string): string {
	const conditions: string[] = [];
	const list = (column: string, values?: string[]) => {
		if (values?.length)
			conditions.push(`${column} IN (${values.map((value) => bind(value)).join(', ')})`);
	};
	list('status', filter.status);
	list('action', filter.action);
	const site = (value: string) => tryNormalizeSiteUrl(value) ?? value;
	if (filter.source) conditions.push(`source = ${bind(site(filter.source))}`);
	if (filter.target) conditions.push(`target = ${bind(site(filter.target))}`);
	if (filter.site)
		conditions.push(`(source = ${bind(site(filter.site))} OR target = ${bind(site(filter.site))})`);
	if (filter.user)
		conditions.push(
			`(login = ${bind(filter.user.trim())} OR email = ${bind(filter.user.trim().toLowerCase())})`,
		);
	if (filter.eventId) conditions.push(`event_id = ${bind(filter.eventId)}`);
	if (filter.since) conditions.push(`logged_at >= ${bind(filter.since.getTime())}`);
	if (filter.until) conditions.push(`logged_at <= ${bind(filter.until.getTime())}`);
	return conditions.length ? conditions.join(' AND ') : 'TRUE';
}

/** A page cursor names the last entry seen: newest-first paging continues strictly after it. */
export function cursorCondition(cursor: string, bind: (value: SqlValue) => string): string {
	const [loggedAt, seq] = decodeCursor(cursor);
	return `(logged_at < ${bind(loggedAt)} OR (logged_at = ${bind(loggedAt)} AND seq < ${bind(seq)}))`;
}
export const encodeCursor = (row: Row) =>
	Buffer.from(`${Number(row.logged_at)}.${Number(row.seq)}`).toString('base64url');
function decodeCursor(cursor: string): [number, number] {
	const match = /^(\d{1,15})\.(\d{1,15})$/.exec(
		Buffer.from(cursor, 'base64url').toString('latin1'),
	);
	if (!match) throw new Error(`The cursor "${cursor}" is not one this log returned`);
	return [Number(match[1]), Number(match[2])];
}

export type Row = Record<string, unknown>;
const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const str = (value: unknown) => (value === null || value === undefined ? null : String(value));
const json = <T>(value: unknown, fallback: T): T =>
	typeof value === 'string' ? (JSON.parse(value) as T) : fallback;
const iso = (value: unknown) =>
	value === null || value === undefined ? null : new Date(Number(value)).toISOString();

/** A stored row as the node outputs it (Postgres returns BIGINT as strings: everything goes through Number). */
export function rowToEntry(row: Row): LogEntry {
	return {
		id: String(row.id),
		time: iso(row.logged_at) as string,
		status: String(row.status) as LogEntry['status'],
		action: str(row.action),
		requestedAction: str(row.requested_action),
		reason: str(row.reason),
		message: str(row.message),
		errorMessage: str(row.error_message),
		source: str(row.source),
		target: str(row.target),
		login: str(row.login),
		email: str(row.email),
		sourceUserId: num(row.source_user_id),
		targetUserId: num(row.target_user_id),
		eventId: str(row.event_id),
		path: json(row.path, []),
		requests: Number(row.requests),
		durationMs: Number(row.duration_ms),
		event: json(row.event, null),
		meta: json(row.meta, {}),
		replayOf: str(row.replay_of),
		replayedAt: iso(row.replayed_at),
		replayedBy: str(row.replayed_by),
	};
}

/** Folds `status, target, source, n` groups into the stats shape. */
export function foldStats(since: Date, groups: Row[]): LogStats {
	const stats: LogStats = {
		since: since.toISOString(),
		total: 0,
		byStatus: {},
		byTarget: {},
		bySource: {},
	};
	const add = (bucket: Record<string, number>, key: string, n: number) =>
		(bucket[key] = (bucket[key] ?? 0) + n);
	for (const group of groups) {
		const n = Number(group.n);
		const status = String(group.status);
		stats.total += n;
		add(stats.byStatus, status, n);
		add((stats.byTarget[str(group.target) ?? '(none)'] ??= {}), status, n);
		add((stats.bySource[str(group.source) ?? '(none)'] ??= {}), status, n);
	}
	return stats;
}

/** Statuses of a retry that settle the entry it replays. */
const RESOLVING_STATUSES = ['synced', 'skipped'];

/** Links a retry to the entry it replays: that entry learns its retry, and a successful retry resolves it. */
export function linkReplayStatement(
	log: string,
	bind: (value: SqlValue) => string,
	retryId: string,
	retry: NewLogEntry,
	now: number,
): string {
	const status = RESOLVING_STATUSES.includes(retry.status)
		? `CASE WHEN status = 'failed' THEN 'resolved' ELSE status END`
		: 'status';
	return `UPDATE ${log} SET replayed_by = ${bind(retryId)}, replayed_at = COALESCE(replayed_at, ${bind(now)}), status = ${status}
		WHERE id = ${bind(retry.replayOf)}`;
}
export const DAY_MS = 24 * 60 * 60 * 1000;
