import { signBridgeDelivery } from '../../../core/security/signature';
import type { TriggerSettings } from '../../../core/triggers/delivery';
import {
	activationFailure,
	deliveryUrl,
	echoCovered,
	incomplete,
	planNetwork,
	rollbackList,
	settleActivation,
	siteOfDelivery,
	staleSubscriptions,
	subscriptionCurrent,
	toleratesDownSites,
	type RecordedSite,
	type SiteOutcome,
	type SiteRef,
} from '../../../core/triggers/networkSubscriptions';
import { verifyBridge } from '../../../core/triggers/verifyBridge';

const A: SiteRef = { name: 'Blog', url: 'http://127.0.0.1:8001' };
const B: SiteRef = { name: 'Shop', url: 'http://127.0.0.1:8002' };
const C: SiteRef = { name: 'Help Desk', url: 'http://127.0.0.1:8003' };
const HOOK = 'https://n8n.example.com/webhook/abc/webhook';
const EVENTS = ['user.created', 'user.updated'];
const rec = (site: SiteRef, id: string, extra: Partial<RecordedSite> = {}): RecordedSite => ({
	...site,
	webhookId: id,
	secret: `secret-${id}-0123456789`,
	...extra,
});

describe('delivery URLs name their site', () => {
	it('appends ?site=<url-encoded name>, or &site= after an existing query', () => {
		expect(deliveryUrl(HOOK, 'Help Desk')).toBe(`${HOOK}?site=Help%20Desk`);
		expect(deliveryUrl(`${HOOK}?x=1`, 'Shop')).toBe(`${HOOK}?x=1&site=Shop`);
		expect(new URL(deliveryUrl(HOOK, 'Ünï.code_-1')).searchParams.get('site')).toBe('Ünï.code_-1');
	});

	it('finds the recorded site a query value names (case-insensitive); anything else is unknown', () => {
		const recorded = [rec(A, '1'), rec(C, '3')];
		expect(siteOfDelivery(recorded, 'help desk')).toBe(recorded[1]);
		expect(siteOfDelivery(recorded, 'Blog')).toBe(recorded[0]);
		for (const value of [undefined, '', '  ', 'Shop', ['Blog', 'Shop'], 7])
			expect(siteOfDelivery(recorded, value)).toBeUndefined();
	});
});

describe('planNetwork: what the network asks for against what is recorded', () => {
	it('pairs each enabled site with its record by name AND URL; every other record is removed', () => {
		const moved = { ...B, url: 'http://127.0.0.1:9002' };
		const renamed = { ...C, name: 'Support' };
		const recorded = [
			rec(A, '1'),
			rec(B, '2'),
			rec(C, '3'),
			rec({ name: 'Gone', url: 'http://127.0.0.1:8009' }, '9'),
		];
		const plan = planNetwork(recorded, [A, moved, renamed]);
		expect(plan.sites).toEqual([
			{ site: A, recorded: recorded[0] },
			{ site: moved, recorded: undefined },
			{ site: renamed, recorded: undefined },
		]);
		expect(plan.removed.map((site) => site.webhookId)).toEqual(['2', '3', '9']);
	});

	it('incomplete without asking the sites: a site unrecorded, pending or without a secret, a removed site, no site at all', () => {
		expect(incomplete(planNetwork([rec(A, '1'), rec(B, '2')], [A, B]))).toBe(false);
		expect(incomplete(planNetwork([rec(A, '1')], [A, B]))).toBe(true);
		expect(incomplete(planNetwork([rec(A, '1'), rec(B, '2', { pending: true })], [A, B]))).toBe(
			true,
		);
		expect(incomplete(planNetwork([rec(A, '1'), { ...B, webhookId: '2' }], [A, B]))).toBe(true);
		expect(incomplete(planNetwork([rec(A, '1'), rec(B, '2')], [A]))).toBe(true);
		expect(incomplete(planNetwork([], []))).toBe(true);
	});
});

