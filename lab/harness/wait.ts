/** Waiting, for the harness's real processes and the tests that watch them. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined/false, or throws after the deadline. */
export async function eventually<T>(
	what: string,
	check: () => Promise<T | undefined | false>,
	timeoutMs = 20_000,
	everyMs = 150,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value !== undefined && value !== false) return value;
		} catch (error) {
			last = error;
		}
		if (Date.now() > deadline)
			throw new Error(
				`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
			);
		await sleep(everyMs);
	}
}
