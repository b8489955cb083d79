import { META_SYNC_ID, META_SYNC_LINKED } from '../../../core/schemas/syncUser';
import {
	decideLink,
	linkByEmail,
	linkByLogin,
	linkBySyncId,
	linkStateOf,
	syncIdOf,
	type IdentityMatch,
} from '../../../core/sync/identity';
import { syncUser, wpUser } from '../fixtures';

const LINKED = { [META_SYNC_ID]: 'sync-b', [META_SYNC_LINKED]: '1' };
const PROVISIONAL = { [META_SYNC_ID]: 'local-b', [META_SYNC_LINKED]: '' };
const found = (
	matchedBy: IdentityMatch['matchedBy'],
	meta: Record<string, string> = {},
	fields = {},
): IdentityMatch => ({
	user: wpUser({ id: 40, username: 'boss', email: 'boss@b.example', meta, ...fields }),
	matchedBy,
});
const options = { linkByLogin: false };

describe('link state', () => {
	it('tells linked, provisional and unknown apart', () => {
		expect(linkStateOf(wpUser({ meta: LINKED }))).toBe('linked');
		expect(linkStateOf(wpUser({ meta: PROVISIONAL }))).toBe('provisional');
		expect(linkStateOf(wpUser({ meta: { [META_SYNC_ID]: '', [META_SYNC_LINKED]: '' } }))).toBe(
			'provisional',
		);
		// An older bridge (no linked flag): an id there was written by a sync.
		expect(linkStateOf(wpUser({ meta: { [META_SYNC_ID]: 'x' } }))).toBe('linked');
		expect(linkStateOf(wpUser({ meta: { [META_SYNC_ID]: '' } }))).toBe('provisional');
		expect(linkStateOf(wpUser({ meta: {} }))).toBe('unknown');
	});

	it('reads the sync id lower-cased, empty as none', () => {
		expect(syncIdOf(wpUser({ meta: { [META_SYNC_ID]: 'ABC' } }))).toBe('abc');
		expect(syncIdOf(wpUser({ meta: { [META_SYNC_ID]: '' } }))).toBeUndefined();
	});
});

describe('the linking rule', () => {
	it('nobody found: none', () => {
		expect(decideLink(syncUser(), undefined, options)).toEqual({ kind: 'none' });
	});

	it('the same sync id links, whatever the email and login', () => {
		const match = found('syncId', LINKED);
		expect(linkBySyncId(match)).toEqual({ kind: 'linked', match, state: 'linked', adopt: false });
		expect(
			decideLink(syncUser({ syncId: 'sync-b', email: 'new@x.example' }), match, options),
		).toMatchObject({ kind: 'linked' });
	});

	it('an exact email links and adopts the event sync id over a provisional one', () => {
		const match = found('email', PROVISIONAL);
		expect(linkByEmail(syncUser({ syncId: 'Sync-A' }), match)).toEqual({
			kind: 'linked',
			match,
			state: 'provisional',
			adopt: true,
		});
	});

	it('an email match holding a different LINKED sync id is a conflict, never merged', () => {
		const decision = decideLink(syncUser({ syncId: 'sync-a' }), found('email', LINKED), options);
		expect(decision).toMatchObject({
			kind: 'conflict',
			refusal: { status: 'rejected', reason: 'conflict', detail: 'sync_id_mismatch' },
		});
		expect(
			decideLink(syncUser({ syncId: 'sync-a' }), found('previousEmail', LINKED), options),
		).toMatchObject({ kind: 'conflict' });
	});

	it('an email match links without adopting when the event has no sync id, or the site cannot store one', () => {
		expect(linkByEmail(syncUser(), found('email', LINKED))).toMatchObject({
			kind: 'linked',
			state: 'linked',
			adopt: false,
		});
		expect(linkByEmail(syncUser({ syncId: 'sync-a' }), found('email'))).toMatchObject({
			kind: 'linked',
			state: 'unknown',
			adopt: false,
		});
	});

	it('a login-only match (another email) is a conflict by default', () => {
		const decision = decideLink(
			syncUser({ login: 'boss', email: 'visitor@a.example' }),
			found('login', PROVISIONAL),
			options,
		);
		expect(decision).toMatchObject({
			kind: 'conflict',
			refusal: { reason: 'conflict', detail: 'login_taken' },
		});
		expect(decideLink(syncUser({ login: 'boss' }), found('login'), options)).toMatchObject({
			kind: 'conflict',
		});
	});

	it('links by login only when the node allows it, and still never over another linked sync id', () => {
		const allow = { linkByLogin: true };
		expect(
			linkByLogin(syncUser({ syncId: 'sync-a' }), found('login', PROVISIONAL), allow),
		).toMatchObject({ kind: 'linked', adopt: true });
		expect(
			linkByLogin(syncUser({ syncId: 'sync-a' }), found('login', LINKED), allow),
		).toMatchObject({ kind: 'conflict', refusal: { detail: 'sync_id_mismatch' } });
	});
});
