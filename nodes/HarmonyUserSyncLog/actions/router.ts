import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { SyncLogStore } from '../../../core/log/types';
import { openStore } from '../transport/store';
import * as prune from './prune.operation';
import * as query from './query.operation';
import * as replayFailed from './replayFailed.operation';
import * as stats from './stats.operation';
import * as write from './write.operation';

type Operation = (this: IExecuteFunctions, store: SyncLogStore) => Promise<INodeExecutionData[]>;
const OPERATIONS: Record<string, Operation> = {
	write: write.execute,
	query: query.execute,
	prune: prune.execute,
	replayFailed: replayFailed.execute,
	stats: stats.execute,
};

/**
 * Opens the chosen store, runs the operation, closes the store. An error that stops the run (no database,
 * bad filter) becomes one error item per input item with "On Error: Continue".
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[operation];
	if (!run)
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	let store: SyncLogStore | undefined;
	try {
		store = await openStore(this);
		return [await run.call(this, store)];
	} catch (error) {
		if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), error as Error);
		const message = (error as Error).message;
		return [
			this.getInputData().map((_, item) => ({ json: { error: message }, pairedItem: { item } })),
		];
	} finally {
		await store?.close();
	}
}
