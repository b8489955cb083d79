/**
 * The engine harness's credentials: n8n's CredentialsHelper over an in-memory store (what every run and trigger
 * call reads), and credential tests as n8n's CredentialsTester runs them (RoutingNode + `rules`).
 */
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	isExpression,
} from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentialsDecrypted,
	ICredentialsExpressionResolveValues,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { additionalDataFor, core } from './core';
import { nodeTypesOf, unknownType, type LoadedPackage } from './package';

/** n8n tests credentials on a temporary copy of the NoOp node. */
const NOOP_NODE_TYPE = 'n8n-nodes-base.noOp';

type Creds = ICredentialDataDecryptedObject;
export type StoredCredentials = Record<string, { type: string; name: string; data: Creds }>;

/** n8n's CredentialsHelper over an in-memory map `{ [credentialId]: { type, name, data } }`. */
export class MapCredentialsHelper extends ICredentialsHelper {
	/** Decrypted reads per credential type: n8n pays an isolate for each outside an execution. */
	readonly reads: Record<string, number> = {};
	constructor(
		private readonly types: Record<string, ICredentialType>,
		private readonly store: StoredCredentials,
	) {
		super();
	}
	private type(name: string): ICredentialType {
		return this.types[name] ?? unknownType(name);
	}
	getParentTypes(name: string): string[] {
		return (this.types[name]?.extends ?? []).flatMap((parent) => [
			parent,
			...this.getParentTypes(parent),
		]);
	}
	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		const type = this.types[credentialType];
		return !type?.restrictToSupportedNodes || (type.supportedNodes ?? []).includes(nodeType);
	}
	getCredentialsProperties(name: string): INodeProperties[] {
		const merged: INodeProperties[] = [];
		for (const parent of this.type(name).extends ?? [])
			NodeHelpers.mergeNodeProperties(merged, this.getCredentialsProperties(parent));
		NodeHelpers.mergeNodeProperties(merged, this.type(name).properties);
		return merged;
	}
	/** As n8n: the type's `authenticate` function, or its generic `authenticate` with `={{$credentials.x}}` resolved. */
	async authenticate(
		credentials: Creds,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.type(typeName);
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate?.type !== 'generic') return requestOptions;
		if (!workflow || !node)
			throw new Error('Workflow and node are required for declarative credential authentication');
		const resolve = (value: string) =>
			!isExpression(value)
				? value
				: String(
						workflow.expression.getSimpleParameterValue(
							node,
							value,
							'internal',
							{ $credentials: credentials },
							undefined,
							'',
						) || '',
					);
		requestOptions.headers ??= {};
		for (const [outerKey, values] of Object.entries(authenticate.properties)) {
			const target = ((requestOptions as unknown as IDataObject)[outerKey] ??= {}) as IDataObject;
			for (const [key, value] of Object.entries(values as IDataObject))
				target[resolve(key)] = resolve(value as string);
		}
		return requestOptions;
	}
	/** As n8n: refresh an empty/expired (or, in a credential test, any) expirable hidden property with `preAuthentication`. */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: Creds,
		typeName: string,
		node: INode,
		expired: boolean,
	) {
		const { properties, preAuthentication } = this.type(typeName);
		const expirable = properties.find(
			(p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
		)?.name;
		const testing = node?.parameters?.temp === '' && node?.type === NOOP_NODE_TYPE;
		if (
			!expirable ||
			typeof preAuthentication !== 'function' ||
			(credentials[expirable] !== '' && !expired && !testing)
		)
			return;
		const output = await preAuthentication.call(helpers, credentials);
		if (output[expirable] === undefined) return;
		const id = node.credentials?.[typeName]?.id;
		if (id && this.store[id]) Object.assign(this.store[id].data, output);
		return Object.assign(credentials, output);
	}
	async runPreAuthentication(helpers: IHttpRequestHelper, credentials: Creds, typeName: string) {
		const { preAuthentication } = this.type(typeName);
		return typeof preAuthentication === 'function'
			? ((await preAuthentication.call(helpers, credentials)) as Creds)
			: undefined;
	}
	private entry({ id }: INodeCredentialsDetails, type: string) {
		const entry = id ? this.store[id] : undefined;
		if (!entry || entry.type !== type)
			throw new Error(`Credential with ID "${id}" does not exist for type "${type}".`);
		return entry;
	}
	async getCredentials(details: INodeCredentialsDetails, type: string) {
		const credentials = new core.Credentials({ id: details.id, name: details.name }, type);
		await credentials.setData(this.entry(details, type).data);
		return credentials;
	}
	/** As n8n: stored data, plus the type's defaults, with expressions resolved when the engine gives a context. */
	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		details: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		_executeData?: unknown,
		raw?: boolean,
		resolveValues?: ICredentialsExpressionResolveValues,
	) {
		this.reads[type] = (this.reads[type] ?? 0) + 1;
		const stored = structuredClone(this.entry(details, type).data);
		return raw ? stored : this.applyDefaults(type, stored, mode, resolveValues);
	}
	applyDefaults(
		type: string,
		stored: Creds,
		mode: WorkflowExecuteMode = 'internal',
		resolveValues?: ICredentialsExpressionResolveValues,
	) {
		const data = NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			stored as never,
			true,
			false,
			null,
			null,
		) as Creds;
		if (stored.oauthTokenData !== undefined) data.oauthTokenData = stored.oauthTokenData;
		if (!resolveValues) return data;
		const { workflow, runExecutionData, runIndex, itemIndex, node, connectionInputData } =
			resolveValues;
		return workflow.expression.getParameterValue(
			data as never,
			runExecutionData,
			runIndex,
			itemIndex,
			node.name,
			connectionInputData,
			mode,
			{},
			undefined,
			false,
			data,
		) as Creds;
	}
	async updateCredentials(details: INodeCredentialsDetails, type: string, data: Creds) {
		this.entry(details, type).data = data;
	}
	async updateCredentialsOauthTokenData(
		details: INodeCredentialsDetails,
		type: string,
		data: Creds,
	) {
		this.entry(details, type).data.oauthTokenData = data.oauthTokenData;
	}
}

