import { parseSyncEvent } from '../schemas/syncEvent';
import { executePlan } from './execute';
import { ResultBuilder } from './resultBuilder';
import { resolveTargetUser } from './identity';
import { planChange } from './plan';
import { firstRefusal, POLICIES_AFTER_LOOKUP, POLICIES_BEFORE_LOOKUP } from './policies';
import { RestDirectory } from './restDirectory';
import type { SyncResult } from './result';
import type { TargetSite } from './target';

export interface ApplyOptions {
	/** Upsert: create a missing user whatever the event's action (manual sync). */
	upsert?: boolean;
	/** Turn every action into a delete (the Delete Users operation). */
	forceDelete?: boolean;
}

/**
 * Applies one change to the target: validate → policies → find the user → policies on the target's copy →
 * plan → write only what differs. Always returns a result; never throws for bad input or WordPress errors.
 */
export async function applyEvent(target: TargetSite, input: unknown, options: ApplyOptions = {}): Promise<SyncResult> {
	const client = target.client.fork();
	const parsed = parseSyncEvent(input);
	if (!parsed.ok) return new ResultBuilder(target, client, undefined).failed('invalid_event', parsed.error);
	const event = options.forceDelete ? { ...parsed.value, action: 'delete' as const } : parsed.value;
	const builder = new ResultBuilder(target, client, event);

	const early = firstRefusal(POLICIES_BEFORE_LOOKUP, { event, config: target.config });
	if (early) return builder.refused(early);

	const directory = new RestDirectory(client, target.bridge);
	try {
		const match = await resolveTargetUser(directory, event.user);
		const late = firstRefusal(POLICIES_AFTER_LOOKUP, { event, config: target.config, targetUser: match?.user });
		if (late) return builder.refused(late, match);
		const plan = planChange(event, match, {
			createMissing: options.upsert || target.config.createOnUpdate,
			undeletable: event.action === 'delete' && match ? await target.undeletable() : [],
		});
		return await executePlan({ target, client, event, directory, builder }, plan);
	} catch (error) {
		return builder.fromError(error);
	}
}
