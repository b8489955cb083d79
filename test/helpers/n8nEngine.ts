/**
 * Runs a node package inside n8n's real engine, without a server: the package is loaded from its BUILT files with
 * n8n-core's PackageDirectoryLoader (as n8n loads community packages), workflows run through n8n-core's
 * WorkflowExecute, and credential tests follow n8n's CredentialsTester (RoutingNode + `rules`).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as N8nCore from 'n8n-core';
import {
  ICredentialsHelper, NodeConnectionTypes, NodeHelpers, Workflow, isExpression, jsonParse,
} from 'n8n-workflow';
import type {
  ExecutionError, ICredentialDataDecryptedObject, ICredentialType, ICredentialsDecrypted,
  ICredentialsExpressionResolveValues, IConnections, IDataObject, IExecuteFunctions, IHttpRequestHelper,
  IHttpRequestOptions, INode, INodeCredentialsDetails, INodeExecutionData, INodeProperties, INodeType, INodeTypeDescription,
  INodeTypes, IRun, IVersionedNodeType, IWorkflowBase, IWorkflowExecuteAdditionalData, WorkflowExecuteMode,
  IWebhookData, IWebhookResponseData, WorkflowActivateMode,
} from 'n8n-workflow';

// n8n-core reads these when it loads: they must be set before it is required.
process.env.N8N_USER_FOLDER ??= mkdtempSync(path.join(tmpdir(), 'n8n-harness-'));
process.env.N8N_ENCRYPTION_KEY ??= randomBytes(24).toString('hex');
process.env.N8N_LOG_LEVEL ??= 'silent'; // n8n logs node errors it also reports in the run data; set it to see them
// eslint-disable-next-line @typescript-eslint/no-require-imports
const core = require('n8n-core') as typeof N8nCore;

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Test-only source node: emits the items given in its `items` parameter (JSON), each paired to its one input item. */
export const TEST_ITEMS_NODE_TYPE = 'n8n-nodes-harness.testItems';
/** n8n tests credentials on a temporary copy of the NoOp node. */
const NOOP_NODE_TYPE = 'n8n-nodes-base.noOp';

class TestItems implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Test Items', name: TEST_ITEMS_NODE_TYPE, group: ['input'], version: 1, description: 'Emits test items',
    defaults: { name: 'Test Items' }, usableAsTool: true, inputs: [NodeConnectionTypes.Main], outputs: [NodeConnectionTypes.Main],
    properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
  };
  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const items = jsonParse<INodeExecutionData[]>(this.getNodeParameter('items', 0) as string);
    return [items.map((item) => ({ ...item, pairedItem: { item: 0 } }))];
  }
}

export interface LoadedPackage {
  name: string;
  directory: string;
  /** The package's nodes as `<package-name>.<nodeName>`, plus TEST_ITEMS_NODE_TYPE. */
  nodeTypes: INodeTypes;
  nodeTypeNames: string[];
  credentialTypes: Record<string, ICredentialType>;
}

function nodeTypesOf(types: Record<string, INodeType | IVersionedNodeType>): INodeTypes {
  return {
    getByName: (name) => types[name] ?? unknownType(name),
    getByNameAndVersion: (name, version) => NodeHelpers.getVersionedNodeType(types[name] ?? unknownType(name), version),
    getKnownTypes: () => Object.fromEntries(Object.keys(types).map((name) => [name, {}])),
  };
}
function unknownType(name: string): never {
  throw new Error(`Unrecognized node type: ${name}`);
}

/** Loads every node and credential of the package.json `n8n` section, with n8n's names. Default: this repo (needs `dist/`). */
export async function loadPackage(dir: string = REPO_ROOT): Promise<LoadedPackage> {
  const loader = new core.PackageDirectoryLoader(dir);
  await loader.loadAll().catch((error: Error) => {
    throw new Error(`Cannot load the n8n package in ${dir} (is it built? \`npm run build\`): ${error.message}`, { cause: error });
  });
  const types: Record<string, INodeType | IVersionedNodeType> = { [TEST_ITEMS_NODE_TYPE]: new TestItems() };
  for (const [name, { type }] of Object.entries(loader.nodeTypes)) types[`${loader.packageName}.${name}`] = type;
  const credentialTypes: Record<string, ICredentialType> = {};
  for (const [name, { type }] of Object.entries(loader.credentialTypes)) {
    credentialTypes[name] = type;
    type.supportedNodes = (type.supportedNodes ?? []).map((node) => `${loader.packageName}.${node}`);
  }
  const nodeTypeNames = Object.keys(types).filter((name) => name !== TEST_ITEMS_NODE_TYPE);
  return { name: loader.packageName, directory: loader.directory, nodeTypes: nodeTypesOf(types), nodeTypeNames, credentialTypes };
}

