import {
	DEFAULT_RETRY,
	isRetryableNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
	retryDelayMs,
	type RetryPolicy,
} from '../../../core/wordpress/retry';

describe('isRetryableStatus', () => {
	it.each([
		[429, undefined, true],
		[429, 'rest_too_many', true],
		[500, undefined, true],
		[500, 'existing_user_email', false],
		[500, 'internal_server_error', false],
		[502, undefined, true],
		[503, undefined, true],
		[503, 'maintenance', true],
		[504, undefined, true],
		[501, undefined, false],
		[505, undefined, false],
		[400, undefined, false],
		[400, 'rest_invalid_param', false],
		[401, undefined, false],
		[403, undefined, false],
		[404, undefined, false],
		[409, undefined, false],
		[200, undefined, false],
	])('%i with code %p → %p', (status, code, expected) => {
		expect(isRetryableStatus(status, code)).toBe(expected);
	});
});

describe('isRetryableNetworkCode', () => {
	it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN'])('%s is retryable', (code) => {
		expect(isRetryableNetworkCode(code)).toBe(true);
	});

	it.each([undefined, '', 'ERR_BAD_REQUEST', 'CERT_HAS_EXPIRED', 'econnreset'])(
		'%p is not',
		(code) => {
			expect(isRetryableNetworkCode(code)).toBe(false);
		},
	);
});

describe('retryDelayMs', () => {
	const policy: RetryPolicy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
	const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

	it('uses full jitter between 0 and base × 2^attempt', () => {
		expect(retryDelayMs(0, policy, undefined, () => 0, NOW)).toBe(0);
		expect(retryDelayMs(0, policy, undefined, () => 0.999999, NOW)).toBe(100);
		expect(retryDelayMs(1, policy, undefined, () => 0.5, NOW)).toBe(100);
		expect(retryDelayMs(2, policy, undefined, () => 0.5, NOW)).toBe(200);
		expect(retryDelayMs(3, policy, undefined, () => 0.25, NOW)).toBe(200);
		expect(retryDelayMs(3, policy, undefined, () => 0.999999, NOW)).toBe(800);
	});

	it('caps the ceiling at the maximum delay', () => {
		expect(retryDelayMs(4, policy, undefined, () => 0.999999, NOW)).toBe(1_000);
		expect(retryDelayMs(30, policy, undefined, () => 0.5, NOW)).toBe(500);
	});

	it('stays within bounds for any random value', () => {
		for (let attempt = 0; attempt < 8; attempt++) {
			for (const r of [0, 0.1, 0.37, 0.5, 0.81, 0.999999]) {
				const delay = retryDelayMs(attempt, policy, undefined, () => r, NOW);
				expect(delay).toBeGreaterThanOrEqual(0);
				expect(delay).toBeLessThanOrEqual(
					Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt),
				);
			}
		}
	});

	it('takes Retry-After seconds over the backoff, without drawing a random number', () => {
		const random = jest.fn(() => 0.5);
		expect(retryDelayMs(0, policy, '1', random, NOW)).toBe(1_000);
		expect(retryDelayMs(3, policy, '0', random, NOW)).toBe(0);
		expect(random).not.toHaveBeenCalled();
	});

	it('caps Retry-After at the maximum delay', () => {
		expect(retryDelayMs(0, policy, '120', () => 0, NOW)).toBe(1_000);
		expect(retryDelayMs(0, DEFAULT_RETRY, '120', () => 0, NOW)).toBe(DEFAULT_RETRY.maxDelayMs);
	});

	it('takes a Retry-After HTTP date as the time left until it', () => {
		expect(retryDelayMs(0, policy, new Date(NOW + 800_000).toUTCString(), () => 0, NOW)).toBe(
			1_000,
		);
		expect(
			retryDelayMs(
				0,
				{ ...policy, maxDelayMs: 60_000 },
				new Date(NOW + 7_000).toUTCString(),
				() => 0,
				NOW,
			),
		).toBe(7_000);
		expect(retryDelayMs(0, policy, new Date(NOW).toUTCString(), () => 0.9, NOW)).toBe(0);
	});

	it('waits 0 for a Retry-After date in the past', () => {
		expect(retryDelayMs(2, policy, new Date(NOW - 60_000).toUTCString(), () => 0.9, NOW)).toBe(0);
	});

	it('falls back to the backoff for an unreadable Retry-After', () => {
		expect(retryDelayMs(2, policy, 'soon', () => 0.5, NOW)).toBe(200);
		expect(retryDelayMs(2, policy, '', () => 0.5, NOW)).toBe(200);
	});
});

describe('parseRetryAfter', () => {
	const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

	it('reads delta seconds', () => {
		expect(parseRetryAfter('7', NOW)).toBe(7_000);
		expect(parseRetryAfter(' 30 ', NOW)).toBe(30_000);
	});

	it('reads an HTTP date', () => {
		expect(parseRetryAfter('Wed, 01 May 2024 12:00:05 GMT', NOW)).toBe(5_000);
	});

	it.each([undefined, '', 'later'])('gives undefined for %p', (value) => {
		expect(parseRetryAfter(value, NOW)).toBeUndefined();
	});
});
