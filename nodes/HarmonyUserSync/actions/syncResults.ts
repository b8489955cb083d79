import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import type { SyncResult } from '../../../core/sync/result';

/**
 * One output item per result, paired with its input item. A failed sync is a result like any other unless
 * "Stop on Failed Sync" is on; then it throws (or becomes an error item with continueOnFail).
 */
export function resultItems(
	ctx: IExecuteFunctions,
	results: SyncResult[],
	pairedTo: (index: number) => number,
): INodeExecutionData[] {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return results.map((result, index) => {
		const itemIndex = pairedTo(index);
		const json = result as unknown as IDataObject;
		if (result.status === 'failed' && options.stopOnFailure === true) {
			const error = new NodeApiError(
				ctx.getNode(),
				(result.error ?? { message: result.message }) as JsonObject,
				{
					message: result.message,
					itemIndex,
				},
			);
			if (!ctx.continueOnFail()) throw error;
			return { json, error, pairedItem: { item: itemIndex } };
		}
		return { json, pairedItem: { item: itemIndex } };
	});
}