type Creds = ICredentialDataDecryptedObject;
export type StoredCredentials = Record<string, { type: string; name: string; data: Creds }>;

/** n8n's CredentialsHelper over an in-memory map `{ [credentialId]: { type, name, data } }`. */
class MapCredentialsHelper extends ICredentialsHelper {
  /** Decrypted reads per credential type: n8n pays an isolate for each outside an execution. */
  readonly reads: Record<string, number> = {};
  constructor(private readonly types: Record<string, ICredentialType>, private readonly store: StoredCredentials) { super(); }
  private type(name: string): ICredentialType {
    return this.types[name] ?? unknownType(name);
  }
  getParentTypes(name: string): string[] {
    return (this.types[name]?.extends ?? []).flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
  }
  isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
    const type = this.types[credentialType];
    return !type?.restrictToSupportedNodes || (type.supportedNodes ?? []).includes(nodeType);
  }
  getCredentialsProperties(name: string): INodeProperties[] {
    const merged: INodeProperties[] = [];
    for (const parent of this.type(name).extends ?? []) NodeHelpers.mergeNodeProperties(merged, this.getCredentialsProperties(parent));
    NodeHelpers.mergeNodeProperties(merged, this.type(name).properties);
    return merged;
  }
  /** As n8n: the type's `authenticate` function, or its generic `authenticate` with `={{$credentials.x}}` resolved. */
  async authenticate(
    credentials: Creds, typeName: string, requestOptions: IHttpRequestOptions, workflow?: Workflow, node?: INode,
  ): Promise<IHttpRequestOptions> {
    const { authenticate } = this.type(typeName);
    if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
    if (authenticate?.type !== 'generic') return requestOptions;
    if (!workflow || !node) throw new Error('Workflow and node are required for declarative credential authentication');
    const resolve = (value: string) => !isExpression(value) ? value
      : String(workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials }, undefined, '') || '');
    requestOptions.headers ??= {};
    for (const [outerKey, values] of Object.entries(authenticate.properties)) {
      const target = ((requestOptions as unknown as IDataObject)[outerKey] ??= {}) as IDataObject;
      for (const [key, value] of Object.entries(values as IDataObject)) target[resolve(key)] = resolve(value as string);
    }
    return requestOptions;
  }
  /** As n8n: refresh an empty/expired (or, in a credential test, any) expirable hidden property with `preAuthentication`. */
  async preAuthentication(helpers: IHttpRequestHelper, credentials: Creds, typeName: string, node: INode, expired: boolean) {
    const { properties, preAuthentication } = this.type(typeName);
    const expirable = properties.find((p) => p.type === 'hidden' && p.typeOptions?.expirable === true)?.name;
    const testing = node?.parameters?.temp === '' && node?.type === NOOP_NODE_TYPE;
    if (!expirable || typeof preAuthentication !== 'function' || (credentials[expirable] !== '' && !expired && !testing)) return;
    const output = await preAuthentication.call(helpers, credentials);
    if (output[expirable] === undefined) return;
    const id = node.credentials?.[typeName]?.id;
    if (id && this.store[id]) Object.assign(this.store[id].data, output);
    return Object.assign(credentials, output);
  }
  async runPreAuthentication(helpers: IHttpRequestHelper, credentials: Creds, typeName: string) {
    const { preAuthentication } = this.type(typeName);
    return typeof preAuthentication === 'function' ? (await preAuthentication.call(helpers, credentials)) as Creds : undefined;
  }
  private entry({ id }: INodeCredentialsDetails, type: string) {
    const entry = id ? this.store[id] : undefined;
    if (!entry || entry.type !== type) throw new Error(`Credential with ID "${id}" does not exist for type "${type}".`);
    return entry;
  }
  async getCredentials(details: INodeCredentialsDetails, type: string) {
    const credentials = new core.Credentials({ id: details.id, name: details.name }, type);
    await credentials.setData(this.entry(details, type).data);
    return credentials;
  }
  /** As n8n: stored data, plus the type's defaults, with expressions resolved when the engine gives a context. */
  async getDecrypted(
    _additionalData: IWorkflowExecuteAdditionalData, details: INodeCredentialsDetails, type: string, mode: WorkflowExecuteMode,
    _executeData?: unknown, raw?: boolean, resolveValues?: ICredentialsExpressionResolveValues,
  ) {
    this.reads[type] = (this.reads[type] ?? 0) + 1;
    const stored = structuredClone(this.entry(details, type).data);
    return raw ? stored : this.applyDefaults(type, stored, mode, resolveValues);
  }
  applyDefaults(type: string, stored: Creds, mode: WorkflowExecuteMode = 'internal', resolveValues?: ICredentialsExpressionResolveValues) {
    const data = NodeHelpers.getNodeParameters(this.getCredentialsProperties(type), stored as never, true, false, null, null) as Creds;
    if (stored.oauthTokenData !== undefined) data.oauthTokenData = stored.oauthTokenData;
    if (!resolveValues) return data;
    const { workflow, runExecutionData, runIndex, itemIndex, node, connectionInputData } = resolveValues;
    return workflow.expression.getParameterValue(data as never, runExecutionData, runIndex, itemIndex, node.name,
      connectionInputData, mode, {}, undefined, false, data) as Creds;
  }
  async updateCredentials(details: INodeCredentialsDetails, type: string, data: Creds) {
    this.entry(details, type).data = data;
  }
  async updateCredentialsOauthTokenData(details: INodeCredentialsDetails, type: string, data: Creds) {
    this.entry(details, type).data.oauthTokenData = data.oauthTokenData;
  }
}

