/**
 * The engine harness's webhook triggers: the activation lifecycle (checkExists/create/delete) through n8n-core's
 * HookContext, as the cli's ActiveWorkflowManager/WebhookService call it, and webhook() through n8n-core's
 * WebhookContext, as the cli's webhook helpers call it, on a node:http-like request object.
 */
import { randomBytes } from 'node:crypto';
import { NodeHelpers, Workflow } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeType,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowActivateMode,
} from 'n8n-workflow';
import { additionalDataFor, core, n8nLogger } from './core';
import { MapCredentialsHelper, type StoredCredentials } from './credentials';
import { latestVersion, type LoadedPackage } from './package';

export interface WebhookRequestInit {
	headers?: Record<string, string | string[] | undefined>;
	/** The raw body as sent (n8n keeps it as `req.rawBody` beside the parsed body). */
	body: Buffer | string;
	remoteAddress?: string;
	method?: string;
	/** The URL's query, as express parses it into `req.query` (what `getQueryData()` returns). */
	query?: Record<string, string | string[]>;
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
function lowerHeaders(
	headers: WebhookRequestInit['headers'] = {},
): Record<string, string | string[] | undefined> {
	return Object.fromEntries(
		Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
	);
}

/** The parsed body as n8n's body parser would leave it (JSON or form); `{}` when it cannot be parsed. */
function parsedBody(raw: Buffer, contentType: string): IDataObject {
	const text = raw.toString('utf8');
	try {
		if (contentType.includes('x-www-form-urlencoded'))
			return Object.fromEntries(new URLSearchParams(text));
		const value = JSON.parse(text) as unknown;
		return typeof value === 'object' && value !== null ? (value as IDataObject) : {};
	} catch {
		return {};
	}
}

/** A response object recording what the node wrote (the express methods nodes use, on node:http's writeHead/end). */
function recordingResponse() {
	const state: { status: number; headers: Record<string, string>; body: string; ended: boolean } = {
		status: 200,
		headers: {},
		body: '',
		ended: false,
	};
	const res = {
		state,
		get headersSent() {
			return state.ended;
		},
		writeHead(status: number, headers: Record<string, string> = {}) {
			state.status = status;
			Object.assign(state.headers, headers);
			return res;
		},
		setHeader(name: string, value: string) {
			state.headers[name.toLowerCase()] = value;
			return res;
		},
		status(code: number) {
			state.status = code;
			return res;
		},
		json(body: unknown) {
			state.body = JSON.stringify(body);
			state.ended = true;
			return res;
		},
		send(body: unknown) {
			state.body = typeof body === 'string' ? body : JSON.stringify(body);
			state.ended = true;
			return res;
		},
		end(chunk?: string | Buffer) {
			if (chunk !== undefined) state.body += chunk.toString();
			state.ended = true;
			return res;
		},
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

	constructor(
		private readonly pkg: LoadedPackage,
		private readonly spec: TriggerSpec,
	) {
		const nodeType = pkg.nodeTypes.getByName(spec.type);
		const nodeCredentials: INode['credentials'] = {};
		for (const [type, data] of Object.entries(spec.credentials ?? {})) {
			this.credentials[`${type}-id`] = { type, name: `${type} (test)`, data };
			nodeCredentials[type] = { id: `${type}-id`, name: `${type} (test)` };
		}
		this.node = {
			id: 'trigger-node',
			name: 'Trigger',
			type: spec.type,
			typeVersion: latestVersion(nodeType),
			position: [0, 0],
			parameters: structuredClone(spec.parameters),
			credentials: nodeCredentials,
			webhookId: spec.webhookId ?? randomBytes(8).toString('hex'),
		};
		this.helper = new MapCredentialsHelper(pkg.credentialTypes, this.credentials);
	}

	private workflow(): Workflow {
		// n8n resolves the node's parameters (defaults included) when it loads a workflow.
		const nodeType = this.pkg.nodeTypes.getByNameAndVersion(this.node.type, this.node.typeVersion);
		const parameters = NodeHelpers.getNodeParameters(
			nodeType.description.properties,
			this.node.parameters,
			true,
			false,
			this.node,
			nodeType.description,
		);
		const node = { ...this.node, parameters: parameters ?? {} };
		return new Workflow({
			id: this.spec.workflowId ?? 'harness-trigger-workflow',
			name: 'Trigger workflow',
			active: true,
			nodes: [node],
			connections: {},
			nodeTypes: this.pkg.nodeTypes,
			staticData: JSON.parse(JSON.stringify(this.staticData)) as IDataObject,
			settings: { executionOrder: 'v1' },
		});
	}

	private additionalData(
		extra: Partial<IWorkflowExecuteAdditionalData> = {},
	): IWorkflowExecuteAdditionalData {
		const webhookBaseUrl = this.spec.webhookBaseUrl ?? 'http://localhost:5678/webhook';
		return additionalDataFor(this.helper, undefined, { webhookBaseUrl, ...extra });
	}

	private webhookData(
		workflow: Workflow,
		additionalData: IWorkflowExecuteAdditionalData,
	): IWebhookData {
		const nodeType = this.pkg.nodeTypes.getByNameAndVersion(this.node.type, this.node.typeVersion);
		const description = nodeType.description.webhooks?.[0];
		if (!description) throw new Error(`${this.node.type} has no webhook`);
		return {
			httpMethod: description.httpMethod as IWebhookData['httpMethod'],
			node: this.node.name,
			path: `${this.node.webhookId}/${String(description.path)}`,
			webhookDescription: description,
			workflowId: workflow.id,
			workflowExecuteAdditionalData: additionalData,
			webhookId: this.node.webhookId,
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
	async hook(
		method: 'checkExists' | 'create' | 'delete',
		activation: WorkflowActivateMode = 'activate',
	): Promise<boolean | undefined> {
		const workflow = this.workflow();
		const node = workflow.getNode(this.node.name) as INode;
		const nodeType = this.pkg.nodeTypes.getByNameAndVersion(
			node.type,
			node.typeVersion,
		) as INodeType;
		const fn = nodeType.webhookMethods?.default?.[method];
		if (!fn) throw new Error(`${node.type} has no webhookMethods.default.${method}`);
		const additionalData = this.additionalData();
		const context = new core.HookContext(
			workflow,
			node,
			additionalData,
			'trigger',
			activation,
			this.webhookData(workflow, additionalData),
		);
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
		const nodeType = this.pkg.nodeTypes.getByNameAndVersion(
			node.type,
			node.typeVersion,
		) as INodeType;
		const headers = lowerHeaders(init.headers);
		const rawBody = Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
		const contentType = String(headers['content-type'] ?? 'application/json');
		const req = {
			method: init.method ?? 'POST',
			headers,
			rawBody,
			body: parsedBody(rawBody, contentType),
			query: init.query ?? {},
			params: {},
			contentType,
			socket: { remoteAddress: init.remoteAddress ?? '127.0.0.1' },
			readRawBody: async () => {},
		};
		const res = recordingResponse();
		const additionalData = this.additionalData({
			httpRequest: req as never,
			httpResponse: res as never,
		});
		const context = new core.WebhookContext(
			workflow,
			node,
			additionalData,
			'webhook',
			this.webhookData(workflow, additionalData),
			[],
			null,
		);
		if (!nodeType.webhook) throw new Error(`${node.type} has no webhook()`);
		const response = await nodeType.webhook.call(context);
		this.persist(workflow);
		if (response.noWebhookResponse) {
			let body: unknown = res.state.body;
			try {
				body = JSON.parse(res.state.body);
			} catch {
				/* not JSON */
			}
			return { status: res.state.status, body, workflowData: response.workflowData, response };
		}
		if (response.workflowData === undefined) {
			return {
				status: 200,
				body: response.webhookResponse ?? { message: 'Webhook call received' },
				response,
			};
		}
		return {
			status: 200,
			body: { message: 'Workflow was started' },
			workflowData: response.workflowData,
			response,
		};
	}
}

/** Records the warnings nodes log through `this.logger` (n8n's Logger; silent in tests) until `stop()`. */
export function recordWarnings(): { messages: string[]; stop: () => void } {
	const logger = n8nLogger();
	const original = logger.warn;
	const messages: string[] = [];
	logger.warn = (message: string, metadata?: object) => {
		messages.push(String(message));
		original.call(logger, message, metadata);
	};
	return {
		messages,
		stop: () => {
			logger.warn = original;
		},
	};
}

/** A request URL's query as express's parser gives simple ones: a repeated name becomes a list. */
function queryOf(url = ''): Record<string, string | string[]> {
	const query: Record<string, string | string[]> = {};
	for (const [name, value] of new URL(url, 'http://localhost').searchParams) {
		const known = query[name];
		query[name] =
			known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
	}
	return query;
}

/** A loopback HTTP server standing in for n8n's webhook endpoint: every request goes to the harness's node. */
export async function serveTrigger(
	makeHarness: (webhookBaseUrl: string) => TriggerHarness | Promise<TriggerHarness>,
) {
	const http = await import('node:http');
	const calls: WebhookCallResult[] = [];
	const current: { harness?: TriggerHarness } = {};
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const query = queryOf(req.url);
			void current
				.harness!.call({
					headers: req.headers,
					body: Buffer.concat(chunks),
					remoteAddress: req.socket.remoteAddress,
					method: req.method,
					query,
				})
				.then(
					(result) => {
						calls.push(result);
						res.writeHead(result.status, { 'Content-Type': 'application/json' });
						res.end(JSON.stringify(result.body));
					},
					(error: Error) => {
						res.writeHead(500, { 'Content-Type': 'application/json' });
						res.end(JSON.stringify({ error: error.message }));
					},
				);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	const harness = await makeHarness(`http://127.0.0.1:${port}/webhook`);
	current.harness = harness;
	return {
		harness,
		calls,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
