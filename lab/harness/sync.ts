/** Runs the HarmonyUser Sync node in n8n's real engine against lab sites. */
import { randomUUID } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';
import type { LabAccount, Site } from '../lab';
import type { SyncResult } from '../../core/sync/result';
import type { SyncEventInput } from '../../core/schemas/syncEvent';
import {
	loadPackage,
	runNode,
	runWorkflow,
	TEST_ITEMS_NODE_TYPE,
	type LoadedPackage,
} from './engine';

export const SYNC_NODE = 'n8n-nodes-harmonyuser-sync.harmonyUserSync';

let loaded: Promise<LoadedPackage> | undefined;
export function syncPackage(): Promise<LoadedPackage> {
	loaded ??= loadPackage();
	return loaded;
}

export function credentialOf(
	site: Site,
	account: LabAccount = site.admin,
	extra: ICredentialDataDecryptedObject = {},
): ICredentialDataDecryptedObject {
	return {
		url: site.url,
		username: account.username,
		applicationPassword: account.appPassword,
		readOnly: false,
		...extra,
	};
}

/**
 * A WordPress Site Network credential over lab sites: each row named as given (default the site's name), with its
 * admin's application password bound to that name; `extra` rows (e.g. a site that is down) are appended.
 */
export function networkCredentialOf(
	sites: Array<Site | { site: Site; name?: string; readOnly?: boolean; enabled?: boolean }>,
	extra: IDataObject[] = [],
): ICredentialDataDecryptedObject {
	const rows = sites.map((entry) => {
		const {
			site,
			name = site.name,
			readOnly = false,
			enabled = true,
		} = 'site' in entry ? entry : { site: entry };
		return {
			name,
			url: site.url,
			username: site.admin.username,
			applicationPassword: `${name}: ${site.admin.appPassword}`,
			readOnly,
			enabled,
		};
	});
	return { sites: { site: [...rows, ...extra] } } as unknown as ICredentialDataDecryptedObject;
}

export interface SyncRun {
	site: Site;
	operation: 'applyEvent' | 'upsertUsers' | 'deleteUsers' | 'reconcile' | 'getUsers';
	input: IDataObject[];
	parameters?: INodeParameters;
	credential?: ICredentialDataDecryptedObject;
	/** A WordPress Site Network credential: the node then runs with Target "Site Network". */
	network?: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
}

/** Runs the node once; returns its output items' json (results, or users for getUsers) and the run's error. */
export async function runSync(
	run: SyncRun,
): Promise<{ results: SyncResult[]; json: IDataObject[]; error?: Error; pairedItems: unknown[] }> {
	const outcome = await runNode(await syncPackage(), {
		type: SYNC_NODE,
		parameters: {
			operation: run.operation,
			...(run.network ? { target: 'network' } : {}),
			...run.parameters,
		},
		credentials: run.network
			? { wordPressSiteNetworkApi: run.network }
			: { wordPressAppPasswordApi: run.credential ?? credentialOf(run.site) },
		input: run.input,
		continueOnFail: run.continueOnFail,
	});
	const json = outcome.items.map((item) => item.json);
	return {
		results: json as unknown as SyncResult[],
		json,
		error: outcome.error,
		pairedItems: outcome.items.map((item) => item.pairedItem),
	};
}

let counter = 0;
/** A login unique to this test run, so tests never see each other's users. */
export function uniqueLogin(prefix: string): string {
	counter += 1;
	return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${counter}`.toLowerCase();
}

export type EventOverrides = Omit<Partial<SyncEventInput>, 'user'> & {
	user?: Partial<SyncEventInput['user']>;
};

export function userEvent(
	source: Site,
	login: string,
	overrides: EventOverrides = {},
): IDataObject {
	const { user, ...rest } = overrides;
	return {
		id: randomUUID(),
		action: 'create',
		time: new Date().toISOString(),
		source: { url: source.url },
		path: [source.url],
		...rest,
		user: {
			login,
			email: `${login}@example.test`,
			firstName: 'Ada',
			lastName: 'Lovelace',
			displayName: 'Ada Lovelace',
			roles: ['subscriber'],
			...user,
		},
	} as unknown as IDataObject;
}

export interface ChainStep {
	site: Site;
	operation: SyncRun['operation'];
	parameters?: INodeParameters;
	credential?: ICredentialDataDecryptedObject;
}

/**
 * A workflow of sync nodes one after another (e.g. Get Users on A → Reconcile into B), each with its own site
 * credential, run once in n8n's engine. Returns each step's output json, in step order.
 */
export async function runChain(
	steps: ChainStep[],
): Promise<{ outputs: IDataObject[][]; error?: Error }> {
	const names = steps.map((step, i) => `${i + 1}. ${step.operation} ${step.site.name}`);
	const credentials = Object.fromEntries(
		steps.map((step, i) => [
			`cred-${i}`,
			{
				type: 'wordPressAppPasswordApi',
				name: names[i],
				data: step.credential ?? credentialOf(step.site),
			},
		]),
	);
	const nodes = [
		{
			name: 'Start',
			type: TEST_ITEMS_NODE_TYPE,
			parameters: { items: JSON.stringify([{ json: {} }]) },
		},
		...steps.map((step, i) => ({
			name: names[i],
			type: SYNC_NODE,
			parameters: { operation: step.operation, ...step.parameters },
			credentials: { wordPressAppPasswordApi: { id: `cred-${i}`, name: names[i] } },
		})),
	];
	const order = ['Start', ...names];
	const connections = Object.fromEntries(
		order
			.slice(0, -1)
			.map((name, i) => [
				name,
				{ main: [[{ node: order[i + 1], type: 'main' as const, index: 0 }]] },
			]),
	);
	const run = await runWorkflow(await syncPackage(), { nodes, connections, credentials });
	const runData = run.data.resultData.runData;
	return {
		outputs: names.map((name) =>
			(runData[name]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json),
		),
		error: run.data.resultData.error,
	};
}
