/**
 * Resident memory of a process tree, from /proc (Linux). Current (VmRSS), sampled while something runs, because
 * VmHWM (peakRss) is the high-water mark over the whole process life: in one long-lived n8n it would keep n8n's start-up peak and every
 * earlier run's peak, and restarting n8n before each measurement still leaves the start-up peak in it. Sampling
 * VmRSS every 100 ms gives the peak of that run itself (a spike shorter than 100 ms can be missed; the runs measured
 * last seconds to minutes), next to the level just before it.
 */
import { readFileSync } from 'node:fs';

function read(file: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

const children = (pid: number): number[] =>
	read(`/proc/${pid}/task/${pid}/children`).split(/\s+/).filter(Boolean).map(Number);
const kB = (pid: number, field: 'VmRSS' | 'VmHWM') =>
	Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(read(`/proc/${pid}/status`))?.[1] ?? 0) * 1024;

/** The largest value of a field among pid and its descendants: for n8n, the n8n server under the with-node24.sh wrapper (not its task runner). */
function largest(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	let max = 0;
	const walk = (p: number) => {
		max = Math.max(max, kB(p, field));
		for (const child of children(p)) walk(child);
	};
	walk(pid);
	return max;
}

/** Resident memory now (bytes). */
export const currentRss = (pid: number) => largest(pid, 'VmRSS');

/** The high-water mark of resident memory over the process life (bytes). */
export const peakRss = (pid: number) => largest(pid, 'VmHWM');

export interface RssReading {
	before: number;
	peak: number;
}

/** Runs `run` while sampling currentRss(pid) every `everyMs`; resolves the level before and the peak during it. */
export async function sampleRss<T>(
	pid: number,
	run: () => Promise<T>,
	everyMs = 100,
): Promise<{ result: T; rss: RssReading }> {
	const before = currentRss(pid);
	let peak = before;
	const timer = setInterval(() => (peak = Math.max(peak, currentRss(pid))), everyMs);
	try {
		const result = await run();
		peak = Math.max(peak, currentRss(pid));
		return { result, rss: { before, peak } };
	} finally {
		clearInterval(timer);
	}
}
