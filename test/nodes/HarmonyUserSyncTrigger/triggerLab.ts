/** Shared arrangements for the trigger node's tests: the package, a harness per workflow, credentials. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';
import type { Site } from '../../../lab/lab';
import { TriggerHarness } from '../../../lab/harness/engine';
import { credentialOf, syncPackage } from '../../../lab/harness/sync';

export const TRIGGER = 'n8n-nodes-harmonyuser-sync.harmonyUserSyncTrigger';
export const STATIC_KEY = 'node:Trigger';
const dedupeDir = mkdtempSync(path.join(tmpdir(), 'hus-trigger-'));
let files = 0;

/** A fresh SQLite dedupe file per harness, so tests never see each other's ids. */
export function freshDedupeFile(): string {
	files += 1;
	return path.join(dedupeDir, `seen-${files}.sqlite`);
}

export async function triggerHarness(
	site: Site,
	parameters: INodeParameters = {},
	extra: {
		webhookBaseUrl?: string;
		credentials?: Record<string, IDataObject>;
		workflowId?: string;
		webhookId?: string;
	} = {},
): Promise<TriggerHarness> {
	const options = {
		databasePath: freshDedupeFile(),
		...(parameters.options as IDataObject | undefined),
	};
	return new TriggerHarness(await syncPackage(), {
		type: TRIGGER,
		parameters: { source: 'bridge', ...parameters, options },
		credentials: { wordPressAppPasswordApi: credentialOf(site), ...extra.credentials },
		webhookBaseUrl: extra.webhookBaseUrl,
		workflowId: extra.workflowId,
		webhookId: extra.webhookId,
	});
}

export function nodeStatic(harness: TriggerHarness): IDataObject {
	return (harness.staticData[STATIC_KEY] ?? {}) as IDataObject;
}

/** One row of a WordPress Site Network credential (its password bound to its name, as the credential wants). */
export interface NetworkRow {
	name: string;
	url: string;
	username: string;
	applicationPassword: string;
	readOnly?: boolean;
	enabled?: boolean;
}

/** A lab site as a network row, named `Lab <n>` (a space: the delivery URL encodes it). */
export function networkRow(site: Site, extra: Partial<NetworkRow> = {}): NetworkRow {
	const name = extra.name ?? `Lab ${site.index + 1}`;
	return {
		name,
		url: site.url,
		username: site.admin.username,
		applicationPassword: `${name}: ${site.admin.appPassword}`,
		readOnly: false,
		enabled: true,
		...extra,
	};
}

/** The credential's data as n8n stores a fixedCollection of rows. */
export function networkCredential(rows: NetworkRow[]): ICredentialDataDecryptedObject {
	return { sites: { site: rows as unknown as IDataObject[] } };
}

/**
 * A trigger on a site network (Sites: Site Network, WordPress Site Network credential). The same `webhookId` gives
 * the same webhook URL: an edited workflow, or one whose credential changed, is a new harness with the old id and
 * a copy of the static data.
 */
export async function networkTriggerHarness(
	rows: NetworkRow[],
	parameters: INodeParameters = {},
	extra: { webhookBaseUrl?: string; webhookId?: string; staticData?: IDataObject } = {},
): Promise<TriggerHarness> {
	const options = {
		databasePath: freshDedupeFile(),
		...(parameters.options as IDataObject | undefined),
	};
	const harness = new TriggerHarness(await syncPackage(), {
		type: TRIGGER,
		parameters: { source: 'bridge', sites: 'network', ...parameters, options },
		credentials: { wordPressSiteNetworkApi: networkCredential(rows) },
		webhookBaseUrl: extra.webhookBaseUrl,
		webhookId: extra.webhookId,
	});
	if (extra.staticData) Object.assign(harness.staticData, structuredClone(extra.staticData));
	return harness;
}

/** The webhook id part of a harness's URL (…/webhook/<id>/webhook). */
export function webhookIdOf(harness: TriggerHarness): string {
	return harness.webhookUrl.split('/').slice(-2)[0];
}