function additionalDataFor(
  helper: ICredentialsHelper, hooks?: N8nCore.ExecutionLifecycleHooks, overrides: Partial<IWorkflowExecuteAdditionalData> = {},
): IWorkflowExecuteAdditionalData {
  const base = 'http://localhost:5678';
  const unavailable = (what: string) => async () => { throw new Error(`${what} is not available in the test harness`); };
  return {
    credentialsHelper: helper, hooks, externalSecretsProxy: new core.ExternalSecretsProxy(), userId: 'harness-user',
    executionId: 'harness-execution', encryptedRunnerIdentity: undefined, currentNodeExecutionIndex: 0, variables: {},
    logAiEvent: () => {}, restApiUrl: `${base}/rest`, instanceBaseUrl: `${base}/`,
    formBaseUrl: `${base}/form`, formWaitingBaseUrl: `${base}/form-waiting`, formTestBaseUrl: `${base}/form-test`,
    webhookBaseUrl: `${base}/webhook`, webhookWaitingBaseUrl: `${base}/webhook-waiting`, webhookTestBaseUrl: `${base}/webhook-test`,
    mcpBaseUrl: `${base}/mcp`, mcpTestBaseUrl: `${base}/mcp-test`,
    executeWorkflow: unavailable('executeWorkflow'), startRunnerTask: unavailable('startRunnerTask'),
    getRunExecutionData: async () => undefined, getRuntimeCredential: async () => undefined,
    ...overrides,
  } as IWorkflowExecuteAdditionalData;
}

export type WorkflowNode = Omit<INode, 'id' | 'position' | 'typeVersion'> & Partial<Pick<INode, 'id' | 'position' | 'typeVersion'>>;
export interface WorkflowSpec {
  nodes: WorkflowNode[];
  connections: IConnections;
  credentials?: StoredCredentials;
  /** Workflow static data (n8n keys it `global` / `node:<name>`); mutated in place, so reusing the object carries it over runs. */
  staticData?: IDataObject;
  /** Node to start from; default: a trigger, else the first node without a parent. */
  startNode?: string;
}

