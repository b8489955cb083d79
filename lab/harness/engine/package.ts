/**
 * The engine harness's first job: loading a node package from its BUILT files with n8n-core's
 * PackageDirectoryLoader, as n8n loads community packages (default: this repository, which needs `dist/`).
 */
import path from 'node:path';
import { NodeConnectionTypes, NodeHelpers, jsonParse } from 'n8n-workflow';
import type {
	ICredentialType,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	IVersionedNodeType,
} from 'n8n-workflow';
import { core } from './core';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Test-only source node: emits the items given in its `items` parameter (JSON), each paired to its one input item. */
export const TEST_ITEMS_NODE_TYPE = 'n8n-nodes-harness.testItems';

class TestItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Items',
		name: TEST_ITEMS_NODE_TYPE,
		group: ['input'],
		version: 1,
		description: 'Emits test items',
		defaults: { name: 'Test Items' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
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

export function nodeTypesOf(types: Record<string, INodeType | IVersionedNodeType>): INodeTypes {
	return {
		getByName: (name) => types[name] ?? unknownType(name),
		getByNameAndVersion: (name, version) =>
			NodeHelpers.getVersionedNodeType(types[name] ?? unknownType(name), version),
		getKnownTypes: () => Object.fromEntries(Object.keys(types).map((name) => [name, {}])),
	};
}
export function unknownType(name: string): never {
	throw new Error(`Unrecognized node type: ${name}`);
}

/** Loads every node and credential of the package.json `n8n` section, with n8n's names. Default: this repo (needs `dist/`). */
export async function loadPackage(dir: string = REPO_ROOT): Promise<LoadedPackage> {
	const loader = new core.PackageDirectoryLoader(dir);
	await loader.loadAll().catch((error: Error) => {
		throw new Error(
			`Cannot load the n8n package in ${dir} (is it built? \`npm run build\`): ${error.message}`,
			{ cause: error },
		);
	});
	const types: Record<string, INodeType | IVersionedNodeType> = {
		[TEST_ITEMS_NODE_TYPE]: new TestItems(),
	};
	for (const [name, { type }] of Object.entries(loader.nodeTypes))
		types[`${loader.packageName}.${name}`] = type;
	const credentialTypes: Record<string, ICredentialType> = {};
	for (const [name, { type }] of Object.entries(loader.credentialTypes)) {
		credentialTypes[name] = type;
		type.supportedNodes = (type.supportedNodes ?? []).map(
			(node) => `${loader.packageName}.${node}`,
		);
	}
	const nodeTypeNames = Object.keys(types).filter((name) => name !== TEST_ITEMS_NODE_TYPE);
	return {
		name: loader.packageName,
		directory: loader.directory,
		nodeTypes: nodeTypesOf(types),
		nodeTypeNames,
		credentialTypes,
	};
}

/** The newest version of a node type (what the editor gives a new node). */
export function latestVersion(type: INodeType | IVersionedNodeType): number {
	if ('nodeVersions' in type) return type.currentVersion;
	const { version } = type.description;
	return Array.isArray(version) ? Math.max(...version) : version;
}
