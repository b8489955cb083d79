/** Types for lab/lab.js (the real-WordPress test lab). */
export interface LabAccount {
	username: string;
	password: string;
	/** 24 characters, no spaces; use as the Basic-auth password. */
	appPassword: string;
	id: number;
}
export interface Site {
	name: string; // 'site1'
	index: number; // 0-based
	url: string; // 'http://127.0.0.1:8681' (no trailing slash)
	port: number;
	db: string; // 'hus_p8681': named by port, so labs on other port bases stay apart
	dir: string; // the site's lab dir (logs, pid)
	contentDir: string; // its WP_CONTENT_DIR
	admin: LabAccount; // id 1, administrator
	editor: LabAccount; // role editor (not an admin)
	/** The WordPress release it runs: '6.1.9' (Debian bookworm, /usr/share/wordpress) or '6.8.7' (trixie's, in the cache). */
	wpVersion: string;
	/** That release's root (ABSPATH). */
	wpRoot: string;
	/** 'php': PHP's built-in server (php -S); 'fpm': nginx in front of a PHP-FPM pool, as production sites run. */
	server: 'php' | 'fpm';
	pid: number; // php -S master, or nginx's master under 'fpm' (process group leader)
	fpmPid?: number; // the PHP-FPM master under 'fpm'
	serverLog: string; // php -S's log, or nginx's error log
	fpmLog?: string; // PHP-FPM's log under 'fpm'
	errorLog: string; // WordPress/PHP error log
}
export interface SeedOptions {
	prefix?: string; // default 'seed'
	role?: string; // default 'subscriber'
	/** user meta for every user; "{i}" in string values is replaced by the user's number */
	meta?: Record<string, unknown>;
	start?: number; // first number, default 1 (logins prefix1..prefixN)
	password?: string; // default SEED_PASSWORD
}
/** WordPress releases: one for every site or one per site ('6.1', '6.8', '6.8.7', or a list '6.1,6.8'). */
export type WpSpec = string | string[];
export interface UpOptions {
	count?: number;
	portBase?: number;
	/** default HUS_LAB_WP, else each site's recorded release, else 6.1; a site whose release changes is reinstalled */
	wp?: WpSpec;
	/** 'php' or 'fpm', for every site or one per site; default HUS_LAB_SERVER, else as recorded, else 'php' */
	server?: string | Array<'php' | 'fpm'>;
}
export function up(opts?: UpOptions): Promise<Site[]>;
export function down(opts?: { purge?: boolean }): Promise<void>;
export function sites(): Site[];
export function site(i: number): Site;
export function resetSite(site: Site): Promise<void>;
/** Resolves the new users' IDs, in order. */
export function seedUsers(site: Site, n: number, opts?: SeedOptions): Promise<number[]>;
/** Seeds users by SQL (no hooks run), for size benchmarks: 100,000 in seconds. Options as seedUsers, but meta. */
export function seedUsersBySql(
	site: Site,
	n: number,
	opts?: Omit<SeedOptions, 'meta'>,
): Promise<void>;
/** Copies a PHP file into the site's mu-plugins dir (sync); returns the destination path. */
export function installMuPlugin(site: Site, sourceFile: string, name?: string): string;
export function removeMuPlugin(site: Site, name: string): void;
/** Symlinks a plugin dir (or single .php file) as plugins/<slug> and activates it (activation hooks run). */
export function installPlugin(site: Site, source: string, slug?: string): Promise<void>;
/** Deactivates the plugin and removes it from the site's plugins dir. */
export function deactivatePlugin(site: Site, slug: string): Promise<void>;
/** PHP code (no `<?php` needed) run with WordPress loaded for the site; resolves stdout. */
export function wpEval(site: Site, phpCode: string): Promise<string>;
/** SQL on the site's database; tab-separated rows without a header line unless { headers: true }. */
export function sql(site: Site, query: string, opts?: { headers?: boolean }): Promise<string>;
export function labDir(): string;
export const ADMIN_PASSWORD: string;
export const EDITOR_PASSWORD: string;
export const SEED_PASSWORD: string;
export class LabError extends Error {}
