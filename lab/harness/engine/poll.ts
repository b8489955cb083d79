/**
 * Runs a poll the way an ACTIVE workflow does (n8n-core's PollContext in 'trigger' mode, as n8n's poll scheduler
 * builds it), so the node keeps its state. The shared harness runs triggers in 'manual' mode (the editor's test run).
 */
import { ICredentialsHelper, Workflow } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { core } from './core';
import type { LoadedPackage } from './package';

export const POLL_NODE = 'n8n-nodes-harmonyuser-sync.harmonyUserSyncPollTrigger';
export const NODE_NAME = 'Poll Trigger';
const CREDENTIAL = 'wordPressAppPasswordApi';

/** Hands out one credential's data; nothing else of the credentials helper is used by a poll. */
class OneCredential extends ICredentialsHelper {
	constructor(private readonly data: ICredentialDataDecryptedObject) {
		super();
	}
	getParentTypes(): string[] {
		return [];
	}
	isCredentialUsableByNode(): boolean {
		return true;
	}
	async authenticate(): Promise<never> {
		throw new Error('not used');
	}
	async preAuthentication(): Promise<undefined> {
		return undefined;
	}
	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}
	async getCredentials(): Promise<never> {
		throw new Error('not used');
	}
	async getDecrypted(): Promise<ICredentialDataDecryptedObject> {
		return structuredClone(this.data);
	}
	async updateCredentials(): Promise<void> {}
	async updateCredentialsOauthTokenData(): Promise<void> {}
	getCredentialsProperties(): [] {
		return [];
	}
}

export interface PollRun {
	items: INodeExecutionData[] | null;
	ms: number;
}

/** One production poll of the node with these parameters; `staticData` is the workflow's, carried between calls. */
export async function pollAsActive(
	pkg: LoadedPackage,
	parameters: IDataObject,
	credential: ICredentialDataDecryptedObject,
	staticData: IDataObject,
	credentialType = CREDENTIAL,
): Promise<PollRun> {
	const node: INode = {
		id: 'poll-node',
		name: NODE_NAME,
		type: POLL_NODE,
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: { [credentialType]: { id: 'cred', name: 'site' } },
	};
	const workflow = new Workflow({
		id: 'poll-workflow',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: pkg.nodeTypes,
		staticData,
	});
	const additionalData = {
		credentialsHelper: new OneCredential(credential),
		executionId: undefined,
		encryptedRunnerIdentity: undefined,
		variables: {},
		userId: 'test',
		restApiUrl: 'http://localhost/rest',
		instanceBaseUrl: 'http://localhost/',
		webhookBaseUrl: 'http://localhost/webhook',
		webhookWaitingBaseUrl: 'http://localhost/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost/webhook-test',
		currentNodeExecutionIndex: 0,
	} as unknown as IWorkflowExecuteAdditionalData;
	const context = new core.PollContext(workflow, node, additionalData, 'trigger', 'activate');
	const started = Date.now();
	const result = await new core.TriggersAndPollers().runPollFunction(workflow, node, context);
	const ms = Date.now() - started;
	// n8n's Workflow wraps static data in an observable copy: hand the node's part back to the caller's object.
	staticData[`node:${NODE_NAME}`] = JSON.parse(
		JSON.stringify(workflow.staticData[`node:${NODE_NAME}`] ?? {}),
	);
	return { items: result?.[0] ?? null, ms };
}
