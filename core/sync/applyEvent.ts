import { parseSyncEvent } from '../schemas/syncEvent';
import { decide, lookupIn, type Mode } from './decide';
import { executePlan } from './execute';
import { ResultBuilder } from './resultBuilder';
import { RestDirectory } from './restDirectory';
import type { SyncResult } from './result';
import type { TargetSite } from './target';

export interface ApplyOptions {
	/** Upsert: create a missing user whatever the event's action (manual sync). */
	upsert?: boolean;
	/** Turn every action into a delete (the Delete Users operation). */
	forceDelete?: boolean;
	/** The sites of this item's fan-out (a network run), in one order for all: their URLs go into the path the writes carry. */
	fanOutSites?: string[];
}

/**
 * Applies one change to the target: validate → decide (policies, identity, linking, trust) → write only what
 * differs. Always returns a result; never throws for bad input or WordPress errors.
 */
export async function applyEvent(
	target: TargetSite,
	input: unknown,
	options: ApplyOptions = {},
): Promise<SyncResult> {
	const client = target.client.fork();
	const parsed = parseSyncEvent(input);
	if (!parsed.ok)
		return new ResultBuilder(target, client, undefined).failed('invalid_event', parsed.error);
	const event = options.forceDelete ? { ...parsed.value, action: 'delete' as const } : parsed.value;
	const builder = new ResultBuilder(target, client, event, options.fanOutSites);
	// Upsert and Delete Users are an administrator's own run; Apply Event applies what a site reported.
	const mode: Mode = options.upsert || options.forceDelete ? 'manual' : 'event';
	const directory = new RestDirectory(client, target.bridge);
	try {
		const plan = await decide(target, event, lookupIn(directory, event), {
			mode,
			createMissing: Boolean(options.upsert || target.config.createOnUpdate),
		});
		return await executePlan({ target, client, event, directory, builder, mode }, plan);
	} catch (error) {
		return builder.fromError(error);
	}
}
