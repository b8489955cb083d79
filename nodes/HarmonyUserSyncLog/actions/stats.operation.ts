import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import type { SyncLogStore } from '../../../core/log/types';

export const description: INodeProperties[] = [
	{
		displayName: 'Window (Hours)',
		name: 'windowHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 24,
		description: 'Count the entries of the last this many hours',
		displayOptions: { show: { operation: ['stats'] } },
	},
];

/** Counts by status, target and source over the window: one item, for dashboards and alerts. */
export async function execute(
	this: IExecuteFunctions,
	store: SyncLogStore,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let item = 0; item < this.getInputData().length; item++) {
		const hours = this.getNodeParameter('windowHours', item, 24) as number;
		const stats = await store.stats(new Date(Date.now() - hours * 60 * 60 * 1000));
		output.push({
			json: { windowHours: hours, ...stats } as unknown as IDataObject,
			pairedItem: { item },
		});
	}
	return output;
}
