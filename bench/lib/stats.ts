/** What every benchmark prints: medians, spread, percentiles and ratios measured side by side, and the machine. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export const out = (line = '') => process.stdout.write(`${line}\n`);

export interface Sample {
	ms: number;
	requests: number;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** The middle value (upper middle for an even count): a real sample, never an average of two. */
export const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
	const ordered = sorted(xs);
	return ordered[
		Math.min(ordered.length - 1, Math.max(0, Math.ceil((p / 100) * ordered.length) - 1))
	];
}

/** "min–max" rounded, the spread printed beside every median. */
export const spread = (xs: number[]) =>
	`${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

export const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}×`;

/** One line: median time (spread), median requests, and the ratio of medians against a baseline measured in the same run. */
export function report(
	name: string,
	samples: Sample[],
	baseline?: { name: string; samples: Sample[] },
): void {
	const ms = samples.map((s) => s.ms);
	const against = baseline
		? `, ${ratio(median(ms), median(baseline.samples.map((s) => s.ms)))} ${baseline.name}`
		: '';
	out(
		`  ${name.padEnd(34)} median ${Math.round(median(ms))} ms (${spread(ms)}), ${median(samples.map((s) => s.requests))} requests${against}`,
	);
}

/** Times one run; `requests` counts whatever the caller counts (usually server-side request logs). */
export async function timed(
	count: () => number,
	run: () => Promise<void>,
	reset: () => void = () => undefined,
): Promise<Sample> {
	reset();
	const start = performance.now();
	await run();
	return { ms: performance.now() - start, requests: count() };
}

function version(command: string, args: string[]): string {
	try {
		// Bench-only: reading the machine's tool versions for the report.
		return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
			.split('\n')[0]
			.trim();
	} catch {
		return 'not found';
	}
}

/** The machine line every benchmark starts with: CPU, cores, memory, load, Node, PHP, MariaDB. */
export function machine(): string {
	const cpu = cpus();
	return [
		`${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}`,
		`${Math.round(totalmem() / 2 ** 30)} GiB`,
		`load ${loadavg()[0].toFixed(2)}`,
		`Node ${process.version}`,
		version('php', ['-r', 'echo "PHP ".PHP_VERSION;']),
		version('mariadb', ['--version']).replace(/^.*Distrib ([^,]+),.*$/, 'MariaDB $1'),
	].join(', ');
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
