import { parseSyncEvent, type ParseResult, type SyncEvent } from '../schemas/syncEvent';

/** Parses a bridge delivery's raw body: JSON, then the sync event schema (the bridge sends events as-is). */
export function parseBridgeBody(rawBody: string): ParseResult<SyncEvent> {
	const json = parseJson(rawBody);
	if (!json.ok) return json;
	if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) {
		return { ok: false, error: 'The body must be a JSON object (a HarmonyUser sync event)' };
	}
	return parseSyncEvent(json.value);
}

export function parseJson(rawBody: string): ParseResult<unknown> {
	try {
		return { ok: true, value: JSON.parse(rawBody) as unknown };
	} catch {
		return { ok: false, error: 'The body is not valid JSON' };
	}
}
