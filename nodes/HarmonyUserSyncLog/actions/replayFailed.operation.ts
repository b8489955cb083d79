import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import type { SyncLogStore } from '../../../core/log/types';
import { replayPath } from '../../../core/network/fanOut';
import { toLogFilter } from '../description/filters';

export const description: INodeProperties[] = [
	{
		displayName: 'Include Already Replayed',
		name: 'includeReplayed',
		type: 'boolean',
		default: false,
		description: 'Whether failed entries an earlier replay already emitted are emitted again',
		displayOptions: { show: { operation: ['replayFailed'] } },
	},
];

/**
 * The stored events of failed entries, oldest first (a user's changes retry in their order), each with
 * `replayOf: <entry id>` for a User Sync node's Apply Event, and the target it failed on (`target`, the site's URL,
 * and `targetName` in a site network): one replay workflow serves a whole network, its User Sync node sending
 * each item to the site it names. The entries are marked replayed as they are emitted; writing the retry's result
 * links it to its original.
 */
export async function execute(
	this: IExecuteFunctions,
	store: SyncLogStore,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let item = 0; item < this.getInputData().length; item++) {
		const filter = toLogFilter(this.getNodeParameter('filters', item, {}) as IDataObject);
		const entries = await store.claimFailed(filter, {
			limit: this.getNodeParameter('limit', item, 50) as number,
			includeReplayed: this.getNodeParameter('includeReplayed', item, false) as boolean,
		});
		for (const entry of entries) {
			const targetName =
				typeof entry.meta.targetName === 'string' ? { targetName: entry.meta.targetName } : {};
			const event = entry.event
				? { ...entry.event, path: replayPath(entry.event.path, entry.meta.fanOut, entry.target) }
				: {};
			output.push({
				json: { ...event, replayOf: entry.id, target: entry.target, ...targetName } as IDataObject,
				pairedItem: { item },
			});
		}
	}
	return output;
}
