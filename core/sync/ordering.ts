/**
 * Runs tasks concurrently, except those sharing a key, which run one after another in input order: two
 * changes to the same user in one batch (update, then delete) must reach the target in that order.
 */
export async function runInOrderPerKey<T, R>(
	items: T[],
	keyOf: (item: T, index: number) => string | undefined,
	task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const tails = new Map<string, Promise<unknown>>();
	return Promise.all(
		items.map((item, index) => {
			const key = keyOf(item, index);
			const previous = key === undefined ? undefined : tails.get(key);
			const run = (previous ?? Promise.resolve()).then(() => task(item, index));
			if (key !== undefined)
				tails.set(
					key,
					run.catch(() => undefined),
				);
			return run;
		}),
	);
}

/**
 * Every identity an item names: sync id, login, email and previous email (one namespace for both emails, since
 * one user's previous address can be another's current one). Lower-cased; none for what is not a user item.
 */
export function identityKeys(item: unknown): string[] {
	if (typeof item !== 'object' || item === null) return [];
	const record = item as { user?: Record<string, unknown> } & Record<string, unknown>;
	const user = typeof record.user === 'object' && record.user !== null ? record.user : record;
	const keys: string[] = [];
	const add = (prefix: string, value: unknown) => {
		if (typeof value === 'string' && value.trim())
			keys.push(`${prefix}:${value.trim().toLowerCase()}`);
	};
	add('sync', user.syncId);
	add('login', user.login ?? user.username);
	add('email', user.email);
	add('email', user.previousEmail);
	return keys;
}

/**
 * One ordering key per group of items whose identities overlap, directly or through others (X: e1→tmp,
 * Y: e2→e1, X: tmp→e2 is one group): those run in input order, independent users in parallel.
 */
export function identityGroups(items: unknown[]): Array<string | undefined> {
	const parent = new Map<string, string>();
	const find = (key: string): string => {
		let root = key;
		while (parent.get(root) !== root) root = parent.get(root) as string;
		parent.set(key, root);
		return root;
	};
	const keysOf = items.map(identityKeys);
	for (const keys of keysOf) {
		for (const key of keys) if (!parent.has(key)) parent.set(key, key);
		for (const key of keys.slice(1)) parent.set(find(key), find(keys[0]));
	}
	return keysOf.map((keys) => (keys.length ? find(keys[0]) : undefined));
}

/** runInOrderPerKey over identity groups: the order the User Sync node applies one execution's items in. */
export function runInIdentityOrder<T, R>(
	items: T[],
	task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const groups = identityGroups(items);
	return runInOrderPerKey(items, (_, index) => groups[index], task);
}
