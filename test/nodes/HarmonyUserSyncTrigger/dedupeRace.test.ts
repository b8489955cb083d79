/** The trigger's dedupe in n8n's WebhookContext with the Postgres store: concurrent copies of one delivery run once. */
import { randomUUID } from 'node:crypto';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { createTestDatabase, type TestDatabase } from '../../../lab/harness/postgres';
import { validEvent } from './fuzz';
import { bridgeRequest, SECRET } from './signedRequests';
import { STATIC_KEY, triggerHarness } from './triggerLab';

describe('dedupe through the node: Postgres store, two trigger instances racing on one delivery', () => {
	let db: TestDatabase;
	let site: Site;
	beforeAll(async () => {
		[site] = lab.sites();
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	test('exactly one of two concurrent deliveries of the same event starts an execution', async () => {
		const { host, port, database, user } = db.settings;
		const credentials = {
			harmonyUserSyncPostgres: {
				host,
				port,
				database,
				user,
				password: '',
				ssl: false,
				schema: 'public',
				tablePrefix: 'hus_',
			},
		};
		const make = () =>
			triggerHarness(
				site,
				{ dedupeStore: 'postgres', options: {} },
				{ credentials, workflowId: 'wf-race' },
			);
		const [a, b] = await Promise.all([make(), make()]);
		for (const h of [a, b]) h.staticData[STATIC_KEY] = { secret: SECRET };
		for (let round = 0; round < 20; round++) {
			const body = JSON.stringify(validEvent(randomUUID(), site.url));
			const request = bridgeRequest(body); // one delivery reaching two processes at once
			const results = await Promise.all([a.call(request), b.call(request)]);
			expect(results.filter((result) => result.workflowData)).toHaveLength(1);
			expect(
				results.filter((result) => (result.body as { duplicate?: boolean }).duplicate),
			).toHaveLength(1);
		}
		const rows = await db.query('SELECT count(*)::int AS n FROM public.hus_seen_events');
		expect(rows[0].n).toBe(20);
	});
});
