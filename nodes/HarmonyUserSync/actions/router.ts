import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import * as applyEvent from './applyEvent.operation';
import * as deleteUsers from './deleteUsers.operation';
import * as getUsers from './getUsers.operation';
import * as reconcile from './reconcile.operation';
import * as upsertUsers from './upsertUsers.operation';

const OPERATIONS: Record<string, (this: IExecuteFunctions) => Promise<INodeExecutionData[]>> = {
	applyEvent: applyEvent.execute,
	upsertUsers: upsertUsers.execute,
	deleteUsers: deleteUsers.execute,
	reconcile: reconcile.execute,
	getUsers: getUsers.execute,
};

/**
 * Runs the chosen operation. An error that stops the whole run (bad settings, unusable credential) becomes one
 * error item per input item with "On Error: Continue", so every item still yields a result.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[operation];
	if (!run)
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	try {
		return [await run.call(this)];
	} catch (error) {
		// NodeOperationError keeps an n8n error as it is and wraps anything else.
		if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), error as Error);
		const message = (error as Error).message;
		return [
			this.getInputData().map((_, item) => ({ json: { error: message }, pairedItem: { item } })),
		];
	}
}
