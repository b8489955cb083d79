import {
	identityGroups,
	identityKeys,
	runInIdentityOrder,
	runInOrderPerKey,
} from '../../../core/sync/ordering';

interface Deferred {
	promise: Promise<void>;
	resolve: () => void;
	reject: (error: Error) => void;
}

function deferred(): Deferred {
	let resolve!: () => void;
	let reject!: (error: Error) => void;
	const promise = new Promise<void>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Item {
	name: string;
	key?: string;
}

describe('runInOrderPerKey', () => {
	it('runs same-key tasks strictly in order, even when the first is slower', async () => {
		const log: string[] = [];
		const gates: Record<string, Deferred> = { a1: deferred(), a2: deferred() };
		const items: Item[] = [
			{ name: 'a1', key: 'a' },
			{ name: 'a2', key: 'a' },
		];
		gates.a2.resolve();
		const done = runInOrderPerKey(
			items,
			(item) => item.key,
			async (item) => {
				log.push(`start ${item.name}`);
				await gates[item.name].promise;
				log.push(`end ${item.name}`);
				return item.name;
			},
		);
		await settle();
		expect(log).toEqual(['start a1']);
		gates.a1.resolve();
		await expect(done).resolves.toEqual(['a1', 'a2']);
		expect(log).toEqual(['start a1', 'end a1', 'start a2', 'end a2']);
	});

	it('overlaps tasks with different keys', async () => {
		const gate = deferred();
		let running = 0;
		let peak = 0;
		const items: Item[] = [
			{ name: 'a', key: 'a' },
			{ name: 'b', key: 'b' },
			{ name: 'c', key: 'c' },
		];
		const done = runInOrderPerKey(
			items,
			(item) => item.key,
			async (item) => {
				running += 1;
				peak = Math.max(peak, running);
				await gate.promise;
				running -= 1;
				return item.name;
			},
		);
		await settle();
		expect(running).toBe(3);
		gate.resolve();
		await expect(done).resolves.toEqual(['a', 'b', 'c']);
		expect(peak).toBe(3);
	});

	it('runs keyless tasks alongside everything', async () => {
		const gate = deferred();
		const started: string[] = [];
		const items: Item[] = [
			{ name: 'a1', key: 'a' },
			{ name: 'free1' },
			{ name: 'a2', key: 'a' },
			{ name: 'free2' },
		];
		const done = runInOrderPerKey(
			items,
			(item) => item.key,
			async (item) => {
				started.push(item.name);
				await gate.promise;
				return item.name;
			},
		);
		await settle();
		expect(started).toEqual(['a1', 'free1', 'free2']);
		gate.resolve();
		await expect(done).resolves.toEqual(['a1', 'free1', 'a2', 'free2']);
		expect(started).toEqual(['a1', 'free1', 'free2', 'a2']);
	});

	it('keeps results in input order and passes the index', async () => {
		const gates = [deferred(), deferred(), deferred()];
		const done = runInOrderPerKey(
			['x', 'y', 'z'],
			(item) => item,
			async (item, index) => {
				await gates[index].promise;
				return `${item}${index}`;
			},
		);
		gates[2].resolve();
		gates[0].resolve();
		gates[1].resolve();
		await expect(done).resolves.toEqual(['x0', 'y1', 'z2']);
	});

	it('still runs a same-key task after an earlier one failed, and rejects the whole', async () => {
		const ran = deferred();
		const items: Item[] = [
			{ name: 'a1', key: 'a' },
			{ name: 'a2', key: 'a' },
		];
		const done = runInOrderPerKey(
			items,
			(item) => item.key,
			async (item) => {
				if (item.name === 'a1') throw new Error('a1 failed');
				ran.resolve();
				return item.name;
			},
		);
		await expect(done).rejects.toThrow('a1 failed');
		await ran.promise;
	});

	it('returns [] for no items', async () => {
		await expect(
			runInOrderPerKey(
				[],
				() => 'k',
				async () => 1,
			),
		).resolves.toEqual([]);
	});
});

describe('identityKeys', () => {
	it.each([
		[
			{ user: { login: ' Alice ', email: 'A@x.test', previousEmail: 'old@x.test', syncId: 'S1' } },
			['sync:s1', 'login:alice', 'email:a@x.test', 'email:old@x.test'],
		],
		[{ login: 'BOB', email: 'bob@x.test' }, ['login:bob', 'email:bob@x.test']],
		[{ username: 'Carol' }, ['login:carol']],
	])('keys %p', (item, keys) => {
		expect(identityKeys(item)).toEqual(keys);
	});

	it.each([null, undefined, 'alice', 5, {}, { user: {} }, { login: 7 }])(
		'has no key for %p',
		(item) => {
			expect(identityKeys(item)).toEqual([]);
		},
	);
});

describe('identityGroups', () => {
	it('groups items whose identities overlap, even through a third (the email swap)', () => {
		const x1 = { user: { login: 'x', email: 'tmp@t', previousEmail: 'e1@t' } };
		const y = { user: { login: 'y', email: 'e1@t', previousEmail: 'e2@t' } };
		const x2 = { user: { login: 'x', email: 'e2@t', previousEmail: 'tmp@t' } };
		const z = { user: { login: 'z', email: 'z@t' } };
		const groups = identityGroups([x1, y, x2, z, {}]);
		expect(groups[0]).toBe(groups[1]);
		expect(groups[1]).toBe(groups[2]);
		expect(groups[3]).not.toBe(groups[0]);
		expect(groups[4]).toBeUndefined();
	});

	it('a shared sync id joins a renamed login', () => {
		const groups = identityGroups([
			{ user: { login: 'a', email: 'a@t', syncId: 's' } },
			{ user: { login: 'b', email: 'b@t', syncId: 's' } },
		]);
		expect(groups[0]).toBe(groups[1]);
	});

	it('runs one group in input order', async () => {
		const log: string[] = [];
		const items = [
			{ name: 'slow', user: { login: 'x', email: 'e1@t' } },
			{ name: 'fast', user: { login: 'y', email: 'e2@t', previousEmail: 'e1@t' } },
		];
		await runInIdentityOrder(items, async (item) => {
			if (item.name === 'slow') await new Promise((resolve) => setTimeout(resolve, 20));
			log.push(item.name);
		});
		expect(log).toEqual(['slow', 'fast']);
	});
});
