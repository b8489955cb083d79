import { deleteGuard, ownedBySync } from '../../../core/sync/reconcile';
import type { SyncResult } from '../../../core/sync/result';
import { META_SYNC_ID, META_SYNC_LINKED } from '../../../core/schemas/syncUser';
import { wpUser } from '../fixtures';

const valid = { plan: { kind: 'unchanged' } } as never;
const invalid = { status: 'failed', reason: 'invalid_event' } as unknown as SyncResult;

describe('reconcile deletes', () => {
	it('refuses every delete when a source item is invalid or there is none', () => {
		expect(deleteGuard([valid, invalid], 1, 100, 10)).toMatchObject({
			status: 'rejected',
			reason: 'source_incomplete',
		});
		expect(deleteGuard([], 0, 100, 10)).toMatchObject({ reason: 'source_incomplete' });
	});

	it('refuses every delete above Max Deletes, and allows up to it', () => {
		expect(deleteGuard([valid], 4, 32, 10)).toMatchObject({
			reason: 'delete_threshold',
			message: expect.stringContaining('4 deletes of 32'),
		});
		expect(deleteGuard([valid], 3, 32, 10)).toBeUndefined();
		expect(deleteGuard([valid], 1, 32, 0)).toMatchObject({ reason: 'delete_threshold' });
		expect(deleteGuard([valid], 32, 32, 100)).toBeUndefined();
	});

	it('deletes only users whose sync id a sync linked (or created)', () => {
		expect(ownedBySync(wpUser({ meta: { [META_SYNC_ID]: 'a', [META_SYNC_LINKED]: '1' } }))).toBe(
			true,
		);
		expect(ownedBySync(wpUser({ meta: { [META_SYNC_ID]: 'a', [META_SYNC_LINKED]: '' } }))).toBe(
			false,
		);
		expect(ownedBySync(wpUser({ meta: {} }))).toBe(false);
	});
});
