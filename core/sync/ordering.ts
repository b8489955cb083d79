/**
 * Runs tasks concurrently, except those sharing a key, which run one after another in input order: two
 * changes to the same user in one batch (update, then delete) must reach the target in that order.
 */
export async function runInOrderPerKey<T, R>(
	items: T[],
	keyOf: (item: T) => string | undefined,
	task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const tails = new Map<string, Promise<unknown>>();
	return Promise.all(
		items.map((item, index) => {
			const key = keyOf(item);
			const previous = key === undefined ? undefined : tails.get(key);
			const run = (previous ?? Promise.resolve()).then(() => task(item, index));
			if (key !== undefined) tails.set(key, run.catch(() => undefined));
			return run;
		}),
	);
}

/** The user an item is about, for ordering: the login, which WordPress never changes. */
export function userKey(item: unknown): string | undefined {
	if (typeof item !== 'object' || item === null) return undefined;
	const record = item as { user?: { login?: unknown }; login?: unknown; username?: unknown };
	const login = record.user?.login ?? record.login ?? record.username;
	return typeof login === 'string' ? login.trim().toLowerCase() : undefined;
}
