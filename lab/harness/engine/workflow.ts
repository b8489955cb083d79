/**
 * The engine harness's runs: workflows through n8n-core's WorkflowExecute (a manual execution), and one node fed by
 * a "Test Items" node, with the package loaded by ./package and credentials from ./credentials.
 */
import { Workflow } from 'n8n-workflow';
import type {
	ExecutionError,
	ICredentialDataDecryptedObject,
	IConnections,
	IDataObject,
	INode,
	INodeExecutionData,
	IRun,
	IWorkflowBase,
} from 'n8n-workflow';
import { additionalDataFor, core } from './core';
import { MapCredentialsHelper, type StoredCredentials } from './credentials';
import { latestVersion, TEST_ITEMS_NODE_TYPE, type LoadedPackage } from './package';

export type WorkflowNode = Omit<INode, 'id' | 'position' | 'typeVersion'> &
	Partial<Pick<INode, 'id' | 'position' | 'typeVersion'>>;
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
		id: `node-${index}`,
		position: [index * 200, 0],
		...node,
		typeVersion: node.typeVersion ?? latestVersion(pkg.nodeTypes.getByName(node.type)),
		parameters: structuredClone(node.parameters),
	}));
	const workflowData = {
		id: 'harness-workflow',
		name: 'Harness workflow',
		active: false,
		nodes,
		connections: spec.connections,
		settings: { executionOrder: 'v1' as const },
		staticData: spec.staticData ?? {},
	};
	const workflow = new Workflow({ ...workflowData, nodeTypes: pkg.nodeTypes });
	const startNode =
		workflow.getNode(spec.startNode ?? '') ??
		workflow.getStartNode() ??
		nodes.find((node) => !node.disabled && workflow.getParentNodes(node.name).length === 0);
	const hooks = new core.ExecutionLifecycleHooks(
		'manual',
		'harness-execution',
		workflowData as unknown as IWorkflowBase,
	);
	const helper = new MapCredentialsHelper(pkg.credentialTypes, spec.credentials ?? {});
	return await new core.WorkflowExecute(additionalDataFor(helper, hooks), 'manual').run({
		workflow,
		startNode,
	});
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
	pkg: LoadedPackage,
	options: RunNodeOptions,
): Promise<{ items: INodeExecutionData[]; error?: ExecutionError; run: IRun }> {
	const items = (options.input as Array<IDataObject | INodeExecutionData>).map((item) =>
		isExecutionData(item) ? item : { json: item },
	);
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
			{
				name: 'Test Items',
				type: TEST_ITEMS_NODE_TYPE,
				parameters: { items: JSON.stringify(items) },
			},
			{
				name,
				type: options.type,
				typeVersion: options.typeVersion,
				parameters: options.parameters,
				credentials: nodeCredentials,
				...(options.continueOnFail && { onError: 'continueRegularOutput' as const }),
			},
		],
		connections: { 'Test Items': { main: [[{ node: name, type: 'main', index: 0 }]] } },
		credentials,
		staticData: options.staticData,
	});
	const output = run.data.resultData.runData[name]?.[0]?.data?.main?.[0] ?? [];
	return { items: output, error: run.data.resultData.error, run };
}

function isExecutionData(item: IDataObject | INodeExecutionData): item is INodeExecutionData {
	return typeof item.json === 'object' && item.json !== null && !Array.isArray(item.json);
}