/** Runs a workflow as a manual execution (`WorkflowExecute.run`) and returns n8n's full run data. */
export async function runWorkflow(pkg: LoadedPackage, spec: WorkflowSpec): Promise<IRun> {
  const nodes: INode[] = spec.nodes.map((node, index) => ({
    id: `node-${index}`, position: [index * 200, 0], ...node,
    typeVersion: node.typeVersion ?? latestVersion(pkg.nodeTypes.getByName(node.type)), parameters: structuredClone(node.parameters),
  }));
  const workflowData = {
    id: 'harness-workflow', name: 'Harness workflow', active: false, nodes, connections: spec.connections,
    settings: { executionOrder: 'v1' as const }, staticData: spec.staticData ?? {},
  };
  const workflow = new Workflow({ ...workflowData, nodeTypes: pkg.nodeTypes });
  const startNode = workflow.getNode(spec.startNode ?? '') ?? workflow.getStartNode()
    ?? nodes.find((node) => !node.disabled && workflow.getParentNodes(node.name).length === 0);
  const hooks = new core.ExecutionLifecycleHooks('manual', 'harness-execution', workflowData as unknown as IWorkflowBase);
  const helper = new MapCredentialsHelper(pkg.credentialTypes, spec.credentials ?? {});
  return await new core.WorkflowExecute(additionalDataFor(helper, hooks), 'manual').run({ workflow, startNode });
}

function latestVersion(type: INodeType | IVersionedNodeType): number {
  if ('nodeVersions' in type) return type.currentVersion;
  const { version } = type.description;
  return Array.isArray(version) ? Math.max(...version) : version;
}

export interface RunNodeOptions {
  /** `<package-name>.<nodeName>` */
  type: string;
  parameters: INode['parameters'];
  /** `{ [credentialTypeName]: data }` */
  credentials?: Record<string, ICredentialDataDecryptedObject>;
  input: IDataObject[] | INodeExecutionData[];
  continueOnFail?: boolean;
  typeVersion?: number;
  staticData?: IDataObject;
}

/** Runs one node fed by a "Test Items" node; returns its first output's items as n8n produced them (pairedItem included). */
export async function runNode(
  pkg: LoadedPackage, options: RunNodeOptions,
): Promise<{ items: INodeExecutionData[]; error?: ExecutionError; run: IRun }> {
  const items = (options.input as Array<IDataObject | INodeExecutionData>).map((item) =>
    isExecutionData(item) ? item : { json: item });
  const nodeType = pkg.nodeTypes.getByNameAndVersion(options.type, options.typeVersion);
  const name = nodeType.description.defaults.name ?? nodeType.description.displayName;
  const credentials: StoredCredentials = {};
  const nodeCredentials: INode['credentials'] = {};
  for (const [type, data] of Object.entries(options.credentials ?? {})) {
    credentials[`${type}-id`] = { type, name: `${type} (test)`, data };
    nodeCredentials[type] = { id: `${type}-id`, name: `${type} (test)` };
  }
  const run = await runWorkflow(pkg, {
    nodes: [
      { name: 'Test Items', type: TEST_ITEMS_NODE_TYPE, parameters: { items: JSON.stringify(items) } },
      { name, type: options.type, typeVersion: options.typeVersion, parameters: options.parameters, credentials: nodeCredentials,
        ...(options.continueOnFail && { onError: 'continueRegularOutput' as const }) },
    ],
    connections: { 'Test Items': { main: [[{ node: name, type: 'main', index: 0 }]] } },
    credentials, staticData: options.staticData,
  });
  const output = run.data.resultData.runData[name]?.[0]?.data?.main?.[0] ?? [];
  return { items: output, error: run.data.resultData.error, run };
}

function isExecutionData(item: IDataObject | INodeExecutionData): item is INodeExecutionData {
  return typeof item.json === 'object' && item.json !== null && !Array.isArray(item.json);
}

