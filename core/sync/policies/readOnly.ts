import type { Policy } from './types';

/** The site-wide kill switch: a read-only target accepts no create, update or delete. */
export const targetWritable: Policy = ({ config }) =>
	config.readOnly
		? {
				status: 'rejected',
				reason: 'target_read_only',
				message: `${config.target} is read-only for sync (set in its credential)`,
			}
		: undefined;
