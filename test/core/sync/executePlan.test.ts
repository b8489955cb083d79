/**
 * executePlan against the in-process fake of WordPress: a plan decided, then the target changed before it was
 * carried out (another writer got there first), so the write meets what WordPress answers then.
 */
import { randomUUID } from 'node:crypto';
import { decide, lookupIn, type Mode } from '../../../core/sync/decide';
import { executePlan, type ItemContext } from '../../../core/sync/execute';
import { RestDirectory } from '../../../core/sync/restDirectory';
import { ResultBuilder } from '../../../core/sync/resultBuilder';
import type { TargetSite } from '../../../core/sync/target';
import { parseSyncEvent } from '../../../core/schemas/syncEvent';
import { FakeWordPress, SYNC_META, userEvent } from './fakeWordPress';

/** One item's context, as applyEvent builds it. */
function contextFor(target: TargetSite, input: unknown, mode: Mode = 'event'): ItemContext {
	const parsed = parseSyncEvent(input);
	if (!parsed.ok) throw new Error(parsed.error);
	const client = target.client.fork();
	return {
		target,
		client,
		event: parsed.value,
		directory: new RestDirectory(client, target.bridge),
		builder: new ResultBuilder(target, client, parsed.value),
		mode,
	};
}

async function planFor(ctx: ItemContext, createMissing = false) {
	return decide(ctx.target, ctx.event, lookupIn(ctx.directory, ctx.event), {
		mode: ctx.mode,
		createMissing,
	});
}

describe('a create that meets an existing user (recoverCreate)', () => {
	let wp: FakeWordPress;
	/** A site exposing sync ids (linked or provisional), without the bridge. */
	let ids: FakeWordPress;
	beforeAll(async () => {
		[wp, ids] = await Promise.all([
			new FakeWordPress().start(),
			new FakeWordPress({ registeredMeta: SYNC_META }).start(),
		]);
	});
	afterAll(() => Promise.all([wp.stop(), ids.stop()]));
	beforeEach(() => wp.reset());

	test('the same email (WordPress: 500 existing_user_email): the user is looked up again and updated, no second user', async () => {
		const ctx = contextFor(wp.target(), userEvent('racer', { user: { firstName: 'Racer' } }));
		const plan = await planFor(ctx);
		expect(plan.kind).toBe('create');
		// Registered on the target between the lookup and the create, under another login.
		const first = wp.addUser({ username: 'racer-elsewhere', email: 'racer@example.test' });
		wp.reset();

		const result = await executePlan(ctx, plan);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			reason: 'updated',
			user: { targetId: first.id, matchedBy: 'email' },
		});
		expect(result.changes).toContain('first_name');
		expect(wp.allUsers().filter((user) => user.email === 'racer@example.test')).toHaveLength(1);
		expect(wp.user('racer-elsewhere')?.first_name).toBe('Racer');
		// The create refused, one email search (the sync id lookup already said: no bridge), then the update.
		expect(wp.routesServed()).toEqual([
			'POST /wp/v2/users',
			'GET /wp/v2/users',
			'POST /wp/v2/users/:id',
		]);
	});

	test('the same login with another email (500 existing_user_login) is another person: a conflict, never a merge', async () => {
		const ctx = contextFor(wp.target(), userEvent('taken', { user: { firstName: 'Mine' } }));
		const plan = await planFor(ctx);
		const other = wp.addUser({
			username: 'taken',
			email: 'someone-else@example.test',
			first_name: 'Theirs',
		});
		const result = await executePlan(ctx, plan);
		expect(result).toMatchObject({
			status: 'rejected',
			action: 'none',
			reason: 'conflict',
			detail: 'login_taken',
			user: { targetId: other.id, matchedBy: 'login' },
		});
		expect(wp.user('taken')).toMatchObject({
			email: 'someone-else@example.test',
			first_name: 'Theirs',
		});
	});

	test('the same email, but linked to another sync id: a conflict', async () => {
		const ctx = contextFor(ids.target(), userEvent('twin', { user: { syncId: randomUUID() } }));
		const plan = await planFor(ctx);
		const twin = ids.addUser({
			username: 'twin-2',
			email: 'twin@example.test',
			meta: { harmonyuser_sync_id: randomUUID(), harmonyuser_sync_linked: '1' },
		});
		const result = await executePlan(ctx, plan);
		expect(result).toMatchObject({
			status: 'rejected',
			reason: 'conflict',
			detail: 'sync_id_mismatch',
			user: { targetId: twin.id },
		});
	});

	test('an account registered on its own meanwhile (no sync linked it): a reported create only links it', async () => {
		const ctx = contextFor(ids.target(), userEvent('own', { user: { firstName: 'Reported' } }));
		const plan = await planFor(ctx);
		const own = ids.addUser({
			username: 'own',
			first_name: 'Self',
			meta: { harmonyuser_sync_linked: '' },
		});
		const result = await executePlan(ctx, plan);
		expect(result).toMatchObject({
			status: 'synced',
			action: 'update',
			reason: 'linked',
			user: { targetId: own.id },
			notSynced: [expect.objectContaining({ reason: 'first_contact' })],
		});
		expect(ids.user('own')).toMatchObject({
			first_name: 'Self',
			meta: { harmonyuser_sync_linked: '1' },
		});
	});
});

