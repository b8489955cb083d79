/** Shared arrangements for the trigger node's tests: the package, a harness per workflow, credentials. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IDataObject, INodeParameters } from 'n8n-workflow';
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
	extra: { webhookBaseUrl?: string; credentials?: Record<string, IDataObject>; workflowId?: string; webhookId?: string } = {},
): Promise<TriggerHarness> {
	const options = { databasePath: freshDedupeFile(), ...(parameters.options as IDataObject | undefined) };
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
