import type { BridgeInfo } from '../../../core/wordpress/bridge';
import {
	omittedAtSource,
	withPasswordHash,
	withVersions,
	type ItemContext,
} from '../../../core/sync/execute';
import type { Plan } from '../../../core/sync/plan';
import { changedFields } from '../../../core/sync/diff';
import { syncEvent, wpUser } from '../fixtures';

const v = (micros: number) => `${String(micros).padStart(17, '0')}.0000.aaaa0000`;

describe('execute helpers', () => {
	it('reports what the source left out of an event', () => {
		const event = syncEvent({
			omitted: [
				{ field: 'passwordHash', reason: 'no_network_key' },
				{ field: 'meta.bio', reason: 'field_too_large' },
			],
		});
		expect(omittedAtSource(event)).toEqual([
			{
				field: 'password',
				reason: 'omitted_at_source',
				values: ['no_network_key'],
				message: 'the source left it out (no_network_key)',
			},
			{
				field: 'meta.bio',
				reason: 'omitted_at_source',
				values: ['field_too_large'],
				message: 'the source left it out (field_too_large)',
			},
		]);
		expect(omittedAtSource(syncEvent())).toEqual([]);
	});

	it('sends each written field with its version for the compare-and-set, and nothing for an unversioned event', () => {
		expect(
			withVersions(syncEvent({ version: v(4) }), { email: 'x@y.test', password: 'random' }),
		).toEqual({
			email: 'x@y.test',
			password: 'random',
			harmonyuser_versions: { email: v(4) },
		});
		expect(withVersions(syncEvent(), { email: 'x@y.test' })).toEqual({ email: 'x@y.test' });
	});
});

describe('the password a write carries', () => {
	/** A target whose bridge says `info` (counted); `available`: what the identity lookup learnt; `asked`: /info already asked. */
	const contextFor = (
		info: BridgeInfo,
		available: boolean | undefined,
		hash?: string,
		alreadyAsked = false,
	) => {
		const asked = { info: 0 };
		const target = {
			bridge: { available },
			info: async () => {
				asked.info++;
				return info;
			},
			infoIfKnown: async () => (alreadyAsked ? info : undefined),
			hasBridge: async () => available ?? info.bridge,
		};
		const ctx = {
			target,
			event: syncEvent({ action: 'create', user: hash ? { passwordHash: hash } : {} }),
		} as unknown as ItemContext;
		return { ctx, asked };
	};
	const create: Plan = {
		kind: 'create',
		payload: { username: 'alice', email: 'alice@example.com', password: 'random' },
		notSynced: [],
	};
	const withFlag = {
		kind: 'create',
		payload: {
			username: 'alice',
			email: 'alice@example.com',
			password: 'random',
			harmonyuser_throwaway_password: true,
		},
		notSynced: [],
	};
	const bridge: BridgeInfo = { bridge: true, maxBatch: 25, hashFormats: ['phpass'] };
	const plain: BridgeInfo = { bridge: false, maxBatch: 0 };

	it('tells a target known to run the bridge that a create with no synced password sends a throwaway, asking nothing', async () => {
		const { ctx, asked } = contextFor(bridge, true);
		expect(await withPasswordHash(ctx, create)).toEqual(withFlag);
		expect(asked.info).toBe(0);
		// Known from an earlier /info of this run (a reconcile asks it for batching): the same.
		expect(
			await withPasswordHash(contextFor(bridge, undefined, undefined, true).ctx, create),
		).toEqual(withFlag);
		// Not a change the result names.
		expect(changedFields(withFlag.payload as never)).toEqual(['username', 'email']);
	});

	it('sends no flag where the bridge is absent or unknown, and asks nothing to find out', async () => {
		for (const [info, available, known] of [
			[plain, false, false],
			[plain, undefined, true],
			[bridge, undefined, false],
		] as const) {
			const { ctx, asked } = contextFor(info, available, undefined, known);
			expect(await withPasswordHash(ctx, create)).toEqual(create);
			expect(asked.info).toBe(0);
		}
	});

	it("a create carrying the source's hash sends the hash, not the flag; one the target cannot verify falls back to the flag", async () => {
		const phpass = '$P$BabcdefghijklmnopqrstuvwxyzABCD';
		const { ctx } = contextFor(bridge, true, phpass);
		expect(await withPasswordHash(ctx, create)).toEqual({
			...create,
			payload: { ...create.payload, harmonyuser_password_hash: phpass },
		});
		const bcrypt = '$wp$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
		const refused = await withPasswordHash(contextFor(bridge, true, bcrypt).ctx, create);
		expect(refused).toMatchObject({
			payload: withFlag.payload,
			notSynced: [expect.objectContaining({ field: 'password', reason: 'hash_unsupported' })],
		});
	});

	it('updates never carry the flag', async () => {
		const update: Plan = {
			kind: 'update',
			match: { user: wpUser() } as never,
			payload: { email: 'new@example.com' },
			notSynced: [],
		};
		expect(await withPasswordHash(contextFor(bridge, true).ctx, update)).toEqual(update);
	});
});
