import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';
import { POLL_EVENT_KINDS, type PollEventKind } from '../../core/polling/events';
import { pollSite } from '../../core/polling/poll';
import { readPollState, writePollState } from '../../core/polling/state';
import { splitList } from '../../core/sync/config';
import { pollProperties } from './description';
import { connectPollClient } from './transport/connect';

export class HarmonyUserSyncPollTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HarmonyUser Sync Poll Trigger',
		name: 'harmonyUserSyncPollTrigger',
		icon: { light: 'file:harmonyUserSyncPollTrigger.svg', dark: 'file:harmonyUserSyncPollTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"every poll: " + $parameter["events"].join(", ")}}',
		description: 'Starts the workflow when WordPress users are created, updated or deleted (no plugin needed)',
		defaults: { name: 'HarmonyUser Sync Poll Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'wordPressAppPasswordApi', required: true }],
		properties: pollProperties,
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const client = await connectPollClient(this);
		const stored = this.getWorkflowStaticData('node');
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const kinds = (this.getNodeParameter('events', [...POLL_EVENT_KINDS]) as PollEventKind[]) ?? [];
		// n8n does not keep static data written by a manual run; not writing it says so plainly.
		const manual = this.getMode() === 'manual';
		try {
			const outcome = await pollSite(client, readPollState(stored, client.site), {
				kinds: new Set(kinds),
				roles: splitList(this.getNodeParameter('roles', '') as string),
				emitExisting: this.getNodeParameter('emitExisting', false) as boolean,
				forceScan: options.forceFullScan === true,
				manual,
			});
			if (outcome.state && !manual) writePollState(stored, outcome.state);
			if (outcome.events.length === 0) return null;
			return [this.helpers.returnJsonArray(outcome.events as unknown as IDataObject[])];
		} catch (error) {
			throw new NodeApiError(this.getNode(), { message: (error as Error).message } as JsonObject, {
				message: (error as Error).message,
			});
		}
	}
}
