import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { WpUser } from '../schemas/wpUser';
import { fingerprintUser } from './fingerprint';

/** What a poll remembers of one user: enough to detect a change and to describe a delete or an email change. */
export interface KnownUser {
	fingerprint: string;
	login: string;
	email: string;
}

export type Snapshot = Map<number, KnownUser>;

export function knownUser(user: WpUser): KnownUser {
	return { fingerprint: fingerprintUser(user), login: user.username, email: user.email };
}

export function snapshotOf(users: WpUser[]): Snapshot {
	return new Map(users.map((user) => [user.id, knownUser(user)]));
}

/**
 * Packs a snapshot into one compact string for workflow static data: one line per user sorted by id, the id as a
 * base-36 delta from the previous one (mostly "1"), then fingerprint, login and email, tab-separated; the whole
 * text raw-deflated (logins, emails and domains repeat a lot) and base64-encoded (static data is JSON).
 * Logins and emails cannot contain tabs or newlines in WordPress.
 */
export function packSnapshot(snapshot: Snapshot): string {
	const ids = [...snapshot.keys()].sort((a, b) => a - b);
	let previous = 0;
	const lines = ids.map((id) => {
		const user = snapshot.get(id) as KnownUser;
		const line = `${(id - previous).toString(36)}\t${user.fingerprint}\t${user.login}\t${user.email}`;
		previous = id;
		return line;
	});
	return deflateRawSync(Buffer.from(lines.join('\n'), 'utf8'), { level: 9 }).toString('base64');
}

export function unpackSnapshot(packed: string): Snapshot {
	const snapshot: Snapshot = new Map();
	if (packed === '') return snapshot;
	const text = inflateRawSync(Buffer.from(packed, 'base64')).toString('utf8');
	let id = 0;
	for (const line of text.split('\n')) {
		if (line === '') continue;
		const [delta, fingerprint, login, email] = line.split('\t');
		id += parseInt(delta, 36);
		snapshot.set(id, { fingerprint, login, email });
	}
	return snapshot;
}
