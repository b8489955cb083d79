/**
 * Realistic, deterministic WordPress users (varied first/last names, logins, emails and domains, id gaps) for sizing
 * the poll trigger's packed snapshot: lab-seeded users (`seed1@example.test`…) compress far better than real ones.
 */
import { createHash } from 'node:crypto';
import type { WpUser } from '../../core/schemas/wpUser';

const FIRST = [
	'anna',
	'ben',
	'carla',
	'david',
	'emma',
	'felix',
	'greta',
	'hugo',
	'ida',
	'jonas',
	'lena',
	'max',
	'nora',
	'oskar',
	'paula',
];
const LAST = [
	'mueller',
	'schmidt',
	'schneider',
	'fischer',
	'weber',
	'meyer',
	'wagner',
	'becker',
	'schulz',
	'hoffmann',
];
const DOMAINS = [
	'gmail.com',
	'yahoo.com',
	'outlook.com',
	'web.de',
	'gmx.net',
	'icloud.com',
	'example.org',
];

/** Deterministic pseudo-random pick, so the measured size is stable. */
function pick<T>(list: T[], seed: string): T {
	return list[createHash('md5').update(seed).digest().readUInt32BE(0) % list.length];
}

/** The i-th user (i from 1). */
export function realisticUser(i: number): WpUser {
	const first = pick(FIRST, `f${i}`);
	const last = pick(LAST, `l${i}`);
	const login = `${first}.${last}${i % 997}`;
	return {
		id: i + Math.floor(i / 50), // gaps, as deleted users leave
		username: login,
		email: `${first}${pick(['.', '_', ''], `s${i}`)}${last}${i}@${pick(DOMAINS, `d${i}`)}`,
		name: `${first} ${last}`,
		first_name: first,
		last_name: last,
		nickname: login,
		url: '',
		description: '',
		locale: '',
		roles: ['subscriber'],
		meta: {},
	};
}

export const realisticUsers = (count: number): WpUser[] =>
	Array.from({ length: count }, (_, i) => realisticUser(i + 1));