describe('WordPress errors become results', () => {
	let wp: FakeWordPress;
	beforeAll(async () => {
		wp = await new FakeWordPress().start();
	});
	afterAll(() => wp.stop());
	beforeEach(() => wp.reset());

	test('an update of a user deleted meanwhile fails with WordPress’s 404, naming the user it meant', async () => {
		const gone = wp.addUser({ username: 'gone' });
		const ctx = contextFor(
			wp.target(),
			userEvent('gone', { action: 'update', user: { firstName: 'Late' } }),
		);
		const plan = await planFor(ctx);
		expect(plan.kind).toBe('update');
		wp.removeUser(gone.id);
		const result = await executePlan(ctx, plan);
		expect(result).toMatchObject({
			status: 'failed',
			reason: 'wordpress_error',
			error: { kind: 'not_found', status: 404, code: 'rest_user_invalid_id' },
			user: { targetId: gone.id },
		});
	});

	test('an update to an email another user took meanwhile is a conflict (400 rest_user_invalid_email)', async () => {
		wp.addUser({ username: 'eve' });
		const ctx = contextFor(
			wp.target(),
			userEvent('eve', {
				action: 'update',
				user: { email: 'eve@new.test', previousEmail: 'eve@example.test' },
			}),
		);
		const plan = await planFor(ctx);
		wp.addUser({ username: 'eve-new', email: 'eve@new.test' });
		const result = await executePlan(ctx, plan);
		expect(result).toMatchObject({
			status: 'failed',
			reason: 'conflict',
			error: { kind: 'conflict', status: 400, code: 'rest_user_invalid_email' },
		});
		expect(wp.user('eve')?.email).toBe('eve@example.test');
	});

	test('a delete of a user deleted meanwhile fails, and the heir is asked only once per run', async () => {
		const target = wp.target();
		const a = wp.addUser({ username: 'del-a' });
		wp.addUser({ username: 'del-b' });
		const first = contextFor(target, userEvent('del-a', { action: 'delete' }), 'manual');
		const second = contextFor(target, userEvent('del-b', { action: 'delete' }), 'manual');
		const plans = [await planFor(first), await planFor(second)];
		wp.removeUser(a.id);
		const results = [await executePlan(first, plans[0]), await executePlan(second, plans[1])];
		expect(results.map((r) => [r.status, r.reason])).toEqual([
			['failed', 'wordpress_error'],
			['synced', 'deleted'],
		]);
		expect(wp.count('GET /wp/v2/users/me')).toBe(1);
	});
});