/** Tests credentials as n8n's CredentialsTester does for a credential type with a `test` request. */
export async function testCredential(
  pkg: LoadedPackage, credentialTypeName: string, data: Creds,
): Promise<{ status: 'OK' | 'Error'; message: string }> {
  const testRequest = pkg.credentialTypes[credentialTypeName]?.test;
  if (!testRequest) return { status: 'Error', message: 'No testing function found for this credential.' };
  const store: StoredCredentials = { 'test-credential': { type: credentialTypeName, name: 'Test credential', data } };
  const helper = new MapCredentialsHelper(pkg.credentialTypes, store);
  const credentialsDecrypted: ICredentialsDecrypted = {
    id: 'test-credential', name: 'Test credential', type: credentialTypeName, data: helper.applyDefaults(credentialTypeName, data),
  };
  const nodeType: INodeType = {
    description: {
      displayName: 'No Operation, do nothing', name: NOOP_NODE_TYPE, group: ['organization'], version: 1, description: '',
      defaults: { name: 'No Operation, do nothing' }, inputs: [NodeConnectionTypes.Main], outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: credentialTypeName, required: true }],
      properties: [{ displayName: 'Temp', name: 'temp', type: 'string', default: '', routing: { request: testRequest.request } }],
    },
  };
  const node: INode = {
    id: 'temp', name: 'Temp-Node', type: NOOP_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {},
    credentials: { [credentialTypeName]: { id: credentialsDecrypted.id, name: credentialsDecrypted.name } },
  };
  const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: nodeTypesOf({ [NOOP_NODE_TYPE]: nodeType }) });
  const context = new core.ExecuteContext(workflow, node, additionalDataFor(helper), 'internal', { resultData: { runData: {} } } as never,
    0, [], { main: [[{ json: {} }]] }, { node, data: {}, source: null }, []);
  let response: INodeExecutionData[][] | undefined;
  try {
    response = await new core.RoutingNode(context, nodeType, credentialsDecrypted).runNode();
  } catch (caught) {
    const error = caught as { message: string; cause?: { code?: string; response?: { status: number; statusText?: string } } };
    if (error.cause?.response) {
      const { status, statusText } = error.cause.response;
      for (const rule of testRequest.rules ?? []) {
        if (rule.type === 'responseCode' && rule.properties.value === status) return { status: 'Error', message: rule.properties.message };
      }
      if (status < 199 || status > 299) return { status: 'Error', message: statusText || `Received HTTP status code: ${status}` };
    } else if (error.cause?.code) {
      return { status: 'Error', message: error.cause.code };
    }
    return { status: 'Error', message: String(error.message) };
  }
  for (const rule of testRequest.rules ?? []) {
    if (rule.type === 'responseSuccessBody' && getPath(response![0][0].json, rule.properties.key) === rule.properties.value) {
      return { status: 'Error', message: rule.properties.message };
    }
  }
  return { status: 'OK', message: 'Connection successful!' };
}

