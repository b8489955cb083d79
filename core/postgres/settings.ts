import { Pool } from 'pg';
/** Connection settings of the Postgres store (the node maps its credential onto these). */
export interface PostgresSettings {
	host: string;
	port: number;
	database: string;
	user: string;
	password?: string;
	ssl?: boolean;
	allowUnauthorizedCerts?: boolean;
	/** Schema of the log tables; default public. */
	schema?: string;
	/** Prefix of the log tables' names; default `harmonyuser_`. */
	tablePrefix?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/** Quoted table names. Schema and prefix end up in SQL text, so only plain identifiers are accepted. */
export function postgresNames(settings: PostgresSettings) {
	const schema = settings.schema?.trim() || 'public';
	const prefix = settings.tablePrefix?.trim() ?? 'harmonyuser_';
	if (!IDENTIFIER.test(schema))
		throw new Error(`The schema "${schema}" is not a plain identifier (letters, digits, _)`);
	if (prefix !== '' && !IDENTIFIER.test(prefix)) {
		throw new Error(`The table prefix "${prefix}" is not a plain identifier (letters, digits, _)`);
	}
	return {
		schema,
		log: `"${schema}"."${prefix}sync_log"`,
		meta: `"${schema}"."${prefix}sync_log_meta"`,
		indexPrefix: `${prefix}sync_log_`,
	};
}

/**
 * A small pool for one store. An idle connection dropped by the server must not crash n8n: it is reported to
 * `onIdleError` and the pool replaces it on the next query. Idle pools let the process exit.
 */
export function createPool(settings: PostgresSettings, onIdleError: (error: Error) => void): Pool {
	const pool = new Pool({
		host: settings.host,
		port: settings.port,
		database: settings.database,
		user: settings.user,
		password: settings.password,
		ssl: settings.ssl ? { rejectUnauthorized: !settings.allowUnauthorizedCerts } : false,
		max: 4,
		connectionTimeoutMillis: 10000,
		allowExitOnIdle: true,
	});
	pool.on('error', onIdleError);
	return pool;
}
