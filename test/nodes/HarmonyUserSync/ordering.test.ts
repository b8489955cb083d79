/** Items of one execution whose identities overlap are applied in input order (the node in n8n's engine, real site B). */
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { runSync, uniqueLogin, userEvent } from '../../../lab/harness/sync';
import { findUser } from '../../../lab/harness/wp';

let A: Site;
let B: Site;
beforeAll(() => {
	[A, B] = lab.sites();
});

test('an email swap sent as one execution (X: e1→tmp, Y: e2→e1, X: tmp→e2) ends swapped, names never', async () => {
	const x = uniqueLogin('swapx');
	const y = uniqueLogin('swapy');
	const [e1, e2, tmp] = [`${x}-one@example.test`, `${x}-two@example.test`, `${x}-tmp@example.test`];
	const created = await runSync({
		site: B,
		operation: 'applyEvent',
		input: [
			userEvent(A, x, { user: { email: e1, firstName: 'Xavier' } }),
			userEvent(A, y, { user: { email: e2, firstName: 'Yvonne' } }),
		],
	});
	expect(created.results.map((r) => r.action)).toEqual(['create', 'create']);
	const change = (login: string, from: string, to: string, firstName: string) =>
		userEvent(A, login, { action: 'update', user: { email: to, previousEmail: from, firstName } });
	const { results } = await runSync({
		site: B,
		operation: 'applyEvent',
		input: [
			change(x, e1, tmp, 'Xavier'),
			change(y, e2, e1, 'Yvonne'),
			change(x, tmp, e2, 'Xavier'),
		],
	});
	expect(results.map((r) => [r.status, r.user?.login, r.changes])).toEqual([
		['synced', x, ['email']],
		['synced', y, ['email']],
		['synced', x, ['email']],
	]);
	expect(await findUser(B, x)).toMatchObject({ email: e2, first_name: 'Xavier' });
	expect(await findUser(B, y)).toMatchObject({ email: e1, first_name: 'Yvonne' });
});