/** Tests credentials as n8n's CredentialsTester does for a credential type with a `test` request. */
export async function testCredential(
	pkg: LoadedPackage,
	credentialTypeName: string,
	data: Creds,
): Promise<{ status: 'OK' | 'Error'; message: string }> {
	const testRequest = pkg.credentialTypes[credentialTypeName]?.test;
	if (!testRequest)
		return { status: 'Error', message: 'No testing function found for this credential.' };
	const store: StoredCredentials = {
		'test-credential': { type: credentialTypeName, name: 'Test credential', data },
	};
	const helper = new MapCredentialsHelper(pkg.credentialTypes, store);
	const credentialsDecrypted: ICredentialsDecrypted = {
		id: 'test-credential',
		name: 'Test credential',
		type: credentialTypeName,
		data: helper.applyDefaults(credentialTypeName, data),
	};
	const nodeType: INodeType = {
		description: {
			displayName: 'No Operation, do nothing',
			name: NOOP_NODE_TYPE,
			group: ['organization'],
			version: 1,
			description: '',
			defaults: { name: 'No Operation, do nothing' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: credentialTypeName, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					default: '',
					routing: { request: testRequest.request },
				},
			],
		},
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: NOOP_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: {
			[credentialTypeName]: { id: credentialsDecrypted.id, name: credentialsDecrypted.name },
		},
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: nodeTypesOf({ [NOOP_NODE_TYPE]: nodeType }),
	});
	const context = new core.ExecuteContext(
		workflow,
		node,
		additionalDataFor(helper),
		'internal',
		{ resultData: { runData: {} } } as never,
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	let response: INodeExecutionData[][] | undefined;
	try {
		response = await new core.RoutingNode(context, nodeType, credentialsDecrypted).runNode();
	} catch (caught) {
		const error = caught as {
			message: string;
			cause?: { code?: string; response?: { status: number; statusText?: string } };
		};
		if (error.cause?.response) {
			const { status, statusText } = error.cause.response;
			for (const rule of testRequest.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === status)
					return { status: 'Error', message: rule.properties.message };
			}
			if (status < 199 || status > 299)
				return { status: 'Error', message: statusText || `Received HTTP status code: ${status}` };
		} else if (error.cause?.code) {
			return { status: 'Error', message: error.cause.code };
		}
		return { status: 'Error', message: String(error.message) };
	}
	for (const rule of testRequest.rules ?? []) {
		if (
			rule.type === 'responseSuccessBody' &&
			getPath(response![0][0].json, rule.properties.key) === rule.properties.value
		) {
			return { status: 'Error', message: rule.properties.message };
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}

/** lodash `get` for dotted/bracketed paths, as n8n uses on `responseSuccessBody` keys. */
function getPath(value: unknown, key: string): unknown {
	return key
		.replace(/\[(\w+)\]/g, '.$1')
		.split('.')
		.filter(Boolean)
		.reduce<unknown>((current, part) => (current as IDataObject | undefined)?.[part], value);
}
