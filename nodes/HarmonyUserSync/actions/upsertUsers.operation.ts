import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { applyEvent } from '../../../core/sync/applyEvent';
import { toEventInput } from '../../../core/sync/eventInput';
import { connectTargets } from '../transport/connect';
import { syncItems } from './syncTargets';

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

/** Manual sync: each input user (from Get Users, a form, or a sync event) is created or updated on the target sites. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	return syncItems(
		this,
		items.map((item, index) =>
			toEventInput(item.json, 'update', this.getNodeParameter('sourceSite', index, '') as string),
		),
		await connectTargets(this),
		(target, event, fanOutSites) => applyEvent(target, event, { upsert: true, fanOutSites }),
	);
}
