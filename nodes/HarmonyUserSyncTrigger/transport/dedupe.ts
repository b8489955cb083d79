import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { PostgresDedupeStore } from '../../../core/dedupe/postgresDedupe';
import { PostgresWooCustomers } from '../../../core/dedupe/postgresWooCustomers';
import { defaultDedupePath, SqliteDedupeStore } from '../../../core/dedupe/sqliteDedupe';
import { SqliteWooCustomers } from '../../../core/dedupe/sqliteWooCustomers';
import { DAY_MS, type DedupeStore } from '../../../core/dedupe/types';
import type { WooCustomerMap } from '../../../core/dedupe/wooCustomerMap';
import { createPool, postgresNames, type PostgresSettings } from '../../../core/postgres/settings';
import { POSTGRES_CREDENTIAL, postgresSettings } from '../../shared/postgresCredential';
const PRUNE_EVERY_MS = 60 * 60 * 1000;

// One store per database for the life of the process: a webhook call must not pay for a new connection pool.
// The WooCommerce customer map lives in the same database (its own tables), opened lazily.
const stores = new Map<
	string,
	{ store: DedupeStore; woo?: WooCustomerMap; openWoo: () => WooCustomerMap; prunedAt: number }
>();
// Which store a Postgres credential means, read again at most once a minute (an edited credential is picked up
// within that): outside an execution n8n resolves a credential in a fresh isolate, tens of ms of CPU per delivery.
const RECHECK_CREDENTIAL_MS = 60_000;
const postgresCredentials = new Map<string, { settings: PostgresSettings; readAt: number }>();

type Context = IHookFunctions | IWebhookFunctions;
type StoreKey = [key: string, open: () => DedupeStore, openWoo: () => WooCustomerMap];

async function postgresStore(ctx: Context): Promise<StoreKey> {
	const credentialId = ctx.getNode().credentials?.[POSTGRES_CREDENTIAL]?.id ?? '';
	let known = postgresCredentials.get(credentialId);
	if (!known || Date.now() - known.readAt >= RECHECK_CREDENTIAL_MS) {
		known = {
			settings: postgresSettings(await ctx.getCredentials(POSTGRES_CREDENTIAL)),
			readAt: Date.now(),
		};
		postgresCredentials.set(credentialId, known);
	}
	const { settings } = known;
	const openWoo = () => {
		const pool = createPool(settings, () => undefined); // an idle connection's error: the pool replaces it
		return new PostgresWooCustomers(pool, {
			schema: postgresNames(settings).schema,
			prefix: settings.tablePrefix?.trim() ?? 'harmonyuser_',
		});
	};
	return [`pg:${JSON.stringify(settings)}`, () => new PostgresDedupeStore(settings), openWoo];
}

function sqliteStore(file: string): StoreKey {
	return [`sqlite:${file}`, () => new SqliteDedupeStore(file), () => new SqliteWooCustomers(file)];
}

async function entryFor(ctx: Context) {
	const options = ctx.getNodeParameter('options', {}) as {
		databasePath?: string;
		retentionDays?: number;
	};
	const retentionMs = Math.max(1, Number(options.retentionDays ?? 7)) * DAY_MS;
	const [key, open, openWoo] =
		ctx.getNodeParameter('dedupeStore', 'sqlite') === 'postgres'
			? await postgresStore(ctx)
			: sqliteStore(String(options.databasePath ?? '').trim() || defaultDedupePath());
	let entry = stores.get(key);
	if (!entry) {
		entry = { store: open(), openWoo, prunedAt: 0 };
		stores.set(key, entry);
	}
	return { entry, retentionMs };
}

/** The node's dedupe store (cached), pruned of expired ids at most hourly per process. */
export async function dedupeStore(
	ctx: Context,
): Promise<{ store: DedupeStore; retentionMs: number }> {
	const { entry, retentionMs } = await entryFor(ctx);
	if (Date.now() - entry.prunedAt > PRUNE_EVERY_MS) {
		entry.prunedAt = Date.now();
		await entry.store.prune(Date.now() - retentionMs);
	}
	return { store: entry.store, retentionMs };
}

/**
 * The WooCommerce customer map in the dedupe store's database (cached). Its tombstones are pruned with the
 * dedupe ids; live customers are kept, since they name the user of a later delete.
 */
export async function wooCustomerMap(ctx: Context): Promise<WooCustomerMap> {
	const { entry, retentionMs } = await entryFor(ctx);
	if (!entry.woo) {
		entry.woo = entry.openWoo();
		await entry.woo.pruneWoo(Date.now() - retentionMs);
	}
	return entry.woo;
}

/** The scope a node's rows are kept under: each workflow's trigger has its own. */
export function nodeScope(ctx: Context): string {
	return `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().id}`;
}
