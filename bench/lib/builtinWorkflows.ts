/**
 * The two workflows bench/builtinNode.bench.ts compares in real n8n, each started by a Webhook that answers when the
 * run ends (responseMode lastNode), so one HTTP call times one execution:
 *   ours   — Webhook → HarmonyUser Sync "Get Users" on A → "Reconcile" into B (the package's defaults)
 *   theirs — what an n8n user builds from n8n's built-in WordPress node (n8n-nodes-base.wordpress 1):
 *            Webhook → Get Many users on A, and Get Many users on B → Edit Fields (B's id as b_id, plus username)
 *            → Merge (enrich A's users with B's by username) → IF b_id exists → Update user on B / Create user on B.
 * What the built-in node can and cannot do (n8n 2.41.1, read in its source):
 *   - Get Many returns username and email only with Options → Context "edit" (the default "view" has neither), and it
 *     pages 10 users a request (per_page is fixed at 10 for Return All), one page after the other.
 *   - Create and Update have no roles field: a created user gets B's default role (subscriber). The seeded users are
 *     subscribers, so the end state matches; a user with any other role could not be synced by it.
 *   - It cannot carry a password (WordPress only gives hashes): Create needs one, so the workflow generates one.
 *   - It works item by item, one request at a time; Update has no "only if different", so every matched user is written.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { Site } from '../../lab/lab';
import { PACKAGE_NAME, type WorkflowJson } from '../../lab/harness/n8n';

type Node = WorkflowJson['nodes'][number];
const credential = (type: string, id: string) => ({ [type]: { id, name: id } });
const link = (node: string, index = 0) => ({ node, type: 'main', index });

/** The built-in WordPress credential: an application password works as its password (Basic auth). */
export function builtinCredentialData(site: Site): Record<string, unknown> {
	return {
		url: site.url,
		username: site.admin.username,
		password: site.admin.appPassword,
		allowUnauthorizedCerts: false,
	};
}

function webhook(path: string): Node {
	return {
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [0, 0],
		webhookId: path,
		parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
	};
}

const node = (
	name: string,
	type: string,
	typeVersion: number,
	x: number,
	y: number,
	parameters: Record<string, unknown>,
	extra: Partial<Node> = {},
): Node => ({
	name,
	type,
	typeVersion,
	position: [x, y],
	parameters,
	...extra,
});

export function oursWorkflow(path: string, credentialA: string, credentialB: string): WorkflowJson {
	const sync = `${PACKAGE_NAME}.harmonyUserSync`;
	return {
		name: 'bench: ours (Get Users → Reconcile)',
		nodes: [
			webhook(path),
			node(
				'Get Site A users',
				sync,
				1,
				240,
				0,
				{ operation: 'getUsers', returnAll: true, filters: {} },
				{ credentials: credential('wordPressAppPasswordApi', credentialA) },
			),
			node(
				'Reconcile into Site B',
				sync,
				1,
				480,
				0,
				{ operation: 'reconcile', dryRun: false, deleteMissing: false, options: {} },
				{ credentials: credential('wordPressAppPasswordApi', credentialB) },
			),
		],
		connections: {
			Webhook: { main: [[link('Get Site A users')]] },
			'Get Site A users': { main: [[link('Reconcile into Site B')]] },
		},
	};
}

export function theirsWorkflow(
	path: string,
	credentialA: string,
	credentialB: string,
): WorkflowJson {
	const wp = (
		name: string,
		x: number,
		y: number,
		credentialId: string,
		parameters: Record<string, unknown>,
	) =>
		node(
			name,
			'n8n-nodes-base.wordpress',
			1,
			x,
			y,
			{ authType: 'basicAuth', resource: 'user', ...parameters },
			{ credentials: credential('wordpressApi', credentialId) },
		);
	const getMany = { operation: 'getAll', returnAll: true, options: { context: 'edit' } };
	const assignment = (name: string, value: string, type: string) => ({
		id: randomUUID(),
		name,
		value,
		type,
	});
	return {
		name: 'bench: theirs (built-in WordPress node: Get Many + Merge + IF + Create/Update)',
		nodes: [
			webhook(path),
			wp('Get Site A users', 240, -120, credentialA, getMany),
			wp('Get Site B users', 240, 120, credentialB, getMany),
			node('B id by username', 'n8n-nodes-base.set', 3.4, 480, 120, {
				mode: 'manual',
				assignments: {
					assignments: [
						assignment('username', '={{ $json.username }}', 'string'),
						assignment('b_id', '={{ $json.id }}', 'number'),
					],
				},
				includeOtherFields: false,
				options: {},
			}),
			node('Match by username', 'n8n-nodes-base.merge', 3.2, 720, 0, {
				mode: 'combine',
				combineBy: 'combineByFields',
				fieldsToMatchString: 'username',
				joinMode: 'enrichInput1',
				options: {},
			}),
			node('Exists on B?', 'n8n-nodes-base.if', 2.2, 960, 0, {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
					conditions: [
						{
							id: randomUUID(),
							leftValue: '={{ $json.b_id }}',
							rightValue: '',
							operator: { type: 'number', operation: 'exists', singleValue: true },
						},
					],
					combinator: 'and',
				},
				options: {},
			}),
			wp('Update user on B', 1200, -120, credentialB, {
				operation: 'update',
				userId: '={{ $json.b_id }}',
				updateFields: {
					name: '={{ $json.name }}',
					firstName: '={{ $json.first_name }}',
					lastName: '={{ $json.last_name }}',
					email: '={{ $json.email }}',
				},
			}),
			wp('Create user on B', 1200, 120, credentialB, {
				operation: 'create',
				username: '={{ $json.username }}',
				name: '={{ $json.name }}',
				firstName: '={{ $json.first_name }}',
				lastName: '={{ $json.last_name }}',
				email: '={{ $json.email }}',
				// The built-in node cannot carry a password: a generated one, as a user of it would do.
				password:
					"={{ 'Gen-' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2) }}",
				additionalFields: {},
			}),
		],
		connections: {
			Webhook: { main: [[link('Get Site A users'), link('Get Site B users')]] },
			'Get Site A users': { main: [[link('Match by username', 0)]] },
			'Get Site B users': { main: [[link('B id by username')]] },
			'B id by username': { main: [[link('Match by username', 1)]] },
			'Match by username': { main: [[link('Exists on B?')]] },
			'Exists on B?': { main: [[link('Update user on B')], [link('Create user on B')]] },
		},
	};
}

/**
 * POSTs to a production webhook and resolves when n8n answers (the run has ended). node:http rather than fetch:
 * fetch gives up after 300 s without response headers, and the built-in workflow may take longer than that.
 */
export function callWebhook(
	n8nUrl: string,
	path: string,
): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const req = request(
			`${n8nUrl}/webhook/${path}`,
			{ method: 'POST', headers: { 'Content-Type': 'application/json' } },
			(res) => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => (body += chunk));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		req.end('{}');
	});
}
