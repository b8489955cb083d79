import type { SyncEvent } from '../schemas/syncEvent';

/** Statuses of the log: a sync result's, plus 'resolved' (failed, then replayed with success) and 'unknown'. */
export type LogStatus =
	| 'synced'
	| 'skipped'
	| 'rejected'
	| 'failed'
	| 'planned'
	| 'resolved'
	| 'unknown';

/** One row to write: everything a dashboard filters on, plus the (scrubbed) event for replay. */
export interface NewLogEntry {
	status: LogStatus;
	action: string | null;
	requestedAction: string | null;
	reason: string | null;
	message: string | null;
	errorMessage: string | null;
	source: string | null;
	target: string | null;
	login: string | null;
	email: string | null;
	sourceUserId: number | null;
	targetUserId: number | null;
	eventId: string | null;
	path: string[];
	requests: number;
	durationMs: number;
	/** The stored event: what Replay Failed emits again. */
	event: SyncEvent | null;
	/** Everything else worth keeping (changes, error details, or the raw unknown item). */
	meta: Record<string, unknown>;
	/** The entry this result retries (the event's `replayOf`). */
	replayOf: string | null;
}

export interface LogEntry extends NewLogEntry {
	id: string;
	/** When the entry was written (ISO 8601). */
	time: string;
	replayedAt: string | null;
	replayedBy: string | null;
}

export interface LogFilter {
	status?: string[];
	action?: string[];
	source?: string;
	target?: string;
	/** Either end of the sync: source or target. */
	site?: string;
	/** A login or an email. */
	user?: string;
	eventId?: string;
	since?: Date;
	until?: Date;
}

export interface Page {
	limit: number;
	offset?: number;
	/** From a previous page's `nextCursor`: continues after its last entry (takes precedence over offset). */
	cursor?: string;
}

export interface QueryResult {
	entries: LogEntry[];
	nextCursor: string | null;
}

export interface LogStats {
	since: string;
	total: number;
	byStatus: Record<string, number>;
	byTarget: Record<string, Record<string, number>>;
	bySource: Record<string, Record<string, number>>;
}

export interface ReplayOptions {
	limit: number;
	/** Also emit entries an earlier replay already emitted. */
	includeReplayed?: boolean;
}

/** A durable sync log. Every method is safe with several processes using the same database at once. */
export interface SyncLogStore {
	/** Writes a batch in one transaction; links retries to the entries they replay. Returns the new ids. */
	write(entries: NewLogEntry[], now?: Date): Promise<string[]>;
	query(filter: LogFilter, page: Page): Promise<QueryResult>;
	/** Deletes entries older than the retention; returns how many. */
	prune(retentionDays: number, now?: Date): Promise<number>;
	/** Prunes unless any process did within `intervalMs` (the last time is kept in the database). */
	pruneIfDue(retentionDays: number, intervalMs: number, now?: Date): Promise<number | null>;
	/** Failed entries with an event, marked replayed atomically so two replays never emit the same entry. */
	claimFailed(filter: LogFilter, options: ReplayOptions, now?: Date): Promise<LogEntry[]>;
	stats(since: Date): Promise<LogStats>;
	close(): Promise<void>;
}
