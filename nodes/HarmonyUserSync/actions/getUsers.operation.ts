import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { splitList } from '../../../core/sync/config';
import { toUserRecord } from '../../../core/schemas/wpUser';
import { UsersApi } from '../../../core/wordpress/users';
import { connectClient } from '../transport/connect';

const onGet = { show: { operation: ['getUsers'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: true,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: onGet,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { operation: ['getUsers'], returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: onGet,
		options: [
			{
				displayName: 'Roles',
				name: 'roles',
				type: 'string',
				default: '',
				placeholder: 'subscriber, customer',
				description: 'Only users with one of these roles (comma-separated)',
			},
			{
				displayName: 'Search',
				name: 'search',
				type: 'string',
				default: '',
				description: 'Substring of login, email, URL or name (a term with @ searches emails only)',
			},
		],
	},
];

/** Reads the credential's site: users as sync-ready records carrying their site, for manual sync and reconcile. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const { client } = await connectClient(this);
	const users = new UsersApi(client);
	const out: INodeExecutionData[] = [];
	// Asked once, and only of a site whose users do not tell their own locale (no bridge).
	let siteLocale: Promise<string | undefined> | undefined;
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const returnAll = this.getNodeParameter('returnAll', itemIndex, true) as boolean;
		const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
		try {
			const found = await users.list({
				roles: splitList(filters.roles as string),
				search: (filters.search as string) || undefined,
				limit: returnAll ? undefined : (this.getNodeParameter('limit', itemIndex, 50) as number),
			});
			if (found.some((user) => user.harmonyuser_locale === undefined))
				siteLocale ??= users.siteLocale();
			const locale = siteLocale ? await siteLocale : undefined;
			for (const user of found) {
				out.push({
					json: toUserRecord(client.site, user, locale) as unknown as IDataObject,
					pairedItem: { item: itemIndex },
				});
			}
		} catch (error) {
			const apiError = new NodeApiError(
				this.getNode(),
				{ message: (error as Error).message } as JsonObject,
				{
					message: (error as Error).message,
					itemIndex,
				},
			);
			if (!this.continueOnFail()) throw apiError;
			out.push({
				json: { error: apiError.message },
				error: apiError,
				pairedItem: { item: itemIndex },
			});
		}
	}
	return out;
}
