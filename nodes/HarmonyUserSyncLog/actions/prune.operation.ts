import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { SyncLogStore } from '../../../core/log/types';

export const description: INodeProperties[] = [
	{
		displayName: 'Retention (Days)',
		name: 'retentionDays',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30,
		description: 'Entries older than this are deleted',
		displayOptions: { show: { operation: ['write', 'prune'] } },
	},
];

/** Deletes the entries older than the retention now (Write also does it, at most once an hour). */
export async function execute(
	this: IExecuteFunctions,
	store: SyncLogStore,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let item = 0; item < this.getInputData().length; item++) {
		const retentionDays = this.getNodeParameter('retentionDays', item, 30) as number;
		const now = new Date();
		const deleted = await store.prune(retentionDays, now);
		const olderThan = new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000).toISOString();
		output.push({ json: { deleted, retentionDays, olderThan }, pairedItem: { item } });
	}
	return output;
}
