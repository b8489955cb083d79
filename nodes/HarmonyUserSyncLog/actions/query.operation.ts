import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import type { SyncLogStore } from '../../../core/log/types';
import { toLogFilter } from '../description/filters';

const show = { show: { operation: ['query'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { operation: ['query', 'replayFailed'] } },
	},
	{
		displayName: 'Offset',
		name: 'offset',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		displayOptions: show,
	},
	{
		displayName: 'Cursor',
		name: 'cursor',
		type: 'string',
		default: '',
		description:
			'The nextCursor of a previous page: continues after it (the offset is then ignored)',
		displayOptions: show,
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		default: 'entries',
		options: [
			{ name: 'Entries', value: 'entries', description: 'One item per log entry, newest first' },
			{
				name: 'Page',
				value: 'page',
				description: 'One item with the entries and the next page’s cursor',
			},
		],
		displayOptions: show,
	},
];

/** Log entries matching the filters, newest first, one page per input item. */
export async function execute(
	this: IExecuteFunctions,
	store: SyncLogStore,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let item = 0; item < this.getInputData().length; item++) {
		const filter = toLogFilter(this.getNodeParameter('filters', item, {}) as IDataObject);
		const page = {
			limit: this.getNodeParameter('limit', item, 50) as number,
			offset: this.getNodeParameter('offset', item, 0) as number,
			cursor: (this.getNodeParameter('cursor', item, '') as string).trim() || undefined,
		};
		const result = await store.query(filter, page);
		if (this.getNodeParameter('output', item, 'entries') === 'page') {
			const json = {
				entries: result.entries,
				count: result.entries.length,
				nextCursor: result.nextCursor,
			};
			output.push({ json: json as unknown as IDataObject, pairedItem: { item } });
		} else {
			output.push(
				...result.entries.map((entry) => ({
					json: entry as unknown as IDataObject,
					pairedItem: { item },
				})),
			);
		}
	}
	return output;
}
