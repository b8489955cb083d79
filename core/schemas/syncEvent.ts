import { z } from 'zod';
import { describeZodError } from './validationMessage';
import { syncUserSchema } from './syncUser';
import { tryNormalizeSiteUrl } from '../sites';
import { VERSION_PATTERN } from '../versions/version';

export const SYNC_ACTIONS = ['create', 'update', 'delete'] as const;
/** What happened at the source, as triggers name it (the action says what to do with it). */
export const SYNC_EVENT_TYPES = [
	'user.created',
	'user.updated',
	'user.deleted',
	'user.password_changed',
] as const;
export type SyncAction = (typeof SYNC_ACTIONS)[number];

const siteUrl = z
	.string()
	.refine((value) => tryNormalizeSiteUrl(value) !== undefined, 'not an http(s) URL')
	.transform((value) => tryNormalizeSiteUrl(value) as string);

/**
 * A change to one user on one site, as triggers emit it and the User Sync node applies it.
 * `path` lists the sites the change has already passed through (the source first): a site in it is never
 * written again by this change, which is what stops rings.
 */
export const syncEventSchema = z
	.object({
		id: z.string().trim().min(1, 'the event id is empty').max(200),
		action: z.enum(SYNC_ACTIONS, {
			errorMap: () => ({ message: `must be one of ${SYNC_ACTIONS.join(', ')}` }),
		}),
		event: z.enum(SYNC_EVENT_TYPES).optional(),
		time: z.string().datetime({ offset: true, message: 'not an ISO 8601 date-time' }),
		source: z
			.object({
				url: siteUrl.optional(),
				ip: z.string().ip('not an IP address').optional(),
			})
			.strip(),
		path: z.array(siteUrl).max(100).default([]),
		user: syncUserSchema,
		/** The change's version (core/versions): newer wins on every site. Absent for unversioned sources. */
		version: z.string().regex(VERSION_PATTERN, 'not a HarmonyUser version').optional(),
		/** What the source left out of this event, and why (a value over its size cap, a hash it may not send). */
		omitted: z
			.array(z.object({ field: z.string().max(200), reason: z.string().max(100) }).strip())
			.max(100)
			.optional(),
		/** Set by the Sync Log's replay: the log entry this event retries. */
		replayOf: z.string().trim().min(1).max(200).optional(),
	})
	.strip();

export type SyncEvent = z.infer<typeof syncEventSchema>;

/** The event as it may appear in outputs and logs: without the password hash. */
export function withoutSecrets(event: SyncEvent): SyncEvent {
	if (event.user.passwordHash === undefined) return event;
	const user = { ...event.user };
	delete user.passwordHash;
	return { ...event, user };
}
export type SyncEventInput = z.input<typeof syncEventSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseSyncEvent(input: unknown): ParseResult<SyncEvent> {
	const result = syncEventSchema.safeParse(input);
	if (result.success) return { ok: true, value: withSourceInPath(result.data) };
	return { ok: false, error: describeZodError(result.error, 'sync event') };
}

/** The source is where the path starts, even when a sender left it out. */
function withSourceInPath(event: SyncEvent): SyncEvent {
	const source = event.source.url;
	if (!source || event.path.includes(source)) return event;
	return { ...event, path: [source, ...event.path] };
}
