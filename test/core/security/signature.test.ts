import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
	checkTimestamp,
	safeEqual,
	signBridgeDelivery,
	verifyBridgeDelivery,
} from '../../../core/security/signature';
import { signWooDelivery, verifyWooDelivery } from '../../../core/security/wooSignature';
import { verifySignature } from '../../../lab/harness/webhookReceiver';

const SECRET = 'current-secret-0123456789';
const OLD = 'previous-secret-0123456789';
const NOW = 1_700_000_000_000;
const TS = String(NOW / 1000);
const BODY = '{"id":"e1","user":{"login":"ada"}}';

describe('bridge signatures', () => {
	const signed = (secret = SECRET, ts = TS, body = BODY) => ({
		rawBody: Buffer.from(body),
		timestamp: ts,
		signature: signBridgeDelivery(secret, ts, body),
	});

	it('signs as the bridge does: sha256=<hex HMAC(secret, "<ts>.<body>")> (same as the receiver helper checks)', () => {
		const header = signBridgeDelivery(SECRET, TS, BODY);
		expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
		expect(verifySignature(SECRET, TS, BODY, header)).toBe(true);
	});

	it('accepts a good signature', () => {
		expect(verifyBridgeDelivery(signed(), [SECRET], 300, NOW)).toEqual({ ok: true });
	});

	it('rejects a bad signature, a changed body, a wrong length and a missing header', () => {
		const good = signed();
		expect(
			verifyBridgeDelivery(
				{ ...good, signature: good.signature.replace(/.$/, (c) => (c === '0' ? '1' : '0')) },
				[SECRET],
				300,
				NOW,
			),
		).toEqual({ ok: false, reason: 'signature' });
		expect(
			verifyBridgeDelivery({ ...good, rawBody: Buffer.from(`${BODY} `) }, [SECRET], 300, NOW).ok,
		).toBe(false);
		expect(
			verifyBridgeDelivery({ ...good, signature: good.signature.slice(0, -2) }, [SECRET], 300, NOW),
		).toEqual({ ok: false, reason: 'signature' });
		expect(
			verifyBridgeDelivery({ ...good, signature: `${good.signature}00` }, [SECRET], 300, NOW).ok,
		).toBe(false);
		expect(verifyBridgeDelivery({ ...good, signature: undefined }, [SECRET], 300, NOW).ok).toBe(
			false,
		);
		expect(verifyBridgeDelivery(good, [], 300, NOW).ok).toBe(false);
	});

	it('signs the timestamp: changing it breaks the signature', () => {
		expect(
			verifyBridgeDelivery({ ...signed(), timestamp: String(NOW / 1000 + 1) }, [SECRET], 300, NOW),
		).toEqual({ ok: false, reason: 'signature' });
	});

	it('falls back to the previous secret during rotation, and to nothing else', () => {
		expect(verifyBridgeDelivery(signed(OLD), [SECRET, OLD], 300, NOW)).toEqual({ ok: true });
		expect(verifyBridgeDelivery(signed(OLD), [SECRET], 300, NOW).ok).toBe(false);
		expect(verifyBridgeDelivery(signed('someone-else-secret'), [SECRET, OLD], 300, NOW).ok).toBe(
			false,
		);
	});

	it('refuses expired and future timestamps, within the tolerance only', () => {
		expect(
			verifyBridgeDelivery(signed(SECRET, String(NOW / 1000 - 301)), [SECRET], 300, NOW),
		).toEqual({ ok: false, reason: 'expired' });
		expect(
			verifyBridgeDelivery(signed(SECRET, String(NOW / 1000 + 301)), [SECRET], 300, NOW),
		).toEqual({ ok: false, reason: 'future' });
		expect(
			verifyBridgeDelivery(signed(SECRET, String(NOW / 1000 - 300)), [SECRET], 300, NOW),
		).toEqual({ ok: true });
		expect(
			verifyBridgeDelivery(signed(SECRET, String(NOW / 1000 + 300)), [SECRET], 300, NOW),
		).toEqual({ ok: true });
		expect(checkTimestamp('12.5', 300, NOW)).toEqual({ ok: false, reason: 'missing' });
		expect(checkTimestamp('', 300, NOW)).toEqual({ ok: false, reason: 'missing' });
	});

	it('compares in constant time without throwing on unequal lengths', () => {
		expect(safeEqual('abc', 'abc')).toBe(true);
		expect(safeEqual('abc', 'abd')).toBe(false);
		expect(safeEqual('abc', 'abcd')).toBe(false);
		expect(safeEqual('', '')).toBe(true);
	});
});

describe('WooCommerce signatures', () => {
	const body = readFileSync(
		path.join(__dirname, '..', '..', 'fixtures', 'woocommerce', 'customer.created.json'),
	);

	it("matches WooCommerce's documented algorithm: base64(HMAC-SHA256(secret, raw body)), value computed by PHP", () => {
		// php -r 'echo base64_encode(hash_hmac("sha256", $body, $secret, true));' (WC_Webhook::generate_signature)
		expect(signWooDelivery('wc-documented-example-secret', body)).toBe(
			'uow52ivoTBEp8qNG/NIO1ptjnHS5Eo5DFD+pkDa6L+g=',
		);
	});

	it('verifies with the current or the previous secret, and rejects anything else', () => {
		const header = signWooDelivery(SECRET, body);
		expect(verifyWooDelivery(body, header, [SECRET])).toBe(true);
		expect(verifyWooDelivery(body, signWooDelivery(OLD, body), [SECRET, OLD])).toBe(true);
		expect(verifyWooDelivery(body, signWooDelivery(OLD, body), [SECRET])).toBe(false);
		expect(verifyWooDelivery(Buffer.concat([body, Buffer.from(' ')]), header, [SECRET])).toBe(
			false,
		);
		expect(verifyWooDelivery(body, header.slice(1), [SECRET])).toBe(false);
		expect(verifyWooDelivery(body, undefined, [SECRET])).toBe(false);
	});
});
