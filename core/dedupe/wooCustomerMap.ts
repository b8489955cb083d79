/**
 * What the trigger remembers of a WooCommerce shop, per workflow node (`scope`), in the dedupe store's database
 * (SQLite for one n8n, Postgres in queue mode: every process sees the same rows, and every write is one atomic
 * statement). Per customer: who it is (so a `{"id":N}` delete can name the user), and the fingerprint of the last
 * change accepted (so a repeated delivery starts nothing while every distinct change does).
 */
export interface WooCustomerRecord {
	customerId: number;
	login: string;
	email: string;
	syncId?: string;
	role?: string;
	/** customerFingerprint() of what was accepted; '' for a delete. */
	fingerprint: string;
	/** The customer's modification time at the shop (ISO), when WooCommerce gave one. */
	modified?: string;
	/** How the last accepted change arrived. */
	topic: 'created' | 'updated' | 'deleted';
}

/** fresh: accepted and recorded (start an execution). duplicate: this very change was already accepted. stale: older than one accepted. */
export type ClaimOutcome = 'fresh' | 'duplicate' | 'stale';

export interface DeleteOutcome {
	outcome: 'fresh' | 'duplicate';
	/** Who the customer was, when the trigger had seen it. */
	known?: WooCustomerRecord;
}

export interface WooCustomerMap {
	/**
	 * Accepts a created/updated change unless it repeats the last one accepted for that customer (same
	 * fingerprint; a `created` after an `updated` of the same content still passes: it may create the user), or is
	 * older than it (modification time), or the customer was deleted. Atomic across processes.
	 */
	claimCustomer(scope: string, record: WooCustomerRecord, nowMs?: number): Promise<ClaimOutcome>;
	/** Marks the customer deleted (a tombstone); returns who it was. A second delete of the same id is a duplicate. */
	claimDelete(scope: string, customerId: number, nowMs?: number): Promise<DeleteOutcome>;
	/** Every customer remembered for this scope, tombstones included (the catch-up's baseline). */
	customers(scope: string): Promise<WooCustomerRecord[]>;
	/** Records customers without claiming anything (the first catch-up's baseline). */
	remember(scope: string, records: WooCustomerRecord[], nowMs?: number): Promise<void>;
	/** Per-scope flags and values (catch-up due, baseline taken). */
	getState(scope: string, name: string): Promise<string | undefined>;
	setState(scope: string, name: string, value: string, nowMs?: number): Promise<void>;
	/**
	 * Takes a lease on `name` if its value is `from` (or its lease, older than `leaseMs`, expired): sets it to
	 * `running` and returns true. Exactly one process wins.
	 */
	takeState(
		scope: string,
		name: string,
		from: string,
		leaseMs: number,
		nowMs?: number,
	): Promise<boolean>;
	/** Deletes `name` if it still holds `value` (a lease that was not re-marked meanwhile). */
	clearState(scope: string, name: string, value: string): Promise<void>;
	/** Forgets tombstones older than `olderThanMs` (live customers are kept: they name future deletes). */
	pruneWoo(olderThanMs: number): Promise<number>;
}

/** A fingerprint/modification comparison both stores run in SQL; here for reference and unit tests. */
export function claimDecision(
	previous: WooCustomerRecord | undefined,
	next: WooCustomerRecord,
): ClaimOutcome {
	if (!previous) return 'fresh';
	if (previous.topic === 'deleted') return 'stale';
	if (previous.modified && next.modified && next.modified < previous.modified) return 'stale';
	if (
		previous.fingerprint === next.fingerprint &&
		!(next.topic === 'created' && previous.topic === 'updated')
	)
		return 'duplicate';
	return 'fresh';
}