describe('a site’s subscription', () => {
	const url = deliveryUrl(HOOK, A.name);
	it('is current with the recorded id, this delivery URL, the same events (any order) and a known secret', () => {
		const remote = [{ id: '1', url, events: ['user.updated', 'user.created'] }];
		expect(subscriptionCurrent(rec(A, '1'), remote, url, EVENTS)).toBe(true);
		expect(subscriptionCurrent(rec(A, '1'), remote, url, ['user.created'])).toBe(false);
		expect(subscriptionCurrent(rec(A, '1'), remote, deliveryUrl(HOOK, B.name), EVENTS)).toBe(false);
		expect(subscriptionCurrent(rec(A, '2'), remote, url, EVENTS)).toBe(false);
		expect(subscriptionCurrent({ ...A, webhookId: '1' }, remote, url, EVENTS)).toBe(false);
		expect(subscriptionCurrent(rec(A, '1', { pending: true }), remote, url, EVENTS)).toBe(false);
		expect(subscriptionCurrent(undefined, remote, url, EVENTS)).toBe(false);
	});

	it('stale ones deliver to the same URL and are not the one kept; other URLs are left alone', () => {
		const remote = [
			{ id: '1', url, events: EVENTS },
			{ id: '2', url, events: EVENTS },
			{ id: '3', url: deliveryUrl(HOOK, B.name), events: EVENTS },
			{ id: '4', url: 'https://elsewhere.example.com/hook', events: EVENTS },
		];
		expect(staleSubscriptions(remote, url, '1').map((hook) => hook.id)).toEqual(['2']);
		expect(staleSubscriptions(remote, url).map((hook) => hook.id)).toEqual(['1', '2']);
	});
});

describe('settleActivation: what an activation leaves behind', () => {
	const created = (site: SiteRef, id: string): SiteOutcome<SiteRef> => ({
		site,
		kind: 'created',
		record: rec(site, id),
	});
	const kept = (site: SiteRef, id: string): SiteOutcome<SiteRef> => ({
		site,
		kind: 'kept',
		record: rec(site, id),
	});
	const failed = (site: SiteRef, previous?: RecordedSite): SiteOutcome<SiteRef> => ({
		site,
		kind: 'failed',
		previous,
		error: `WordPress ${site.url} failed`,
	});

	it('only the start of n8n and a leadership change tolerate sites that are down', () => {
		expect(toleratesDownSites('init')).toBe(true);
		expect(toleratesDownSites('leadershipChange')).toBe(true);
		for (const mode of ['activate', 'update', 'create', 'manual'])
			expect(toleratesDownSites(mode)).toBe(false);
	});

	it('every site subscribed: every record kept, nothing pending', () => {
		expect(settleActivation([created(A, '1'), kept(B, '2')], false)).toEqual({
			kind: 'record',
			sites: [rec(A, '1'), rec(B, '2')],
			pending: [],
		});
	});

	it('a user activation with one site failed fails, undoing only what it created (kept ones were there before)', () => {
		const outcomes = [created(A, '1'), failed(B), kept(C, '3')];
		const settled = settleActivation(outcomes, false);
		expect(settled).toEqual({
			kind: 'fail',
			undo: [{ site: A, record: rec(A, '1') }],
			failed: [{ name: 'Shop', error: 'WordPress http://127.0.0.1:8002 failed' }],
			total: 3,
		});
		expect(rollbackList(outcomes)).toEqual([{ site: A, record: rec(A, '1') }]);
	});

	it('at start-up a failed site is pending (its earlier subscription and secret kept), the others recorded', () => {
		const settled = settleActivation([created(A, '1'), failed(B, rec(B, '2')), failed(C)], true);
		expect(settled).toEqual({
			kind: 'record',
			sites: [rec(A, '1'), rec(B, '2', { pending: true }), { ...C, pending: true }],
			pending: [
				{ name: 'Shop', error: 'WordPress http://127.0.0.1:8002 failed' },
				{ name: 'Help Desk', error: 'WordPress http://127.0.0.1:8003 failed' },
			],
		});
	});

	it('at start-up with every site failed the activation fails (n8n retries it); nothing to undo', () => {
		expect(settleActivation([failed(A), failed(B)], true)).toMatchObject({
			kind: 'fail',
			undo: [],
			total: 2,
		});
	});

	it('the failure message names the sites and what was undone; the reasons go to the description', () => {
		const failedSites = [
			{
				name: 'Shop',
				error:
					'WordPress http://127.0.0.1:8002 failed to GET /harmonyuser/v1/webhooks: connect ECONNREFUSED',
			},
		];
		expect(activationFailure(failedSites, 3, [])).toEqual({
			message:
				'Could not subscribe network site "Shop". No subscription was left on the other sites.',
			description:
				'"Shop": WordPress http://127.0.0.1:8002 failed to GET /harmonyuser/v1/webhooks: connect ECONNREFUSED',
		});
		expect(
			activationFailure([...failedSites, { name: 'Blog', error: 'x' }], 3, ['Help Desk']).message,
		).toBe(
			'Could not subscribe network 2 of 3 sites: "Shop", "Blog". The subscriptions made on "Help Desk" could not be removed again; the next activation replaces them.',
		);
		expect(
			activationFailure(
				[
					{ name: 'Shop', error: 'down' },
					{ name: 'Blog', error: 'down' },
				],
				2,
				[],
			),
		).toEqual({
			message: 'Could not subscribe network 2 of 2 sites: "Shop", "Blog".',
			description: '"Shop": down\n"Blog": down',
		});
	});
});

