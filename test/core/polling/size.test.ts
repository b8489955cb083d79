/** 100,000 users in workflow static data: the packed snapshot's size and cost, with realistic logins and emails. */
import { packSnapshot, snapshotOf, unpackSnapshot } from '../../../core/polling/snapshot';
import { realisticUsers } from '../../../lab/harness/realisticUsers';

test('100,000 users fit in about 2.5 MB of static data and pack/unpack in well under a second each', () => {
	const users = realisticUsers(100_000);
	const snapshot = snapshotOf(users);
	const started = Date.now();
	const packed = packSnapshot(snapshot);
	const packMs = Date.now() - started;
	const unpackStarted = Date.now();
	const back = unpackSnapshot(packed);
	const unpackMs = Date.now() - unpackStarted;
	const json = JSON.stringify({
		version: 1,
		site: 'https://a.example.test',
		users: packed,
		userCount: snapshot.size,
	});
	process.stdout.write(
		`100,000 users: static data ${json.length} bytes (${(json.length / 100_000).toFixed(1)} B/user), pack ${packMs} ms, unpack ${unpackMs} ms\n`,
	);
	expect(back).toEqual(snapshot);
	expect(json.length).toBeLessThan(2.5 * 1024 * 1024);
	expect(packMs).toBeLessThan(3000);
	expect(unpackMs).toBeLessThan(3000);
});
