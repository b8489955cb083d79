/** 100,000 users in workflow static data: the packed snapshot's size and cost, with realistic logins and emails. */
import { createHash } from 'node:crypto';
import { packSnapshot, snapshotOf, unpackSnapshot } from '../../../core/polling/snapshot';
import type { WpUser } from '../../../core/schemas/wpUser';

const FIRST = ['anna', 'ben', 'carla', 'david', 'emma', 'felix', 'greta', 'hugo', 'ida', 'jonas', 'lena', 'max', 'nora', 'oskar', 'paula'];
const LAST = ['mueller', 'schmidt', 'schneider', 'fischer', 'weber', 'meyer', 'wagner', 'becker', 'schulz', 'hoffmann'];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'web.de', 'gmx.net', 'icloud.com', 'example.org'];

/** Deterministic pseudo-random pick, so the measured size is stable. */
function pick<T>(list: T[], seed: string): T {
	return list[createHash('md5').update(seed).digest().readUInt32BE(0) % list.length];
}

function user(i: number): WpUser {
	const first = pick(FIRST, `f${i}`);
	const last = pick(LAST, `l${i}`);
	const login = `${first}.${last}${i % 997}`;
	return {
		id: i + Math.floor(i / 50), // gaps, as deleted users leave
		username: login,
		email: `${first}${pick(['.', '_', ''], `s${i}`)}${last}${i}@${pick(DOMAINS, `d${i}`)}`,
		name: `${first} ${last}`, first_name: first, last_name: last, nickname: login,
		url: '', description: '', locale: '', roles: ['subscriber'], meta: {},
	};
}

test('100,000 users fit in about 2.5 MB of static data and pack/unpack in well under a second each', () => {
	const users = Array.from({ length: 100_000 }, (_, i) => user(i + 1));
	const snapshot = snapshotOf(users);
	const started = Date.now();
	const packed = packSnapshot(snapshot);
	const packMs = Date.now() - started;
	const unpackStarted = Date.now();
	const back = unpackSnapshot(packed);
	const unpackMs = Date.now() - unpackStarted;
	const json = JSON.stringify({ version: 1, site: 'https://a.example.test', users: packed, userCount: snapshot.size });
	process.stdout.write(`100,000 users: static data ${json.length} bytes (${(json.length / 100_000).toFixed(1)} B/user), pack ${packMs} ms, unpack ${unpackMs} ms\n`);
	expect(back).toEqual(snapshot);
	expect(json.length).toBeLessThan(2.5 * 1024 * 1024);
	expect(packMs).toBeLessThan(3000);
	expect(unpackMs).toBeLessThan(3000);
});
