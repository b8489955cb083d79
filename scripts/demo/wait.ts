/**
 * The demo's waits. Each one names its step, allows a nominal time scaled by how busy the machine is (measured
 * while waiting, so a load that starts mid-wait is counted), and on time-out says what it saw: the error says
 * which step, how long it waited, and whatever the step's `seen` gathers (n8n's last log lines, the bridge's
 * subscriptions, the users on the sites, …).
 */
import { availableParallelism, loadavg } from 'node:os';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The most a wait is stretched: 4 × its nominal time (a machine busier than that is not going to catch up). */
const MAX_FACTOR = 4;

/** How much longer than on an idle machine things take now: the 1-minute load average per core, 1 to 4. */
export function loadFactor(): number {
	const perCore = loadavg()[0] / availableParallelism();
	return Math.min(MAX_FACTOR, Math.max(1, perCore));
}

/** "load 5.2 on 2 cores" */
export function loadText(): string {
	return `load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
}

/** A wait that ran out: the message says the step, the time waited and what was seen. */
export class StepTimeout extends Error {
	constructor(
		readonly step: string,
		readonly waitedMs: number,
		readonly seen: string,
	) {
		super(
			`timed out: ${step}, not done after ${(waitedMs / 1000).toFixed(0)} s (${loadText()})\nwhat it saw:\n${indent(seen)}`,
		);
		this.name = 'StepTimeout';
	}
}

export function indent(text: string, by = '    '): string {
	return text
		.split('\n')
		.map((line) => (line ? by + line : line))
		.join('\n');
}

/** Resolves what the promise resolves, or rejects after ms (the promise itself is left to settle). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new Error(`${what}: no answer within ${(ms / 1000).toFixed(0)} s`)),
			ms,
		);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface WaitOptions<T> {
	/** What is being waited for, as the message names it: "the webhook of “Site B changed” registered on B". */
	step: string;
	/** Done when it resolves a value other than undefined/false; errors count as "not yet" (the last one is told). */
	check: () => Promise<T | undefined | false>;
	/** The time allowed on an idle machine; stretched by loadFactor() (the highest seen while waiting). */
	nominalMs: number;
	everyMs?: number;
	/** The most one check may take before it counts as "not yet" (a site or n8n that hangs). */
	attemptMs?: number;
	/** What to report on time-out (gathered then; its own failures are reported, not thrown). */
	seen?: () => Promise<string>;
	/** Called once when half the allowed time has passed without success (a second chance: re-register, …). */
	halfway?: () => Promise<void>;
}

/** Polls until the check succeeds; resolves its value and the time it took, or throws a StepTimeout. */
export async function waitUntil<T>(options: WaitOptions<T>): Promise<{ value: T; tookMs: number }> {
	const { step, check, nominalMs, everyMs = 250, attemptMs = 30_000 } = options;
	const started = Date.now();
	let factor = loadFactor();
	let last: unknown;
	let halfwayDone = !options.halfway;
	for (;;) {
		try {
			const value = await within(check(), attemptMs, step);
			if (value !== undefined && value !== false) return { value, tookMs: Date.now() - started };
			last = undefined;
		} catch (error) {
			last = error;
		}
		factor = Math.max(factor, loadFactor());
		const allowed = nominalMs * factor;
		const waited = Date.now() - started;
		if (!halfwayDone && waited > allowed / 2) {
			halfwayDone = true;
			await options.halfway?.().catch((error: unknown) => {
				last = error;
			});
		}
		if (waited > allowed) {
			const lines: string[] = [];
			if (last)
				lines.push(`the last check failed: ${last instanceof Error ? last.message : String(last)}`);
			if (options.seen)
				lines.push(
					await within(options.seen(), 60_000, 'gathering what was seen').catch(
						(error: unknown) => `(could not gather it: ${String(error)})`,
					),
				);
			lines.push(
				`allowed ${(allowed / 1000).toFixed(0)} s: ${(nominalMs / 1000).toFixed(0)} s on an idle machine × ${factor.toFixed(1)} for the load`,
			);
			throw new StepTimeout(step, waited, lines.join('\n'));
		}
		await sleep(everyMs);
	}
}
