/**
 * Real n8n driven through its REST API like the editor does: the owner's login, credentials, workflows,
 * activation, webhooks and executions; plus example workflows made ready to create. RealN8n is the process
 * (./process.ts) with this API on top.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from '../wait';
import { ROOT } from './install';
import { N8nProcess } from './process';

export interface RestReply<T = unknown> {
	status: number;
	body: T;
}

/** n8n's REST answers wrap their payload in { data }. */
type Json = any;

export interface WorkflowJson {
	name: string;
	nodes: Array<Record<string, Json> & { name: string; type: string; webhookId?: string }>;
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
}

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: string;
	mode: string;
	startedAt: string;
	stoppedAt?: string;
}

export class RealN8n extends N8nProcess {
	private readonly browserId = randomUUID();
	private cookie = '';

	/** Starts n8n (./process.ts) and logs in as the owner. */
	override async start(): Promise<void> {
		await super.start();
		this.cookie = '';
		await this.login();
	}

	async login(): Promise<void> {
		const res = await fetch(`${this.url}/rest/login`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'browser-id': this.browserId },
			body: JSON.stringify({ emailOrLdapLoginId: this.ownerEmail, password: this.ownerSecret }),
		});
		if (res.status !== 200) throw new Error(`n8n login failed: ${res.status} ${await res.text()}`);
		const cookie = res.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
		if (!cookie) throw new Error('n8n login set no n8n-auth cookie');
		this.cookie = cookie.split(';')[0];
	}

	/** An authenticated call to n8n (REST or /types); JSON in and out. */
	async api<T = Json>(method: string, route: string, body?: unknown): Promise<RestReply<T>> {
		const res = await fetch(`${this.url}${route}`, {
			method,
			headers: {
				'Content-Type': 'application/json',
				'browser-id': this.browserId,
				Cookie: this.cookie,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON
		}
		return { status: res.status, body: parsed as T };
	}

	/** REST call that must succeed; returns the unwrapped `data`. */
	async rest<T = Json>(method: string, route: string, body?: unknown): Promise<T> {
		const reply = await this.api<{ data: T }>(method, `/rest${route}`, body);
		if (reply.status < 200 || reply.status >= 300) {
			throw new Error(
				`n8n ${method} /rest${route} → ${reply.status}: ${JSON.stringify(reply.body).slice(0, 500)}`,
			);
		}
		return reply.body.data;
	}

	async createCredential(
		name: string,
		type: string,
		data: Record<string, unknown>,
	): Promise<string> {
		const created = await this.rest<{ id: string }>('POST', '/credentials', { name, type, data });
		return created.id;
	}

	/** Replaces a credential's name, type and data (the editor's save of an existing credential). */
	async updateCredential(
		id: string,
		name: string,
		type: string,
		data: Record<string, unknown>,
	): Promise<void> {
		await this.rest('PATCH', `/credentials/${id}`, { name, type, data });
	}

	/** Creates the workflow (inactive); returns its id. */
	async createWorkflow(workflow: WorkflowJson): Promise<string> {
		const created = await this.rest<{ id: string }>('POST', '/workflows', {
			name: workflow.name,
			nodes: workflow.nodes,
			connections: workflow.connections,
			settings: workflow.settings ?? { executionOrder: 'v1' },
		});
		return created.id;
	}

	/** Activates (publishes) the workflow's current version; webhooks may answer 404 for a moment after. */
	async activate(workflowId: string): Promise<void> {
		const workflow = await this.rest<{ versionId: string }>('GET', `/workflows/${workflowId}`);
		await this.rest('POST', `/workflows/${workflowId}/activate`, { versionId: workflow.versionId });
	}

	async deactivate(workflowId: string): Promise<void> {
		await this.rest('POST', `/workflows/${workflowId}/deactivate`, {});
	}

	/** Posts an empty body to a production webhook until it stops answering 404 (registration is async). */
	async waitForWebhook(webhookPath: string, timeoutMs = 30_000): Promise<number> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const status = await fetch(`${this.url}/webhook/${webhookPath}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: '{}',
			}).then(
				(res) => res.status,
				() => 0,
			);
			if (status !== 404 && status !== 0) return status;
			if (Date.now() > deadline)
				throw new Error(`webhook ${webhookPath} still answers ${status} after ${timeoutMs} ms`);
			await sleep(200);
		}
	}

	async executions(workflowId?: string): Promise<ExecutionSummary[]> {
		const filter = workflowId
			? `?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100`
			: '?limit=100';
		const data = await this.rest<{ results: ExecutionSummary[] }>('GET', `/executions${filter}`);
		return data.results;
	}

	/** Runs the workflow now from the named trigger (a poll trigger polls once), like the editor's "Execute workflow". */
	async runFromTrigger(workflowId: string, triggerName: string): Promise<unknown> {
		return this.rest('POST', `/workflows/${workflowId}/run`, {
			triggerToStartFrom: { name: triggerName },
		});
	}
}

/** Production webhook path of a trigger node (n8n: <webhookId>/<path of the node's webhook>). */
export function webhookPathOf(
	workflow: WorkflowJson,
	nodeName: string,
	nodeWebhookPath = 'webhook',
): string {
	const node = workflow.nodes.find((candidate) => candidate.name === nodeName);
	if (!node?.webhookId) throw new Error(`node ${nodeName} has no webhookId`);
	return `${node.webhookId}/${nodeWebhookPath}`;
}

/**
 * An example workflow from examples/, ready to create: credential placeholders ({ id: <placeholder> }) replaced by
 * real credential ids, and fresh webhook ids (as the editor gives pasted nodes), so workflows never share a path.
 */
export function loadExample(file: string, credentialIds: Record<string, string>): WorkflowJson {
	const workflow = JSON.parse(
		readFileSync(path.join(ROOT, 'examples', file), 'utf8'),
	) as WorkflowJson;
	for (const node of workflow.nodes) {
		if (node.webhookId) node.webhookId = randomUUID();
		const credentials = (node.credentials ?? {}) as Record<string, { id: string; name: string }>;
		for (const reference of Object.values(credentials)) {
			const id = credentialIds[reference.id];
			if (!id) throw new Error(`${file}: no credential given for placeholder ${reference.id}`);
			reference.id = id;
		}
	}
	return workflow;
}