/** lodash `get` for dotted/bracketed paths, as n8n uses on `responseSuccessBody` keys. */
function getPath(value: unknown, key: string): unknown {
  return key.replace(/\[(\w+)\]/g, '.$1').split('.').filter(Boolean)
    .reduce<unknown>((current, part) => (current as IDataObject | undefined)?.[part], value);
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook triggers: the activation lifecycle (checkExists/create/delete) through n8n-core's HookContext, as the
// cli's ActiveWorkflowManager/WebhookService call it, and webhook() through n8n-core's WebhookContext, as the
// cli's webhook helpers call it, on a node:http-like request object.

export interface WebhookRequestInit {
  headers?: Record<string, string | string[] | undefined>;
  /** The raw body as sent (n8n keeps it as `req.rawBody` beside the parsed body). */
  body: Buffer | string;
  remoteAddress?: string;
  method?: string;
}

export interface WebhookCallResult {
  /** What the HTTP client got, with n8n's semantics for `noWebhookResponse` / `webhookResponse` / `workflowData`. */
  status: number;
  body: unknown;
  /** The items that would start an execution (undefined: nothing runs). */
  workflowData?: INodeExecutionData[][];
  response: IWebhookResponseData;
}

export interface TriggerSpec {
  /** `<package-name>.<nodeName>` */
  type: string;
  parameters: INode['parameters'];
  /** `{ [credentialTypeName]: data }` */
  credentials?: Record<string, ICredentialDataDecryptedObject>;
  /** Base of production webhook URLs (n8n's `WEBHOOK_URL` + `/webhook`); default http://localhost:5678/webhook. */
  webhookBaseUrl?: string;
  workflowId?: string;
  /** The node's webhookId (part of its URL); default random. The same id means the same webhook URL. */
  webhookId?: string;
}

/** Lowercased header names, as node:http gives them. */
function lowerHeaders(headers: WebhookRequestInit['headers'] = {}): Record<string, string | string[] | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** The parsed body as n8n's body parser would leave it (JSON or form); `{}` when it cannot be parsed. */
function parsedBody(raw: Buffer, contentType: string): IDataObject {
  const text = raw.toString('utf8');
  try {
    if (contentType.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as IDataObject) : {};
  } catch {
    return {};
  }
}

/** A response object recording what the node wrote (the express methods nodes use, on node:http's writeHead/end). */
function recordingResponse() {
  const state: { status: number; headers: Record<string, string>; body: string; ended: boolean } = { status: 200, headers: {}, body: '', ended: false };
  const res = {
    state,
    get headersSent() { return state.ended; },
    writeHead(status: number, headers: Record<string, string> = {}) { state.status = status; Object.assign(state.headers, headers); return res; },
    setHeader(name: string, value: string) { state.headers[name.toLowerCase()] = value; return res; },
    status(code: number) { state.status = code; return res; },
    json(body: unknown) { state.body = JSON.stringify(body); state.ended = true; return res; },
    send(body: unknown) { state.body = typeof body === 'string' ? body : JSON.stringify(body); state.ended = true; return res; },
    end(chunk?: string | Buffer) { if (chunk !== undefined) state.body += chunk.toString(); state.ended = true; return res; },
  };
  return res;
}

/**
 * One workflow holding a webhook trigger node. Its static data persists across calls as n8n's database keeps it;
 * every call builds a fresh Workflow from a copy of it, as a separate webhook/worker process would.
 */
export class TriggerHarness {
  readonly staticData: IDataObject = {};
  private readonly node: INode;
  private readonly credentials: StoredCredentials = {};
  private readonly helper: MapCredentialsHelper;

  constructor(private readonly pkg: LoadedPackage, private readonly spec: TriggerSpec) {
    const nodeType = pkg.nodeTypes.getByName(spec.type);
    const nodeCredentials: INode['credentials'] = {};
    for (const [type, data] of Object.entries(spec.credentials ?? {})) {
      this.credentials[`${type}-id`] = { type, name: `${type} (test)`, data };
      nodeCredentials[type] = { id: `${type}-id`, name: `${type} (test)` };
    }
    this.node = {
      id: 'trigger-node', name: 'Trigger', type: spec.type, typeVersion: latestVersion(nodeType), position: [0, 0],
      parameters: structuredClone(spec.parameters), credentials: nodeCredentials, webhookId: spec.webhookId ?? randomBytes(8).toString('hex'),
    };
    this.helper = new MapCredentialsHelper(pkg.credentialTypes, this.credentials);
  }

  private workflow(): Workflow {
    // n8n resolves the node's parameters (defaults included) when it loads a workflow.
    const nodeType = this.pkg.nodeTypes.getByNameAndVersion(this.node.type, this.node.typeVersion);
    const parameters = NodeHelpers.getNodeParameters(nodeType.description.properties, this.node.parameters, true, false, this.node, nodeType.description);
    const node = { ...this.node, parameters: parameters ?? {} };
    return new Workflow({
      id: this.spec.workflowId ?? 'harness-trigger-workflow', name: 'Trigger workflow', active: true, nodes: [node], connections: {},
      nodeTypes: this.pkg.nodeTypes, staticData: JSON.parse(JSON.stringify(this.staticData)) as IDataObject, settings: { executionOrder: 'v1' },
    });
  }

  private additionalData(extra: Partial<IWorkflowExecuteAdditionalData> = {}): IWorkflowExecuteAdditionalData {
    const webhookBaseUrl = this.spec.webhookBaseUrl ?? 'http://localhost:5678/webhook';
    return additionalDataFor(this.helper, undefined, { webhookBaseUrl, ...extra });
  }

  private webhookData(workflow: Workflow, additionalData: IWorkflowExecuteAdditionalData): IWebhookData {
    const nodeType = this.pkg.nodeTypes.getByNameAndVersion(this.node.type, this.node.typeVersion);
    const description = nodeType.description.webhooks?.[0];
    if (!description) throw new Error(`${this.node.type} has no webhook`);
    return {
      httpMethod: description.httpMethod as IWebhookData['httpMethod'], node: this.node.name, path: `${this.node.webhookId}/${String(description.path)}`,
      webhookDescription: description, workflowId: workflow.id, workflowExecuteAdditionalData: additionalData, webhookId: this.node.webhookId,
    };
  }

  /** Keeps what the node changed, as n8n saves static data after a hook or webhook call. */
  private persist(workflow: Workflow): void {
    // As n8n's saveStaticData: only a call that changed it writes it back (a concurrent call must not undo another's).
    if (!(workflow.staticData as IDataObject).__dataChanged) return;
    for (const key of Object.keys(this.staticData)) delete this.staticData[key];
    Object.assign(this.staticData, JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject);
  }

  /** The production webhook URL of the node, as `getNodeWebhookUrl('default')` gives it. */
  get webhookUrl(): string {
    const base = this.spec.webhookBaseUrl ?? 'http://localhost:5678/webhook';
    const nodeType = this.pkg.nodeTypes.getByNameAndVersion(this.node.type, this.node.typeVersion);
    return `${base}/${this.node.webhookId}/${String(nodeType.description.webhooks?.[0]?.path)}`;
  }

  /** Runs `webhookMethods.default[method]` in a HookContext (WebhookService.runWebhookMethod). */
  async hook(method: 'checkExists' | 'create' | 'delete', activation: WorkflowActivateMode = 'activate'): Promise<boolean | undefined> {
    const workflow = this.workflow();
    const node = workflow.getNode(this.node.name) as INode;
    const nodeType = this.pkg.nodeTypes.getByNameAndVersion(node.type, node.typeVersion) as INodeType;
    const fn = nodeType.webhookMethods?.default?.[method];
    if (!fn) throw new Error(`${node.type} has no webhookMethods.default.${method}`);
    const additionalData = this.additionalData();
    const context = new core.HookContext(workflow, node, additionalData, 'trigger', activation, this.webhookData(workflow, additionalData));
    const result = await fn.call(context);
    this.persist(workflow);
    return result;
  }

  /** Activation as WebhookService.createWebhookIfNotExists: create only when checkExists says it is missing. */
  async activate(): Promise<{ created: boolean }> {
    if (await this.hook('checkExists')) return { created: false };
    await this.hook('create');
    return { created: true };
  }

  async deactivate(): Promise<void> {
    await this.hook('delete');
  }

  /** How many times the node has read a credential of this type so far. */
  credentialReads(type: string): number {
    return this.helper.reads[type] ?? 0;
  }

  /** Calls the node's webhook() with a WebhookContext on a request/response pair (WebhookService.runWebhook). */
  async call(init: WebhookRequestInit): Promise<WebhookCallResult> {
    const workflow = this.workflow();
    const node = workflow.getNode(this.node.name) as INode;
    const nodeType = this.pkg.nodeTypes.getByNameAndVersion(node.type, node.typeVersion) as INodeType;
    const headers = lowerHeaders(init.headers);
    const rawBody = Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
    const contentType = String(headers['content-type'] ?? 'application/json');
    const req = {
      method: init.method ?? 'POST', headers, rawBody, body: parsedBody(rawBody, contentType), query: {}, params: {}, contentType,
      socket: { remoteAddress: init.remoteAddress ?? '127.0.0.1' }, readRawBody: async () => {},
    };
    const res = recordingResponse();
    const additionalData = this.additionalData({ httpRequest: req as never, httpResponse: res as never });
    const context = new core.WebhookContext(workflow, node, additionalData, 'webhook', this.webhookData(workflow, additionalData), [], null);
    if (!nodeType.webhook) throw new Error(`${node.type} has no webhook()`);
    const response = await nodeType.webhook.call(context);
    this.persist(workflow);
    if (response.noWebhookResponse) {
      let body: unknown = res.state.body;
      try { body = JSON.parse(res.state.body); } catch { /* not JSON */ }
      return { status: res.state.status, body, workflowData: response.workflowData, response };
    }
    if (response.workflowData === undefined) {
      return { status: 200, body: response.webhookResponse ?? { message: 'Webhook call received' }, response };
    }
    return { status: 200, body: { message: 'Workflow was started' }, workflowData: response.workflowData, response };
  }
}

/** A loopback HTTP server standing in for n8n's webhook endpoint: every request goes to the harness's node. */
export async function serveTrigger(makeHarness: (webhookBaseUrl: string) => TriggerHarness | Promise<TriggerHarness>) {
  const http = await import('node:http');
  const calls: WebhookCallResult[] = [];
  const current: { harness?: TriggerHarness } = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void current.harness!.call({ headers: req.headers, body: Buffer.concat(chunks), remoteAddress: req.socket.remoteAddress, method: req.method })
        .then((result) => {
          calls.push(result);
          res.writeHead(result.status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(result.body));
        }, (error: Error) => {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: error.message }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const harness = await makeHarness(`http://127.0.0.1:${port}/webhook`);
  current.harness = harness;
  return {
    harness, calls,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
