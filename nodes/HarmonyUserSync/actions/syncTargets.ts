import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { fanOut } from '../../../core/network/fanOut';
import { runInIdentityOrder } from '../../../core/sync/ordering';
import type { SyncResult } from '../../../core/sync/result';
import type { TargetSite } from '../../../core/sync/target';
import type { SyncTargets } from '../transport/connect';
import { resultItems } from './syncResults';

/**
 * Runs a per-item write operation on its targets: the credential's site (one result per item), or a network (one
 * result per item × target site, each paired with its item). `fanOutSites`: all the item's targets, whose URLs
 * go into the path its writes carry.
 */
export async function syncItems(
	ctx: IExecuteFunctions,
	inputs: unknown[],
	targets: SyncTargets,
	apply: (target: TargetSite, input: unknown, fanOutSites: string[]) => Promise<SyncResult>,
): Promise<INodeExecutionData[]> {
	if (targets.kind === 'site') {
		const results = await runInIdentityOrder(inputs, (input) => apply(targets.target, input, []));
		return resultItems(ctx, results, (index) => index);
	}
	const pairs = await fanOut({ ...targets, inputs, apply });
	return resultItems(
		ctx,
		pairs.map((pair) => pair.result),
		(index) => pairs[index].item,
	);
}
