import { z } from 'zod';
import { VERSION_PATTERN } from '../versions/version';
import { wooUserDataSchema } from '../woocommerce/userData';

/** Meta keys the bridge plugin registers. They describe the user on one site and are never copied as-is. */
export const META_SYNC_ID = 'harmonyuser_sync_id';
export const META_PROHIBIT_PROPAGATION = 'harmonyuser_prohibit_propagation';
export const META_REJECT_INCOMING = 'harmonyuser_reject_incoming';
export const META_LAST_CHANGED = 'harmonyuser_last_changed';
/** '1' once a user's sync id came from (or was confirmed by) a sync; '' while the bridge's own id is provisional. */
export const META_SYNC_LINKED = 'harmonyuser_sync_linked';
const SITE_LOCAL_META = /^harmonyuser_/;

export const metaValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

// WordPress limits: user_login 60, user_email 100, user_url 100 characters.
export const syncUserSchema = z
	.object({
		login: z
			.string()
			.trim()
			.min(1, 'the login is empty')
			.max(60, 'a WordPress login has at most 60 characters'),
		email: z.string().trim().max(100).email('not a valid email address'),
		previousEmail: z.string().trim().email('not a valid email address').optional(),
		firstName: z.string().optional(),
		lastName: z.string().optional(),
		displayName: z.string().optional(),
		nickname: z.string().optional(),
		url: z.string().max(100).optional(),
		description: z.string().optional(),
		locale: z.string().max(20).optional(),
		roles: z.array(z.string().min(1)).default([]),
		meta: z.record(metaValueSchema).default({}),
		syncId: z.string().trim().min(1).max(64).optional(),
		/**
		 * The source's password hash (bridge plugin only), sealed with the network key (`hus1:…`) by current
		 * bridges. Applied through the target's bridge; never output.
		 */
		passwordHash: z.string().min(1).max(512).optional(),
		/** The format of a sealed hash (phpass, wp-bcrypt, bcrypt, argon2), so a target that cannot verify it is spared. */
		passwordHashFormat: z.string().max(20).optional(),
		sourceId: z.number().int().positive().optional(),
		/** The version of each field at the source (REST names, `meta.<key>`, `password`), from the bridge. */
		versions: z.record(z.string().regex(VERSION_PATTERN, 'not a HarmonyUser version')).optional(),
		flags: z
			.object({
				prohibitPropagation: z.boolean().default(false),
				rejectIncoming: z.boolean().default(false),
			})
			.default({}),
		/** WooCommerce data (billing, shipping, customer id) from the trigger's WooCommerce source: core/woocommerce. */
		woo: wooUserDataSchema.optional(),
	})
	.strip();

export type SyncUser = z.infer<typeof syncUserSchema>;

/** Meta that travels with a user: everything but the bridge's per-site keys. */
export function portableMeta(
	meta: Record<string, unknown>,
): Record<string, z.infer<typeof metaValueSchema>> {
	const out: Record<string, z.infer<typeof metaValueSchema>> = {};
	for (const [key, value] of Object.entries(meta)) {
		if (SITE_LOCAL_META.test(key)) continue;
		const parsed = metaValueSchema.safeParse(value);
		if (parsed.success) out[key] = parsed.data;
	}
	return out;
}

/** WordPress meta switches arrive as '1', 'yes', 'true', true or 1. */
export function isMetaOn(value: unknown): boolean {
	if (typeof value === 'boolean') return value;
	if (typeof value === 'number') return value !== 0;
	if (typeof value === 'string')
		return ['1', 'yes', 'true', 'on'].includes(value.trim().toLowerCase());
	return false;
}
