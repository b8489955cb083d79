/**
 * Remembers which webhook deliveries were already accepted, so a replayed or retried delivery starts nothing.
 * `claim` is one atomic insert-if-absent: across processes sharing the store, exactly one claim of an id wins.
 */
export interface DedupeStore {
	/**
	 * True when this call claimed the id (first sighting, or the last sighting is older than the retention);
	 * false when it was already seen. `scope` keeps workflows/nodes apart: each may receive the same event.
	 */
	claim(scope: string, id: string, retentionMs: number, nowMs?: number): Promise<boolean>;
	/** Forgets ids seen before `olderThanMs`; returns how many. */
	prune(olderThanMs: number): Promise<number>;
	close(): Promise<void>;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Ids are capped: a 200-character event id plus its kind prefix fits. */
export const MAX_ID_LENGTH = 255;

/** Claims every key; the delivery is new only when none was seen. All keys are recorded either way. */
export async function claimAll(
	store: DedupeStore,
	scope: string,
	ids: string[],
	retentionMs: number,
	nowMs = Date.now(),
): Promise<boolean> {
	let fresh = true;
	for (const id of ids) {
		if (!(await store.claim(scope, id.slice(0, MAX_ID_LENGTH), retentionMs, nowMs))) fresh = false;
	}
	return fresh;
}
