import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { applyEvent } from '../../../core/sync/applyEvent';
import { toEventInput } from '../../../core/sync/eventInput';
import { runInIdentityOrder } from '../../../core/sync/ordering';
import { connectTarget } from '../transport/connect';
import { resultItems } from './syncResults';

/** Deletes each input user on this site (found by sync id, email or login), giving their content to the heir. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const target = await connectTarget(this);
	const results = await runInIdentityOrder(
		items.map((item, index) => toEventInput(item.json, 'delete', this.getNodeParameter('sourceSite', index, '') as string)),
		(event) => applyEvent(target, event, { forceDelete: true }),
	);
	return resultItems(this, results, (index) => index);
}
