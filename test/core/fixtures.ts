/** Builders for the pure sync-core tests: valid objects with sensible defaults, overridden per test. */
import type { z } from 'zod';
import { parseSyncEvent, type SyncEvent, type SyncEventInput } from '../../core/schemas/syncEvent';
import { syncUserSchema, type SyncUser } from '../../core/schemas/syncUser';
import { wpUserSchema, type WpUser } from '../../core/schemas/wpUser';
import {
	buildPolicyConfig,
	type SyncPolicyConfig,
	type SyncPolicyInput,
} from '../../core/sync/config';

export const SOURCE = 'https://source.example';
export const TARGET = 'https://target.example';

export type SyncUserInput = z.input<typeof syncUserSchema>;
export type WpUserInput = z.input<typeof wpUserSchema>;

export function syncUser(overrides: Partial<SyncUserInput> = {}): SyncUser {
	return syncUserSchema.parse({ login: 'alice', email: 'alice@example.com', ...overrides });
}

export function syncEvent(
	overrides: Partial<Omit<SyncEventInput, 'user'>> & { user?: Partial<SyncUserInput> } = {},
): SyncEvent {
	const { user, ...rest } = overrides;
	const parsed = parseSyncEvent({
		id: 'evt-1',
		action: 'update',
		time: '2024-05-01T10:00:00Z',
		source: { url: SOURCE },
		path: [],
		...rest,
		user: { login: 'alice', email: 'alice@example.com', ...user },
	});
	if (!parsed.ok) throw new Error(`fixture event is invalid: ${parsed.error}`);
	return parsed.value;
}

export function wpUser(overrides: Partial<WpUserInput> = {}): WpUser {
	return wpUserSchema.parse({ id: 7, username: 'alice', email: 'alice@example.com', ...overrides });
}

export function policyConfig(overrides: Partial<SyncPolicyInput> = {}): SyncPolicyConfig {
	return buildPolicyConfig({ target: TARGET, ...overrides });
}
