import type { IWebhookFunctions } from 'n8n-workflow';
import { PostgresDedupeStore } from '../../../core/dedupe/postgresDedupe';
import { defaultDedupePath, SqliteDedupeStore } from '../../../core/dedupe/sqliteDedupe';
import { DAY_MS, type DedupeStore } from '../../../core/dedupe/types';
import type { PostgresSettings } from '../../../core/postgres/settings';
import { POSTGRES_CREDENTIAL, postgresSettings } from '../../shared/postgresCredential';
const PRUNE_EVERY_MS = 60 * 60 * 1000;

// One store per database for the life of the process: a webhook call must not pay for a new connection pool.
const stores = new Map<string, { store: DedupeStore; prunedAt: number }>();
// Which store a Postgres credential means, read again at most once a minute (an edited credential is picked up
// within that): outside an execution n8n resolves a credential in a fresh isolate, tens of ms of CPU per delivery.
const RECHECK_CREDENTIAL_MS = 60_000;
const postgresCredentials = new Map<string, { settings: PostgresSettings; readAt: number }>();

type StoreKey = [key: string, open: () => DedupeStore];

async function postgresStore(ctx: IWebhookFunctions): Promise<StoreKey> {
	const credentialId = ctx.getNode().credentials?.[POSTGRES_CREDENTIAL]?.id ?? '';
	let known = postgresCredentials.get(credentialId);
	if (!known || Date.now() - known.readAt >= RECHECK_CREDENTIAL_MS) {
		known = { settings: postgresSettings(await ctx.getCredentials(POSTGRES_CREDENTIAL)), readAt: Date.now() };
		postgresCredentials.set(credentialId, known);
	}
	const { settings } = known;
	return [`pg:${JSON.stringify(settings)}`, () => new PostgresDedupeStore(settings)];
}

function sqliteStore(file: string): StoreKey {
	return [`sqlite:${file}`, () => new SqliteDedupeStore(file)];
}

/** The node's dedupe store (cached), pruned of expired ids at most hourly per process. */
export async function dedupeStore(ctx: IWebhookFunctions): Promise<{ store: DedupeStore; retentionMs: number }> {
	const options = ctx.getNodeParameter('options', {}) as { databasePath?: string; retentionDays?: number };
	const retentionMs = Math.max(1, Number(options.retentionDays ?? 7)) * DAY_MS;
	const [key, open] =
		ctx.getNodeParameter('dedupeStore', 'sqlite') === 'postgres'
			? await postgresStore(ctx)
			: sqliteStore(String(options.databasePath ?? '').trim() || defaultDedupePath());
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
