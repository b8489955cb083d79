import { randomUUID } from 'node:crypto';
import type { SyncAction, SyncEventInput } from '../schemas/syncEvent';
import { parseWpUser, PROFILE_FIELDS, toUserRecord } from '../schemas/wpUser';

/**
 * Turns what a manual sync receives into a sync event: an event passes through untouched; a user record (from
 * Get Users, a form, or the WordPress REST shape with `username`) becomes an event of the given action whose
 * source is the record's site, or `sourceUrl` when it names none.
 */
export function toEventInput(item: unknown, action: SyncAction, sourceUrl?: string): unknown {
	if (!isObject(item)) return item;
	if ('user' in item && 'action' in item) return item;
	const record = 'username' in item && !('login' in item) ? fromRestShape(item) : item;
	const site =
		typeof record.site === 'string' && record.site ? record.site : sourceUrl || undefined;
	const event: SyncEventInput = {
		id: randomUUID(),
		action,
		time: new Date().toISOString(),
		source: { url: site },
		path: [],
		user: record as SyncEventInput['user'],
	};
	return event;
}

// The schema fills absent REST fields with '', which would clear them on the target: only fields sent are kept.
function fromRestShape(item: Record<string, unknown>): Record<string, unknown> {
	const parsed = parseWpUser(item);
	if (!parsed.ok) return item;
	const record: Record<string, unknown> = {
		...toUserRecord(String(item.site ?? ''), parsed.value),
	};
	for (const [restField, field] of PROFILE_FIELDS) if (!(restField in item)) delete record[field];
	return record;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
