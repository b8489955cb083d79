/** Malformed and fuzzed bodies for the trigger's security test: none is a valid sync event. */
import { randomBytes } from 'node:crypto';

export function validEvent(id: string, sourceUrl: string): Record<string, unknown> {
	return {
		id,
		event: 'user.updated',
		action: 'update',
		time: new Date().toISOString(),
		source: { url: sourceUrl },
		path: [sourceUrl],
		user: {
			login: 'fuzzy',
			email: 'fuzzy@example.test',
			roles: ['subscriber'],
			meta: {},
			sourceId: 9,
		},
	};
}

/** A deterministic PRNG, so a failing case can be reproduced. */
function rng(seed: number): () => number {
	let state = seed >>> 0;
	return () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function without(event: Record<string, unknown>, key: string): Record<string, unknown> {
	return Object.fromEntries(Object.entries(event).filter(([name]) => name !== key));
}

type Mutation = (event: Record<string, unknown>) => unknown;
const WRONG_TYPES: Mutation[] = [
	(e) => ({ ...e, id: 5 }),
	(e) => ({ ...e, id: '' }),
	(e) => ({ ...e, id: null }),
	(e) => ({ ...e, action: 'explode' }),
	(e) => ({ ...e, action: 1 }),
	(e) => ({ ...e, event: 'user.exploded' }),
	(e) => ({ ...e, time: 'yesterday' }),
	(e) => ({ ...e, time: 0 }),
	(e) => ({ ...e, source: 'x' }),
	(e) => ({ ...e, source: { url: 'ftp://x' } }),
	(e) => ({ ...e, source: { ip: 'not-an-ip' } }),
	(e) => ({ ...e, path: 'x' }),
	(e) => ({ ...e, path: [1] }),
	(e) => ({ ...e, user: [] }),
	(e) => ({ ...e, user: null }),
	(e) => ({ ...e, user: 'ada' }),
	(e) => ({ ...e, user: { ...(e.user as object), email: 'nope' } }),
	(e) => ({ ...e, user: { ...(e.user as object), login: '' } }),
	(e) => ({ ...e, user: { ...(e.user as object), login: 7 } }),
	(e) => ({ ...e, user: { ...(e.user as object), roles: 'admin' } }),
	(e) => ({ ...e, user: { ...(e.user as object), meta: { a: { nested: true } } } }),
	(e) => ({ ...e, user: { ...(e.user as object), sourceId: -1 } }),
	(e) => ({ ...e, user: { ...(e.user as object), flags: { prohibitPropagation: 'yes' } } }),
	(e) => without(e, 'user'),
	(e) => without(e, 'id'),
	(e) => without(e, 'time'),
];
const HUGE: Mutation[] = [
	(e) => ({ ...e, id: 'x'.repeat(201) }),
	(e) => ({ ...e, user: { ...(e.user as object), login: 'a'.repeat(61 + 5000) } }),
	(e) => ({ ...e, user: { ...(e.user as object), email: `${'a'.repeat(200)}@example.test` } }),
	(e) => ({ ...e, user: { ...(e.user as object), passwordHash: 'h'.repeat(513) } }),
	(e) => ({ ...e, path: Array.from({ length: 101 }, () => 'https://a.example') }),
	(e) => ({ ...e, user: { ...(e.user as object), url: `https://${'u'.repeat(200)}.example` } }),
];

/** At least `count` bodies across the categories, each a raw string or buffer. */
export function fuzzBodies(
	count: number,
	sourceUrl: string,
): Array<{ kind: string; body: Buffer }> {
	const next = rng(20260124);
	const out: Array<{ kind: string; body: Buffer }> = [];
	const push = (kind: string, body: string | Buffer) =>
		out.push({ kind, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });
	for (let i = 0; out.length < count; i++) {
		const event = validEvent(`fuzz-${i}`, sourceUrl);
		const text = JSON.stringify(event);
		switch (i % 5) {
			case 0:
				push('random bytes', randomBytes(1 + Math.floor(next() * 400)));
				break;
			case 1:
				push('truncated JSON', text.slice(0, Math.floor(next() * (text.length - 1))));
				break;
			case 2:
				push('wrong types', JSON.stringify(WRONG_TYPES[i % WRONG_TYPES.length](event)));
				break;
			case 3:
				push('huge strings', JSON.stringify(HUGE[i % HUGE.length](event)));
				break;
			default:
				push(
					'valid JSON, not the schema',
					JSON.stringify([null, 42, 'event', [event], { foo: next() }, {}, true][i % 7]),
				);
				break;
		}
	}
	return out;
}
