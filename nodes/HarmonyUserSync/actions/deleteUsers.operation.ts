import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { applyEvent } from '../../../core/sync/applyEvent';
import { toEventInput } from '../../../core/sync/eventInput';
import { connectTargets } from '../transport/connect';
import { syncItems } from './syncTargets';

/** Deletes each input user on the target sites (found by sync id, email or login), giving their content to the heir. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	return syncItems(
		this,
		items.map((item, index) =>
			toEventInput(item.json, 'delete', this.getNodeParameter('sourceSite', index, '') as string),
		),
		await connectTargets(this),
		(target, event, fanOutSites) => applyEvent(target, event, { forceDelete: true, fanOutSites }),
	);
}
