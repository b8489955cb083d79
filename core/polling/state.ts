/**
 * What the poll trigger keeps in workflow static data between polls (n8n persists it in its database, so it
 * survives restarts and is shared in queue mode). Plain JSON; the user snapshot is one packed string.
 */
export interface PollState {
	version: typeof STATE_VERSION;
	/** The site the snapshot describes: another site in the credential means a new baseline. */
	site: string;
	/** The packed snapshot (see packSnapshot). */
	users: string;
	userCount: number;
	/** Whether the site has the bridge plugin, and when that was last checked. */
	bridge?: { present: boolean; checkedAt: string };
	/** With the bridge: the server time to ask for changes from. */
	since?: string;
}

export const STATE_VERSION = 1;

/** The stored state if it is this version's and for this site; otherwise there is no baseline yet. */
export function readPollState(
	stored: Record<string, unknown>,
	site: string,
): PollState | undefined {
	if (stored.version !== STATE_VERSION || stored.site !== site || typeof stored.users !== 'string')
		return undefined;
	return stored as unknown as PollState;
}

/** Writes only the keys whose value changed: n8n saves static data again whenever it is written to. */
export function writePollState(stored: Record<string, unknown>, state: PollState): void {
	for (const [key, value] of Object.entries(state)) {
		if (JSON.stringify(stored[key]) !== JSON.stringify(value)) stored[key] = value;
	}
	for (const key of Object.keys(stored)) {
		if (!(key in state)) delete stored[key];
	}
}
