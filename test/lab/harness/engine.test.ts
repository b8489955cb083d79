/**
 * Tests of the engine harness against a tiny community package written to a temp dir at test time:
 * two nodes (one doubles a number, one throws NodeOperationError) and a credential with generic Basic auth and a
 * `test` request with a `responseSuccessBody` rule, checked against a local HTTP server.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeApiError } from 'n8n-workflow';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
	loadPackage,
	runNode,
	runWorkflow,
	testCredential,
	TEST_ITEMS_NODE_TYPE,
	type LoadedPackage,
} from '../../../lab/harness/engine';

const PACKAGE = 'n8n-nodes-harness-fixture';

const FILES: Record<string, string> = {
	'package.json': JSON.stringify({
		name: PACKAGE,
		version: '1.2.3',
		main: 'index.js',
		n8n: {
			n8nNodesApiVersion: 1,
			nodes: [
				'dist/nodes/Doubler/Doubler.node.js',
				'dist/nodes/Failer/Failer.node.js',
				'dist/nodes/Ticker/Ticker.node.js',
			],
			credentials: ['dist/credentials/FixtureApi.credentials.js'],
		},
	}),
	'dist/nodes/Doubler/Doubler.node.js': `
const { NodeConnectionTypes } = require('n8n-workflow');
class Doubler {
  constructor() {
    this.description = {
      displayName: 'Doubler', name: 'doubler', group: ['transform'], version: [1, 2], description: 'Doubles a number',
      defaults: { name: 'Doubler' }, inputs: [NodeConnectionTypes.Main], outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'fixtureApi', required: false }],
      properties: [
        { displayName: 'Field', name: 'field', type: 'string', default: 'n' },
        { displayName: 'Fetch Path', name: 'fetchPath', type: 'string', default: '' },
      ],
    };
  }
  async execute() {
    const staticData = this.getWorkflowStaticData('global');
    staticData.runs = (staticData.runs || 0) + 1;
    let fetched;
    const fetchPath = this.getNodeParameter('fetchPath', 0);
    if (fetchPath) {
      const credentials = await this.getCredentials('fixtureApi');
      fetched = await this.helpers.httpRequestWithAuthentication.call(this, 'fixtureApi', { url: credentials.baseUrl + fetchPath, json: true });
    }
    return [this.getInputData().map((item, i) => {
      const field = this.getNodeParameter('field', i);
      return { json: { ...item.json, [field]: item.json[field] * 2, runs: staticData.runs, version: this.getNode().typeVersion, fetched }, pairedItem: { item: i } };
    })];
  }
}
module.exports = { Doubler };`,
	'dist/nodes/Failer/Failer.node.js': `
const { NodeConnectionTypes, NodeOperationError } = require('n8n-workflow');
class Failer {
  constructor() {
    this.description = {
      displayName: 'Failer', name: 'failer', group: ['transform'], version: 1, description: 'Fails every item',
      defaults: { name: 'Failer' }, inputs: [NodeConnectionTypes.Main], outputs: [NodeConnectionTypes.Main], properties: [],
    };
  }
  async execute() {
    const out = [];
    for (let i = 0; i < this.getInputData().length; i++) {
      try {
        throw new NodeOperationError(this.getNode(), 'Item ' + i + ' is not acceptable', { itemIndex: i });
      } catch (error) {
        if (!this.continueOnFail()) throw error;
        out.push({ json: { error: error.message }, pairedItem: { item: i } });
      }
    }
    return [out];
  }
}
module.exports = { Failer };`,
	'dist/nodes/Ticker/Ticker.node.js': `
const { NodeConnectionTypes } = require('n8n-workflow');
class Ticker {
  constructor() {
    this.description = {
      displayName: 'Ticker', name: 'ticker', group: ['trigger'], version: 1, description: 'Polls a counter', polling: true,
      defaults: { name: 'Ticker' }, inputs: [], outputs: [NodeConnectionTypes.Main], properties: [],
    };
  }
  async poll() {
    const staticData = this.getWorkflowStaticData('node');
    staticData.tick = (staticData.tick || 0) + 1;
    return [[{ json: { n: staticData.tick, mode: this.getMode() } }]];
  }
}
module.exports = { Ticker };`,
	'dist/credentials/FixtureApi.credentials.js': `
class FixtureApi {
  constructor() {
    this.name = 'fixtureApi';
    this.displayName = 'Fixture API';
    this.properties = [
      { displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
      { displayName: 'Username', name: 'username', type: 'string', default: '' },
      { displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '' },
      { displayName: 'Realm', name: 'realm', type: 'string', default: 'default-realm' },
    ];
    this.authenticate = {
      type: 'generic',
      properties: {
        auth: { username: '={{$credentials.username}}', password: '={{$credentials.password}}' },
        headers: { 'X-Realm': '={{$credentials.realm}}' },
      },
    };
    this.test = {
      request: { baseURL: '={{$credentials.baseUrl}}', url: '/me' },
      rules: [
        { type: 'responseCode', properties: { value: 403, message: 'This account is locked' } },
        { type: 'responseSuccessBody', properties: { key: 'data.status', value: 403, message: 'This user may not use the API' } },
      ],
    };
  }
}
module.exports = { FixtureApi };`,
};

let dir: string;
let pkg: LoadedPackage;
let server: Server;
let baseUrl: string;

/** Basic auth: alice/secret is fine, bob/secret gets a body a rule rejects, carol/secret a 403, anything else a 401. */
function handle(
	authorization: string | undefined,
	realm: string | undefined,
	url: string | undefined,
) {
	const [user, password] = Buffer.from((authorization ?? '').replace(/^Basic /, ''), 'base64')
		.toString()
		.split(':');
	if (password !== 'secret' || !['alice', 'bob', 'carol'].includes(user))
		return { status: 401, body: { code: 'invalid_auth' } };
	if (user === 'carol') return { status: 403, body: { code: 'locked' } };
	if (user === 'bob') return { status: 200, body: { code: 'forbidden', data: { status: 403 } } };
	return { status: 200, body: { id: 1, name: user, realm, url } };
}

