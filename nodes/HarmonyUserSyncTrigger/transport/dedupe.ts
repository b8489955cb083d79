import type { IWebhookFunctions } from 'n8n-workflow';
import { PostgresDedupeStore } from '../../../core/dedupe/postgresDedupe';
import { defaultDedupePath, SqliteDedupeStore } from '../../../core/dedupe/sqliteDedupe';
import { DAY_MS, type DedupeStore } from '../../../core/dedupe/types';
import { postgresSettings } from '../../HarmonyUserSyncLog/transport/store';

const POSTGRES_CREDENTIAL = 'harmonyUserSyncPostgres';
const PRUNE_EVERY_MS = 60 * 60 * 1000;

// One store per database for the life of the process: a webhook call must not pay for a new connection pool.
const stores = new Map<string, { store: DedupeStore; prunedAt: number }>();

/** The node's dedupe store (cached), pruned of expired ids at most hourly per process. */
export async function dedupeStore(ctx: IWebhookFunctions): Promise<{ store: DedupeStore; retentionMs: number }> {
	const options = ctx.getNodeParameter('options', {}) as { databasePath?: string; retentionDays?: number };
	const retentionMs = Math.max(1, Number(options.retentionDays ?? 7)) * DAY_MS;
	let key: string;
	let open: () => DedupeStore;
	if (ctx.getNodeParameter('dedupeStore', 'sqlite') === 'postgres') {
		const settings = postgresSettings(await ctx.getCredentials(POSTGRES_CREDENTIAL));
		key = `pg:${JSON.stringify(settings)}`;
		open = () => new PostgresDedupeStore(settings);
	} else {
		const file = String(options.databasePath ?? '').trim() || defaultDedupePath();
		key = `sqlite:${file}`;
		open = () => new SqliteDedupeStore(file);
	}
	let entry = stores.get(key);
	if (!entry) {
		entry = { store: open(), prunedAt: 0 };
		stores.set(key, entry);
	}
	if (Date.now() - entry.prunedAt > PRUNE_EVERY_MS) {
		entry.prunedAt = Date.now();
		await entry.store.prune(Date.now() - retentionMs);
	}
	return { store: entry.store, retentionMs };
}
