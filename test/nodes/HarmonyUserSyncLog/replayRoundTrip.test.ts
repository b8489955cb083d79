/**
 * A real User Sync run against a lab WordPress site fails (bad credential), the Sync Log stores it, Replay Failed
 * feeds Apply Event (good credential) and Write in one n8n workflow, and the original entry ends up resolved.
 */
import { randomBytes } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';
import * as lab from '../../../lab/lab';
import type { Site } from '../../../lab/lab';
import { runWorkflow, TEST_ITEMS_NODE_TYPE } from '../../../lab/harness/engine';
import { createTestDatabase, type TestDatabase } from '../../../lab/harness/postgres';
import {
	credentialOf,
	runSync,
	SYNC_NODE,
	syncPackage,
	uniqueLogin,
	userEvent,
} from '../../../lab/harness/sync';
import { findUser } from '../../../lab/harness/wp';
import { jsonOf, LOG_NODE, postgresLog, runLog, sqliteLog, type LogTarget } from './logNode';

let A: Site;
let B: Site;
let database: TestDatabase;
beforeAll(async () => {
	[A, B] = lab.sites();
	database = await createTestDatabase();
});
afterAll(() => database.drop());

/** Replay Failed → Apply Event on B → Write, as one workflow. */
async function replayIntoB(log: LogTarget) {
	const logCredential = log.credentials.harmonyUserSyncPostgres;
	const credentials = {
		wp: { type: 'wordPressAppPasswordApi', name: 'B', data: credentialOf(B) },
		...(logCredential && {
			pg: { type: 'harmonyUserSyncPostgres', name: 'log', data: logCredential },
		}),
	};
	const logCredentials = logCredential
		? { harmonyUserSyncPostgres: { id: 'pg', name: 'log' } }
		: undefined;
	const names = ['Start', 'Replay Failed', 'Apply on B', 'Write Log'];
	const run = await runWorkflow(await syncPackage(), {
		nodes: [
			{
				name: names[0],
				type: TEST_ITEMS_NODE_TYPE,
				parameters: { items: JSON.stringify([{ json: {} }]) },
			},
			{
				name: names[1],
				type: LOG_NODE,
				parameters: { ...log.parameters, operation: 'replayFailed' },
				credentials: logCredentials,
			},
			{
				name: names[2],
				type: SYNC_NODE,
				parameters: { operation: 'applyEvent' },
				credentials: { wordPressAppPasswordApi: { id: 'wp', name: 'B' } },
			},
			{
				name: names[3],
				type: LOG_NODE,
				parameters: { ...log.parameters, operation: 'write' },
				credentials: logCredentials,
			},
		],
		connections: Object.fromEntries(
			names
				.slice(0, -1)
				.map((name, i) => [
					name,
					{ main: [[{ node: names[i + 1], type: 'main' as const, index: 0 }]] },
				]),
		),
		credentials,
	});
	const output = (name: string) =>
		(run.data.resultData.runData[name]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json);
	return {
		error: run.data.resultData.error,
		replayed: output(names[1]),
		applied: output(names[2]),
		written: output(names[3]),
	};
}

describe.each<[string, () => LogTarget]>([
	['sqlite', sqliteLog],
	['postgres', () => postgresLog(database)],
])('%s store', (_name, newLog) => {
	test('failed sync → Write → Replay Failed → Apply Event → Write: the original is linked and resolved', async () => {
		const log = newLog();
		const [good, bad] = [uniqueLogin('logok'), uniqueLogin('logfail')];
		const synced = await runSync({ site: B, operation: 'applyEvent', input: [userEvent(A, good)] });
		const wrong = credentialOf(B, B.admin, {
			applicationPassword: randomBytes(12).toString('hex'),
		});
		const failed = await runSync({
			site: B,
			operation: 'applyEvent',
			input: [userEvent(A, bad)],
			credential: wrong,
		});
		expect(failed.results[0]).toMatchObject({ status: 'failed', user: { login: bad } });
		const written = await runLog(log, { operation: 'write' }, [...synced.json, ...failed.json]);
		expect(written.error).toBeUndefined();
		const [original] = jsonOf(
			(await runLog(log, { operation: 'query', filters: { status: ['failed'] } })).items,
		);
		expect(original).toMatchObject({
			login: bad,
			target: B.url,
			status: 'failed',
			replayedBy: null,
		});

		const round = await replayIntoB(log);
		expect(round.error).toBeUndefined();
		expect(round.replayed).toEqual([
			expect.objectContaining({ id: original.eventId, replayOf: original.id }),
		]);
		expect(round.applied).toEqual([
			expect.objectContaining({
				status: 'synced',
				action: 'create',
				event: expect.objectContaining({ replayOf: original.id }),
			}),
		]);
		expect(round.written).toEqual(round.applied);
		expect(await findUser(B, bad)).toBeDefined();

		const entries = jsonOf(
			(await runLog(log, { operation: 'query', filters: { user: bad } })).items,
		) as IDataObject[];
		expect(entries).toHaveLength(2);
		const [retry, resolved] = entries;
		expect(resolved).toMatchObject({
			id: original.id,
			status: 'resolved',
			replayedBy: retry.id,
			replayedAt: expect.any(String),
		});
		expect(retry).toMatchObject({
			status: 'synced',
			replayOf: original.id,
			eventId: original.eventId,
		});
		// Nothing is left to replay.
		expect((await replayIntoB(log)).replayed).toEqual([]);
	});
});