beforeAll(async () => {
	dir = mkdtempSync(path.join(tmpdir(), 'harness-fixture-'));
	for (const [file, content] of Object.entries(FILES)) {
		mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
		writeFileSync(path.join(dir, file), content);
	}
	// As in an n8n install: the package resolves n8n's own n8n-workflow (its peer dependency).
	mkdirSync(path.join(dir, 'node_modules'));
	symlinkSync(
		path.dirname(require.resolve('n8n-workflow/package.json')),
		path.join(dir, 'node_modules', 'n8n-workflow'),
	);
	pkg = await loadPackage(dir);

	server = createServer((req, res) => {
		const { status, body } = handle(
			req.headers.authorization,
			req.headers['x-realm'] as string | undefined,
			req.url,
		);
		res.writeHead(status, { 200: 'OK', 401: 'Bad Credentials', 403: 'Forbidden' }[status], {
			'content-type': 'application/json',
		});
		res.end(JSON.stringify(body));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise((resolve) => server?.close(resolve));
	rmSync(dir, { recursive: true, force: true });
});

describe('loadPackage', () => {
	it('loads nodes and credentials under n8n community-package names', () => {
		expect(pkg.name).toBe(PACKAGE);
		expect(pkg.nodeTypeNames.sort()).toEqual([
			`${PACKAGE}.doubler`,
			`${PACKAGE}.failer`,
			`${PACKAGE}.ticker`,
		]);
		expect(Object.keys(pkg.credentialTypes)).toEqual(['fixtureApi']);
		expect(pkg.credentialTypes.fixtureApi.supportedNodes).toEqual([`${PACKAGE}.doubler`]);
		expect(
			pkg.nodeTypes.getByNameAndVersion(`${PACKAGE}.doubler`).description
				.communityNodePackageVersion,
		).toBe('1.2.3');
	});
});

describe('runNode', () => {
	it('passes items through the node and keeps pairedItem', async () => {
		const { items, error } = await runNode(pkg, {
			type: `${PACKAGE}.doubler`,
			parameters: {},
			input: [{ n: 2 }, { n: 5, keep: 'x' }],
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json)).toEqual([
			{ n: 4, runs: 1, version: 2 },
			{ n: 10, keep: 'x', runs: 1, version: 2 },
		]);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('accepts INodeExecutionData input, a type version and static data kept across runs', async () => {
		const staticData = {};
		const options = {
			type: `${PACKAGE}.doubler`,
			typeVersion: 1,
			parameters: { field: 'v' },
			input: [{ json: { v: 3 } }],
			staticData,
		};
		await runNode(pkg, options);
		const { items } = await runNode(pkg, options);
		expect(items[0].json).toEqual({ v: 6, runs: 2, version: 1 });
		expect(staticData).toEqual({ global: { runs: 2 } });
	});

	it('returns an error item when the node fails with continueOnFail', async () => {
		const { items, error } = await runNode(pkg, {
			type: `${PACKAGE}.failer`,
			parameters: {},
			input: [{ a: 1 }, { a: 2 }],
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(items).toEqual([
			{ json: { error: 'Item 0 is not acceptable' }, pairedItem: { item: 0 } },
			{ json: { error: 'Item 1 is not acceptable' }, pairedItem: { item: 1 } },
		]);
	});

	it('returns the execution error when the node fails without continueOnFail', async () => {
		const { items, error, run } = await runNode(pkg, {
			type: `${PACKAGE}.failer`,
			parameters: {},
			input: [{ a: 1 }],
		});
		expect(items).toEqual([]);
		expect(error?.message).toBe('Item 0 is not acceptable');
		expect(error?.name).toBe('NodeOperationError');
		expect(run.status).toBe('error');
		expect(run.data.resultData.lastNodeExecuted).toBe('Failer');
	});

	it('gives the node its credentials, with defaults, and applies their generic authenticate to requests', async () => {
		const { items, error } = await runNode(pkg, {
			type: `${PACKAGE}.doubler`,
			parameters: { fetchPath: '/records?x=1' },
			input: [{ n: 1 }],
			credentials: { fixtureApi: { baseUrl, username: 'alice', password: 'secret' } },
		});
		expect(error).toBeUndefined();
		expect(items[0].json.fetched).toEqual({
			id: 1,
			name: 'alice',
			realm: 'default-realm',
			url: '/records?x=1',
		});
	});

	it("fails the node with n8n's error when the request is rejected", async () => {
		const { error } = await runNode(pkg, {
			type: `${PACKAGE}.doubler`,
			parameters: { fetchPath: '/records' },
			input: [{ n: 1 }],
			credentials: { fixtureApi: { baseUrl, username: 'alice', password: 'wrong' } },
		});
		expect(error?.name).toBe('NodeApiError');
		expect((error as NodeApiError).httpCode).toBe('401');
	});
});

describe('runWorkflow', () => {
	it('runs a multi-node workflow with credentials referenced by id', async () => {
		const run = await runWorkflow(pkg, {
			nodes: [
				{
					name: 'Source',
					type: TEST_ITEMS_NODE_TYPE,
					parameters: { items: JSON.stringify([{ json: { n: 1 } }]) },
				},
				{ name: 'Twice', type: `${PACKAGE}.doubler`, parameters: {} },
				{
					name: 'Fetch',
					type: `${PACKAGE}.doubler`,
					parameters: { fetchPath: '/x' },
					credentials: { fixtureApi: { id: 'c1', name: 'Alice' } },
				},
			],
			connections: {
				Source: { main: [[{ node: 'Twice', type: 'main', index: 0 }]] },
				Twice: { main: [[{ node: 'Fetch', type: 'main', index: 0 }]] },
			},
			credentials: {
				c1: {
					type: 'fixtureApi',
					name: 'Alice',
					data: { baseUrl, username: 'alice', password: 'secret', realm: 'r' },
				},
			},
		});
		expect(run.status).toBe('success');
		const fetched = run.data.resultData.runData.Fetch[0].data!.main[0]![0];
		expect(fetched.json).toMatchObject({ n: 4, fetched: { name: 'alice', realm: 'r' } });
		expect(fetched.pairedItem).toEqual({ item: 0 });
	});

	it('starts from a poll trigger, which polls as in a manual run, with node static data', async () => {
		const staticData = {};
		const spec = {
			nodes: [
				{ name: 'Ticker', type: `${PACKAGE}.ticker`, parameters: {} },
				{ name: 'Doubler', type: `${PACKAGE}.doubler`, parameters: {} },
			],
			connections: { Ticker: { main: [[{ node: 'Doubler', type: 'main' as const, index: 0 }]] } },
			staticData,
		};
		await runWorkflow(pkg, spec);
		const run = await runWorkflow(pkg, spec);
		expect(run.data.resultData.runData.Doubler[0].data!.main[0]![0].json).toMatchObject({
			n: 4,
			runs: 2,
		});
		expect(run.data.resultData.runData.Ticker[0].data!.main[0]![0].json).toEqual({
			n: 2,
			mode: 'manual',
		});
		expect(staticData).toEqual({ 'node:Ticker': { tick: 2 }, global: { runs: 2 } });
	});
});

describe('testCredential', () => {
	it('returns OK when the request succeeds and no rule matches', async () => {
		await expect(
			testCredential(pkg, 'fixtureApi', { baseUrl, username: 'alice', password: 'secret' }),
		).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	it("returns the rule's message when a responseSuccessBody rule matches", async () => {
		await expect(
			testCredential(pkg, 'fixtureApi', { baseUrl, username: 'bob', password: 'secret' }),
		).resolves.toEqual({ status: 'Error', message: 'This user may not use the API' });
	});

	it("returns the rule's message when a responseCode rule matches", async () => {
		await expect(
			testCredential(pkg, 'fixtureApi', { baseUrl, username: 'carol', password: 'secret' }),
		).resolves.toEqual({ status: 'Error', message: 'This account is locked' });
	});

	it("returns n8n's message for a non-2xx response", async () => {
		await expect(
			testCredential(pkg, 'fixtureApi', { baseUrl, username: 'alice', password: 'wrong' }),
		).resolves.toEqual({ status: 'Error', message: 'Bad Credentials' });
	});

	it('returns the network error code when nothing listens', async () => {
		await expect(
			testCredential(pkg, 'fixtureApi', {
				baseUrl: 'http://127.0.0.1:1',
				username: 'alice',
				password: 'secret',
			}),
		).resolves.toEqual({ status: 'Error', message: 'ECONNREFUSED' });
	});
});
