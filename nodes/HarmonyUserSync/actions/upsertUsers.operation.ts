import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { applyEvent } from '../../../core/sync/applyEvent';
import { toEventInput } from '../../../core/sync/eventInput';
import { runInIdentityOrder } from '../../../core/sync/ordering';
import { connectTarget } from '../transport/connect';
import { resultItems } from './syncResults';

export const sourceSiteProperty: INodeProperties = {
	displayName: 'Source Site URL',
	name: 'sourceSite',
	type: 'string',
	default: '',
	placeholder: 'https://blog.example.com',
	description:
		'Where the users come from, for items that do not say (items from Get Users carry their site). Used by the whitelist and the propagation path.',
	displayOptions: { show: { operation: ['upsertUsers', 'deleteUsers', 'reconcile'] } },
};

/** Manual sync: each input user (from Get Users, a form, or a sync event) is created or updated on this site. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const target = await connectTarget(this);
	const results = await runInIdentityOrder(
		items.map((item, index) => toEventInput(item.json, 'update', this.getNodeParameter('sourceSite', index, '') as string)),
		(event) => applyEvent(target, event, { upsert: true }),
	);
	return resultItems(this, results, (index) => index);
}