describe('echoes of a fan-out', () => {
	const recorded = [rec(A, '1'), rec(B, '2'), rec(C, '3', { pending: true })];
	it('are covered when the source and path reach every recorded site (pending ones included)', () => {
		expect(echoCovered(recorded, [A.url, B.url, C.url], B.url)).toBe(true);
		expect(echoCovered(recorded, [A.url, C.url], B.url)).toBe(true);
		expect(echoCovered(recorded, [A.url, B.url, C.url, 'http://127.0.0.1:8009'], A.url)).toBe(true);
	});
	it('are not covered while one site lacks the change, nor with no site recorded', () => {
		expect(echoCovered(recorded, [A.url], B.url)).toBe(false);
		expect(echoCovered(recorded, [], A.url)).toBe(false);
		expect(echoCovered([], [A.url], A.url)).toBe(false);
	});
});

describe('a delivery is verified with the secret and URL of the site it names', () => {
	const secrets = {
		[A.name]: 'secret-of-blog-0123456789abcdef',
		[B.name]: 'secret-of-shop-0123456789abcdef',
	};
	const settingsFor = (site: SiteRef): TriggerSettings => ({
		source: 'bridge',
		secrets: [secrets[site.name]],
		toleranceSeconds: 300,
		trustForwardedFor: false,
		siteUrl: site.url,
		events: EVENTS,
	});
	const body = (source: SiteRef) =>
		JSON.stringify({
			id: `evt-${source.name}`,
			event: 'user.updated',
			action: 'update',
			time: '2026-01-01T00:00:00Z',
			source: { url: source.url },
			user: { login: 'ada', email: 'ada@example.test' },
		});
	const signed = (raw: string, secret: string) => {
		const ts = String(Math.floor(Date.now() / 1000));
		return {
			rawBody: Buffer.from(raw),
			remoteAddress: '127.0.0.1',
			headers: {
				'x-harmonyuser-timestamp': ts,
				'x-harmonyuser-signature': signBridgeDelivery(secret, ts, raw),
			},
		};
	};

	it('accepts a site’s own event signed with its own secret', () => {
		expect(verifyBridge(signed(body(B), secrets.Shop), settingsFor(B))).toMatchObject({
			kind: 'accept',
			event: { source: { url: B.url } },
		});
	});
	it('refuses another site’s secret (401) and a body claiming another site (403)', () => {
		expect(verifyBridge(signed(body(B), secrets.Blog), settingsFor(B))).toMatchObject({
			kind: 'reject',
			status: 401,
		});
		expect(verifyBridge(signed(body(B), secrets.Blog), settingsFor(A))).toMatchObject({
			kind: 'reject',
			status: 403,
		});
	});
});
