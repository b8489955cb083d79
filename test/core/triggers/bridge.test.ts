import { signBridgeDelivery } from '../../../core/security/signature';
import { parseWhitelist } from '../../../core/security/whitelist';
import { senderIp } from '../../../core/triggers/clientIp';
import type { TriggerSettings } from '../../../core/triggers/delivery';
import { verifyBridge } from '../../../core/triggers/verifyBridge';

const SECRET = 'bridge-secret-0123456789abcdef';
const settings: TriggerSettings = {
	source: 'bridge',
	secrets: [SECRET],
	toleranceSeconds: 300,
	trustForwardedFor: false,
	siteUrl: 'http://127.0.0.1:8681',
	events: ['user.created', 'user.updated', 'user.deleted', 'user.password_changed'],
};
const event = {
	id: '5b0c7f0e-8d9a-4e8e-9b1c-2f3a4b5c6d7e',
	event: 'user.created',
	action: 'create',
	time: '2026-01-01T00:00:00Z',
	source: { url: 'http://127.0.0.1:8681' },
	path: ['http://127.0.0.1:8681'],
	user: {
		login: 'ada',
		email: 'ada@example.test',
		roles: ['subscriber'],
		passwordHash: '$P$Bxyz',
		sourceId: 7,
	},
};
const delivery = (body: unknown, extra: Record<string, string> = {}, secret = SECRET) => {
	const raw = typeof body === 'string' ? body : JSON.stringify(body);
	const ts = String(Math.floor(Date.now() / 1000));
	return {
		rawBody: Buffer.from(raw),
		remoteAddress: '127.0.0.1',
		headers: {
			'x-harmonyuser-timestamp': ts,
			'x-harmonyuser-signature': signBridgeDelivery(secret, ts, raw),
			'x-harmonyuser-event-id': event.id,
			...extra,
		},
	};
};

describe('bridge delivery verification', () => {
	it('accepts a signed event as-is, with the sender IP as source.ip', () => {
		const verdict = verifyBridge(delivery(event), settings);
		if (verdict.kind !== 'accept') throw new Error(JSON.stringify(verdict));
		expect(verdict.event).toMatchObject({
			id: event.id,
			event: 'user.created',
			action: 'create',
			source: { url: 'http://127.0.0.1:8681', ip: '127.0.0.1' },
		});
		expect(verdict.event.user.passwordHash).toBe('$P$Bxyz');
		const request = delivery(event);
		const again = verifyBridge(request, settings);
		// The key is the event with its signed timestamp: a replay of this request is a duplicate; the bridge's
		// retry, signed anew, is not (it retries only when no 2xx came back).
		expect(again.kind === 'accept' && again.dedupeKeys).toEqual([
			`event:${event.id}:${request.headers['x-harmonyuser-timestamp']}`,
		]);
		const retry = verifyBridge(
			{
				...request,
				headers: {
					...request.headers,
					'x-harmonyuser-timestamp': '1',
					'x-harmonyuser-signature': 'x',
				},
			},
			settings,
		);
		expect(retry.kind).toBe('reject'); // a new timestamp needs a new signature
	});

	it('checks in order: whitelist 403, signature 401, timestamp 401, body 400', () => {
		const whitelist = parseWhitelist(['10.0.0.0/8']);
		expect(
			verifyBridge(delivery('not json', {}, 'wrong-secret-wrong-secret'), {
				...settings,
				whitelist,
			}),
		).toMatchObject({ status: 403 });
		expect(
			verifyBridge(delivery('not json', {}, 'wrong-secret-wrong-secret'), settings),
		).toMatchObject({ status: 401 });
		const old = String(Math.floor(Date.now() / 1000) - 3600);
		const raw = JSON.stringify(event);
		expect(
			verifyBridge(
				{
					...delivery(event),
					headers: {
						'x-harmonyuser-timestamp': old,
						'x-harmonyuser-signature': signBridgeDelivery(SECRET, old, raw),
					},
				},
				settings,
			),
		).toMatchObject({ status: 401, message: expect.stringMatching(/too old/) });
		expect(verifyBridge(delivery('not json'), settings)).toMatchObject({
			status: 400,
			message: 'The body is not valid JSON',
		});
		expect(verifyBridge(delivery({ ...event, action: 'explode' }), settings)).toMatchObject({
			status: 400,
			message: expect.stringMatching(/action/),
		});
		expect(verifyBridge(delivery([event]), settings)).toMatchObject({ status: 400 });
	});

	it('refuses an event id header that disagrees with the signed body', () => {
		expect(
			verifyBridge(delivery(event, { 'x-harmonyuser-event-id': 'other' }), settings),
		).toMatchObject({ status: 400 });
	});

	it('matches URL whitelist entries against the registered site only, never the claimed source', () => {
		expect(
			verifyBridge(delivery(event), {
				...settings,
				whitelist: parseWhitelist(['http://127.0.0.1:8681/']),
			}).kind,
		).toBe('accept');
		expect(
			verifyBridge(delivery(event), {
				...settings,
				whitelist: parseWhitelist(['https://other.example']),
			}),
		).toMatchObject({ status: 403 });
		// A body claiming a whitelisted site does not let a webhook registered elsewhere through.
		const claims = { ...event, source: { url: 'https://a.example' }, path: ['https://a.example'] };
		const onC = {
			...settings,
			siteUrl: 'https://c.example',
			whitelist: parseWhitelist(['https://a.example']),
		};
		expect(verifyBridge(delivery(claims), onC)).toMatchObject({
			status: 403,
			message: 'Sender not whitelisted',
		});
	});

	it("refuses an event signed with this site's secret that claims another source", () => {
		const forged = { ...event, source: { url: 'https://a.example' }, path: ['https://a.example'] };
		expect(
			verifyBridge(delivery(forged), { ...settings, siteUrl: 'https://c.example' }),
		).toMatchObject({
			kind: 'reject',
			status: 403,
			message: expect.stringContaining('registered on https://c.example'),
		});
	});

	it('ignores events the node does not listen for', () => {
		expect(verifyBridge(delivery(event), { ...settings, events: ['user.deleted'] })).toMatchObject({
			kind: 'ignore',
			status: 200,
		});
	});
});

describe('sender IP', () => {
	it('uses the socket unless X-Forwarded-For is trusted, then its right-most entry', () => {
		expect(senderIp('::ffff:10.1.2.3', '198.51.100.1, 203.0.113.9', false)).toBe('10.1.2.3');
		expect(senderIp('10.1.2.3', '198.51.100.1, 203.0.113.9', true)).toBe('203.0.113.9');
		expect(senderIp('10.1.2.3', 'garbage', true)).toBe('10.1.2.3');
		expect(senderIp(undefined, undefined, true)).toBeUndefined();
	});
});
