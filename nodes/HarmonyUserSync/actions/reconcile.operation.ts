import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import pLimit from 'p-limit';
import { isChangeOrFailure, notSent, reconcileTargets } from '../../../core/network/fanOut';
import { toEventInput } from '../../../core/sync/eventInput';
import { reconcile, type ReconcileOptions } from '../../../core/sync/reconcile';
import type { SyncResult } from '../../../core/sync/result';
import { WordPressApiError } from '../../../core/wordpress/errors';
import { connectTargets, type SyncTargets } from '../transport/connect';
import { resultItems } from './syncResults';

const onReconcile = { show: { operation: ['reconcile'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Delete Users Missing at the Source',
		name: 'deleteMissing',
		type: 'boolean',
		default: false,
		description:
			'Whether target users that match no input user are deleted: only accounts a sync linked or created, never protected ones. Nothing is deleted when an input item is invalid or empty. The input must be the complete list of source users.',
		displayOptions: onReconcile,
	},
	{
		displayName: 'Max Deletes (% of Target Users)',
		name: 'maxDeletePercent',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 100 },
		default: 10,
		description:
			'A run that would delete more than this share of the target’s users deletes nothing (each would-be delete is refused with reason delete_threshold): a broken source looks like a mass delete. Raise it for an intended cleanup.',
		displayOptions: { show: { operation: ['reconcile'], deleteMissing: [true] } },
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description: 'Whether to only return the plan (status "planned") without writing anything',
		displayOptions: onReconcile,
	},
	{
		displayName: 'Output',
		name: 'reconcileOutput',
		type: 'options',
		default: 'all',
		options: [
			{
				name: 'All Results',
				value: 'all',
				description: 'One result per source user and target site',
			},
			{
				name: 'Changes and Failures Only',
				value: 'changes',
				description:
					'Only what was (or, in a dry run, would be) written, refused or failed: 10,000 users × 49 sites would otherwise be half a million items',
			},
		],
		displayOptions: onReconcile,
	},
];

/** A result paired with the input item it answers (deletions stem from the whole input: they pair with the first). */
type Paired = { result: SyncResult; item: number };

async function reconcileOne(
	target: Parameters<typeof reconcile>[0],
	inputs: unknown[],
	options: ReconcileOptions,
	targetName?: string,
): Promise<Paired[]> {
	const outcome = await reconcile(target, inputs, options);
	const named = (result: SyncResult) => ({
		...result,
		...(targetName ? { targetName } : {}),
		sharedRequests: outcome.sharedRequests,
	});
	return [
		...outcome.results.map((result, item) => ({ result: named(result), item })),
		...outcome.deletions.map((result) => ({ result: named(result), item: 0 })),
	];
}

/**
 * A network: the source is read once (the input), each target scanned and diffed once, sites in parallel
 * (bounded). A site whose scan fails fails only its own pairs.
 */
async function reconcileNetwork(
	targets: Extract<SyncTargets, { kind: 'network' }>,
	inputs: unknown[],
	options: ReconcileOptions,
): Promise<Paired[]> {
	const selected = reconcileTargets(targets.network, targets.selection(0), inputs);
	const urls = selected.sites.map((site) => site.url);
	const limit = pLimit(Math.max(1, targets.parallel));
	const perSite = await Promise.all(
		selected.sites.map((site) =>
			limit(() =>
				reconcileOne(
					targets.targetFor(site),
					inputs,
					{ ...options, fanOutSites: urls },
					site.name,
				).catch((error: unknown) => {
					if (!(error instanceof WordPressApiError)) return Promise.reject(error);
					return inputs.map((input, item) => ({
						result: notSent(
							input,
							site.url,
							site.name,
							'failed',
							'wordpress_error',
							`${site.name}: ${error.message}`,
						),
						item,
					}));
				}),
			),
		),
	);
	const refused = [
		...selected.disabled.map((site) =>
			notSent(inputs[0], site.url, site.name, 'rejected', 'site_disabled'),
		),
		...selected.unknown.map((name) =>
			notSent(inputs[0], name, undefined, 'failed', 'unknown_site'),
		),
	].map((result) => ({ result, item: 0 }));
	return [...perSite.flat(), ...refused];
}

/** All input items are the source's users: one scan of each target, then only the writes that differ. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const targets = await connectTargets(this);
	const deleteMissing = this.getNodeParameter('deleteMissing', 0, false) as boolean;
	const dryRun = this.getNodeParameter('dryRun', 0, false) as boolean;
	const changesOnly = this.getNodeParameter('reconcileOutput', 0, 'all') === 'changes';
	if (deleteMissing && items.length === 0) {
		throw new NodeOperationError(
			this.getNode(),
			'Reconcile received no source users: refusing to delete every target user',
		);
	}
	const inputs = items.map((item, index) =>
		toEventInput(item.json, 'update', this.getNodeParameter('sourceSite', index, '') as string),
	);
	const paired =
		targets.kind === 'site'
			? await reconcileOne(targets.target, inputs, { deleteMissing, dryRun })
			: await reconcileNetwork(targets, inputs, { deleteMissing, dryRun });
	const kept = changesOnly ? paired.filter((pair) => isChangeOrFailure(pair.result)) : paired;
	return resultItems(
		this,
		kept.map((pair) => pair.result),
		(index) => kept[index].item,
	);
}
