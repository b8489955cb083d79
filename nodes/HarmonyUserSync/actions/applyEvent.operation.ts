import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { applyEvent } from '../../../core/sync/applyEvent';
import { connectTargets } from '../transport/connect';
import { syncItems } from './syncTargets';

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

/** Each input item is a sync event (from a HarmonyUser trigger): applied to the credential's site or the network's. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const targets = await connectTargets(
		this,
		this.getNodeParameter('createOnUpdate', 0, false) as boolean,
	);
	return syncItems(
		this,
		items.map((item) => item.json),
		targets,
		(target, event, fanOutSites) => applyEvent(target, event, { fanOutSites }),
	);
}
