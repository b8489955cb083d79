import pLimit from 'p-limit';
import { parseSyncEvent, withoutSecrets } from '../schemas/syncEvent';
import { tryNormalizeSiteUrl } from '../sites';
import { runInIdentityOrder } from '../sync/ordering';
import { REASONS, type ReasonCode, type SyncResult } from '../sync/result';
import {
	fanOutPath,
	selectTargets,
	type NetworkSite,
	type SiteNetwork,
	type TargetSelection,
} from './network';

/** One result of a fan-out: which input item it answers, for which site. */
export interface PairResult {
	item: number;
	site: string;
	result: SyncResult;
}

export interface FanOutOptions<T> {
	network: SiteNetwork;
	/** The items (sync events or their inputs), in input order. */
	inputs: unknown[];
	/** Where each item goes. */
	selection: (index: number) => TargetSelection;
	/** The per-site handle the writes use (one per site and run: it caches what it learns of the site). */
	targetFor: (site: NetworkSite) => T;
	/**
	 * Applies one item to one site; `fanOutSites` are the URLs of all the item's targets, in the network's order
	 * (so every target is told the same path).
	 */
	apply: (target: T, input: unknown, fanOutSites: string[]) => Promise<SyncResult>;
	/** Sites worked on at once. */
	parallel: number;
}

/** What a selection needs of an item: its path and source, when it is a valid event. */
function routeOf(input: unknown): { path: string[]; source: string | null } {
	const parsed = parseSyncEvent(input);
	return parsed.ok
		? { path: parsed.value.path, source: parsed.value.source.url ?? null }
		: { path: [], source: null };
}

/**
 * One result per input × target, item by item in the network's site order. Sites run in parallel (bounded); on one
 * site the items keep the identity order a single-site run keeps. A site that fails fails only its own pairs: the
 * apply step turns WordPress and network errors into failed results.
 */
export async function fanOut<T>(options: FanOutOptions<T>): Promise<PairResult[]> {
	const { network, inputs } = options;
	const perItem = inputs.map((input, index) => {
		const { path, source } = routeOf(input);
		const selected = selectTargets(network, options.selection(index), path, source);
		return { selected, writes: fanOutPath([], selected.sites) };
	});
	const results = new Map<string, SyncResult>();
	const key = (item: number, site: string) => `${item}\u0000${site}`;
	const limit = pLimit(Math.max(1, options.parallel));
	await Promise.all(
		network.sites.map((site) =>
			limit(async () => {
				const items = perItem.flatMap(({ selected }, index) =>
					selected.sites.includes(site) ? [index] : [],
				);
				if (!items.length) return;
				const target = options.targetFor(site);
				const done = await runInIdentityOrder(
					items.map((index) => inputs[index]),
					(input, k) => options.apply(target, input, perItem[items[k]].writes),
				);
				done.forEach((result, k) =>
					results.set(key(items[k], site.url), {
						...result,
						targetName: site.name,
						fanOut: perItem[items[k]].writes,
					}),
				);
			}),
		),
	);
	return perItem.flatMap(({ selected }, item) => [
		...network.sites.flatMap((site) => {
			if (selected.disabled.includes(site))
				return [
					{
						item,
						site: site.name,
						result: notSent(inputs[item], site.url, site.name, 'rejected', 'site_disabled'),
					},
				];
			const result = results.get(key(item, site.url));
			return result ? [{ item, site: site.name, result }] : [];
		}),
		...selected.unknown.map((name) => ({
			item,
			site: name,
			result: notSent(
				inputs[item],
				tryNormalizeSiteUrl(name) ?? name,
				undefined,
				'failed',
				'unknown_site',
			),
		})),
	]);
}

/**
 * The sites a network reconcile writes: the selection, where "the whole network" leaves out every source the input
 * users come from (they are the source's listing).
 */
export function reconcileTargets(
	network: SiteNetwork,
	selection: TargetSelection,
	inputs: unknown[],
) {
	const sources = new Set(
		inputs
			.map((input) => routeOf(input).source)
			.filter((source): source is string => Boolean(source)),
	);
	return selectTargets(network, selection, [...sources]);
}

/** For an output of changes and failures only: whether a result says something changed or went wrong. */
export function isChangeOrFailure(result: SyncResult): boolean {
	if (result.status === 'synced' || result.status === 'planned') return result.action !== 'none';
	return result.status !== 'skipped';
}

/**
 * The path a replayed network pair carries: the original path plus the other sites of its fan-out (they had their
 * own writes, and their own failed rows to replay), so the event the replayed write causes on the target is covered
 * and starts no execution. A single-site pair keeps its path.
 */
export function replayPath(path: string[], fanOut: unknown, target: string | null): string[] {
	if (!Array.isArray(fanOut)) return path;
	const others = fanOut.filter(
		(site): site is string => typeof site === 'string' && site !== target && !path.includes(site),
	);
	return [...path, ...others];
}

/** The result of a pair that was never sent (the site is unknown or switched off) or failed as a whole. */
export function notSent(
	input: unknown,
	target: string,
	targetName: string | undefined,
	status: 'failed' | 'rejected',
	reason: ReasonCode,
	message = `${REASONS[reason]}: ${targetName ?? target}`,
): SyncResult {
	const parsed = parseSyncEvent(input);
	const event = parsed.ok ? parsed.value : undefined;
	return {
		status,
		action: 'none',
		requestedAction: event?.action ?? null,
		reason,
		message,
		source: event?.source.url ?? null,
		target,
		...(targetName ? { targetName } : {}),
		user: event
			? { login: event.user.login, email: event.user.email, sourceId: event.user.sourceId }
			: null,
		eventId: event?.id ?? null,
		path: event?.path ?? [],
		changes: [],
		notSynced: [],
		requests: 0,
		durationMs: 0,
		// Kept for a replay (once the site is known or switched on again).
		...(event ? { event: withoutSecrets(event) } : {}),
	};
}
