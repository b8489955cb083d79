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
			'Whether target users that match no input user are deleted (administrators only when Synced Roles names them). The input must then be the complete list of source users.',
		displayOptions: onReconcile,
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
