import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { entryFromResult, entryFromUnknown, isSyncResult } from '../../../core/log/entry';
import type { NewLogEntry, SyncLogStore } from '../../../core/log/types';

const HOUR_MS = 60 * 60 * 1000;

export const description: INodeProperties[] = [
	{
		displayName: 'Prune Automatically',
		name: 'autoPrune',
		type: 'boolean',
		default: true,
		description:
			'Whether writing also deletes entries older than the retention (at most once an hour, across all n8n processes)',
		displayOptions: { show: { operation: ['write'] } },
	},
	{
		displayName: 'Options',
		name: 'writeOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { operation: ['write'] } },
		options: [
			{
				displayName: 'Store Unknown Items',
				name: 'storeUnknownItems',
				type: 'boolean',
				default: false,
				description:
					'Whether items that are not sync results are stored with status "unknown" instead of failing',
			},
		],
	},
];

/** Stores the User Sync results flowing through (one transaction) and passes every item on unchanged. */
export async function execute(
	this: IExecuteFunctions,
	store: SyncLogStore,
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const options = this.getNodeParameter('writeOptions', 0, {}) as IDataObject;
	const entries: NewLogEntry[] = [];
	const output = items.map((item, itemIndex): INodeExecutionData => {
		if (isSyncResult(item.json)) entries.push(entryFromResult(item.json));
		else if (options.storeUnknownItems === true) entries.push(entryFromUnknown(item.json));
		else {
			const error = new NodeOperationError(
				this.getNode(),
				`Item ${itemIndex} is not a HarmonyUser sync result`,
				{
					itemIndex,
					description:
						'Connect the output of a HarmonyUser Sync node, or turn on "Store Unknown Items".',
				},
			);
			if (!this.continueOnFail()) throw error;
			return { json: { error: error.message }, error, pairedItem: { item: itemIndex } };
		}
		return { json: item.json, binary: item.binary, pairedItem: { item: itemIndex } };
	});
	await store.write(entries);
	if (this.getNodeParameter('autoPrune', 0, true) === true) {
		await store.pruneIfDue(this.getNodeParameter('retentionDays', 0, 30) as number, HOUR_MS);
	}
	return output;
}
