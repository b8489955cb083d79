import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toEventInput } from '../../../core/sync/eventInput';
import { reconcile } from '../../../core/sync/reconcile';
import { connectTarget } from '../transport/connect';
import { resultItems } from './syncResults';

const onReconcile = { show: { operation: ['reconcile'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Delete Users Missing at the Source',
		name: 'deleteMissing',
		type: 'boolean',
		default: false,
		description:
			'Whether target users that match no input user are deleted: only accounts a sync linked or created, never protected ones. Nothing is deleted when an input item is invalid or empty. The input must be the complete list of source users.',
		displayOptions: onReconcile,
	},
	{
		displayName: 'Max Deletes (% of Target Users)',
		name: 'maxDeletePercent',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 100 },
		default: 10,
		description:
			'A run that would delete more than this share of the target’s users deletes nothing (each would-be delete is refused with reason delete_threshold): a broken source looks like a mass delete. Raise it for an intended cleanup.',
		displayOptions: { show: { operation: ['reconcile'], deleteMissing: [true] } },
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description: 'Whether to only return the plan (status "planned") without writing anything',
		displayOptions: onReconcile,
	},
];

/** All input items are the source's users: one scan of this site, then only the writes that differ. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const target = await connectTarget(this);
	const deleteMissing = this.getNodeParameter('deleteMissing', 0, false) as boolean;
	const dryRun = this.getNodeParameter('dryRun', 0, false) as boolean;
	if (deleteMissing && items.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Reconcile received no source users: refusing to delete every target user');
	}
	const inputs = items.map((item, index) => toEventInput(item.json, 'update', this.getNodeParameter('sourceSite', index, '') as string));
	const outcome = await reconcile(target, inputs, { deleteMissing, dryRun });
	const all = [...outcome.results, ...outcome.deletions].map((result) => ({ ...result, sharedRequests: outcome.sharedRequests }));
	// Deletions stem from the whole input, not one item: they pair with the first.
	return resultItems(this, all, (index) => (index < items.length ? index : 0));
}
