import {
	deleteIsStale,
	tombstoneWins,
	versionKeys,
	versionsForWrite,
	withoutStaleFields,
} from '../../../core/versions/fields';
import { planChange } from '../../../core/sync/plan';
import { policyConfig, syncEvent, wpUser } from '../fixtures';

const v = (micros: number, site = 'aaaa0000') => `${String(micros).padStart(17, '0')}.0000.${site}`;

describe('field versions', () => {
	it('names the versioned fields of a write as the bridge keeps them', () => {
		expect(
			versionKeys({
				email: 'x',
				first_name: 'y',
				meta: { color: 'red', harmonyuser_sync_id: 's' },
				harmonyuser_password_hash: '$P$x',
				password: 'random',
				username: 'u',
			}),
		).toEqual(['email', 'first_name', 'meta.color', 'password']);
	});

	it('gives each written field its own version, or the change version', () => {
		const event = syncEvent({ version: v(5), user: { versions: { email: v(3) } } });
		expect(versionsForWrite(event, { email: 'x', first_name: 'y' })).toEqual({
			email: v(3),
			first_name: v(5),
		});
		expect(versionsForWrite(syncEvent(), { email: 'x' })).toBeUndefined();
	});

	it('drops fields the target holds in a newer or the same version, keeps the newer ones', () => {
		const event = syncEvent({ version: v(5) });
		const target = { email: v(9), first_name: v(2), 'meta.color': v(5) };
		expect(
			withoutStaleFields({ email: 'x', first_name: 'y', meta: { color: 'red' } }, event, target),
		).toEqual({
			write: { first_name: 'y' },
			stale: ['email', 'meta.color'],
		});
		// A target that keeps no versions (no bridge), or an unversioned event: nothing is stale.
		expect(withoutStaleFields({ email: 'x' }, event, undefined).stale).toEqual([]);
		expect(withoutStaleFields({ email: 'x' }, syncEvent(), target).stale).toEqual([]);
	});

	it('an older delete loses to a newer change; a newer tombstone wins over an older create', () => {
		const del = syncEvent({ action: 'delete', version: v(5) });
		expect(deleteIsStale(del, { email: v(7) })).toBe(true);
		expect(deleteIsStale(del, { email: v(4) })).toBe(false);
		expect(tombstoneWins(syncEvent({ version: v(5) }), v(6))).toBe(true);
		expect(tombstoneWins(syncEvent({ version: v(7) }), v(6))).toBe(false);
		expect(tombstoneWins(syncEvent(), v(6))).toBe(false);
	});

	it('plans an update whose every field is older as stale, and names the dropped ones otherwise', () => {
		const target = wpUser({
			first_name: 'B-name',
			last_name: 'Old',
			harmonyuser_versions: { first_name: v(9), last_name: v(1) },
		});
		const link = {
			kind: 'linked' as const,
			match: { user: target, matchedBy: 'syncId' as const },
			state: 'linked' as const,
			adopt: false,
		};
		const options = { createMissing: false, undeletable: [], config: policyConfig() };
		const both = syncEvent({ version: v(5), user: { firstName: 'A-name', lastName: 'New' } });
		expect(planChange(both, link, options)).toMatchObject({
			kind: 'update',
			payload: { last_name: 'New' },
			notSynced: [{ field: 'first_name', reason: 'stale' }],
		});
		const older = syncEvent({ version: v(5), user: { firstName: 'A-name' } });
		expect(planChange(older, link, options)).toMatchObject({
			kind: 'refused',
			refusal: { status: 'skipped', reason: 'stale' },
		});
		expect(
			planChange(syncEvent({ action: 'create', version: v(5) }), undefined, {
				...options,
				tombstone: v(8),
			}),
		).toMatchObject({ kind: 'refused', refusal: { reason: 'stale' } });
	});
});
