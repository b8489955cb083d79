/**
 * The Poll Trigger over a WordPress Site Network credential, as an active workflow polls (n8n-core's PollContext),
 * against two real lab sites and one that is down: one baseline per site, each change reported once with its own
 * site as source, a site that fails keeping its baseline while the others report, and a site that leaves the
 * network losing its baseline.
 */
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { parseSyncEvent } from '../../../core/schemas/syncEvent';
import { loadPackage, type LoadedPackage } from '../../../lab/harness/engine';
import { NODE_NAME, pollAsActive } from '../../../lab/harness/engine/poll';
import { networkCredentialOf, uniqueLogin } from '../../../lab/harness/sync';
import { rest } from '../../../lab/harness/wp';

const NETWORK = { sites: 'network', events: ['created', 'updated', 'deleted'] };
const down = {
	name: 'Down',
	url: 'http://127.0.0.1:9',
	username: 'admin',
	applicationPassword: 'Down: nope nope nope',
	readOnly: false,
	enabled: true,
};

describe('Poll Trigger over a site network', () => {
	let A: Site;
	let C: Site;
	let pkg: LoadedPackage;
	const made: Array<[Site, string]> = [];

	beforeAll(async () => {
		[A, , C] = lab.sites();
		pkg = await loadPackage();
	});
	afterAll(async () => {
		for (const [site, login] of made) {
			await lab.sql(
				site,
				`DELETE m FROM wp_usermeta m JOIN wp_users u ON u.ID = m.user_id WHERE u.user_login = '${login}'; DELETE FROM wp_users WHERE user_login = '${login}';`,
			);
		}
	});

	const create = async (site: Site, login: string) => {
		made.push([site, login]);
		expect(
			(
				await rest(site, site.admin, '/wp/v2/users', {
					method: 'POST',
					body: { username: login, email: `${login}@example.test`, password: `Pw-${login}-1` },
				})
			).status,
		).toBe(201);
	};
	const poll = async (state: IDataObject, credential = networkCredentialOf([A, C])) => {
		const { items } = await pollAsActive(
			pkg,
			NETWORK,
			credential,
			state,
			'wordPressSiteNetworkApi',
		);
		return (items ?? []).map((item) => {
			const parsed = parseSyncEvent(item.json);
			if (!parsed.ok) throw new Error(parsed.error);
			return parsed.value;
		});
	};
	const baselines = (state: IDataObject) =>
		Object.keys(((state[`node:${NODE_NAME}`] as IDataObject)?.network ?? {}) as IDataObject).sort();

	test('one baseline per site; each change is reported once, from its own site', async () => {
		const state: IDataObject = {};
		expect(await poll(state)).toEqual([]);
		expect(baselines(state)).toEqual([A.url, C.url].sort());
		const [onA, onC] = [uniqueLogin('pnA'), uniqueLogin('pnC')];
		await create(A, onA);
		await create(C, onC);
		const events = await poll(state);
		expect(
			events.map((event) => [event.action, event.user.login, event.source.url]).sort(),
		).toEqual(
			[
				['create', onA, A.url],
				['create', onC, C.url],
			].sort(),
		);
		expect(await poll(state)).toEqual([]);
	});

	test('a site that is down keeps the others reporting; when every site fails the poll fails', async () => {
		const state: IDataObject = {};
		const withDown = networkCredentialOf([A, C], [down]);
		expect(await poll(state, withDown)).toEqual([]);
		const login = uniqueLogin('pnD');
		await create(C, login);
		expect((await poll(state, withDown)).map((event) => event.user.login)).toEqual([login]);
		expect(baselines(state)).toEqual([A.url, C.url, down.url].sort());
		await expect(
			pollAsActive(pkg, NETWORK, { sites: { site: [down] } }, {}, 'wordPressSiteNetworkApi'),
		).rejects.toThrow(/every site of the network failed: Down/);
	});

	test('a site that leaves the network loses its baseline', async () => {
		const state: IDataObject = {};
		await poll(state);
		expect(baselines(state)).toEqual([A.url, C.url].sort());
		await poll(state, networkCredentialOf([A, { site: C, enabled: false }]));
		expect(baselines(state)).toEqual([A.url]);
	});
});
