import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { applyEvent } from '../../../core/sync/applyEvent';
import { runInIdentityOrder } from '../../../core/sync/ordering';
import { connectTarget } from '../transport/connect';
import { resultItems } from './syncResults';

export const description: INodeProperties[] = [
	{
		displayName: 'Create Missing Users on Update',
		name: 'createOnUpdate',
		type: 'boolean',
		default: false,
		description:
			'Whether an update for a user who does not exist on this site creates them. Off: such updates are skipped.',
		displayOptions: { show: { operation: ['applyEvent'] } },
	},
];

/** Each input item is a sync event (from a HarmonyUser trigger): applied to the credential's site. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const target = await connectTarget(this, this.getNodeParameter('createOnUpdate', 0, false) as boolean);
	const results = await runInIdentityOrder(
		items.map((item) => item.json),
		(event) => applyEvent(target, event),
	);
	return resultItems(this, results, (index) => index);
}
