/** When to try a request again, and how long to wait first. */
export interface RetryPolicy {
	retries: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 10_000 };

const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENOTFOUND',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export function isRetryableNetworkCode(code: string | undefined): boolean {
	return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/**
 * 429 and 5xx are worth another try, except a 500 carrying a WordPress error code: that is WordPress's
 * considered answer (duplicate users come back as 500 existing_user_*), and it will say the same again.
 */
export function isRetryableStatus(status: number, wpCode: string | undefined): boolean {
	if (status === 429) return true;
	if (status === 500) return wpCode === undefined;
	return status >= 502 && status <= 504;
}

/** Exponential backoff with full jitter; a Retry-After header (seconds or HTTP date) wins when present. */
export function retryDelayMs(
	attempt: number,
	policy: RetryPolicy,
	retryAfter: string | undefined,
	random: () => number = Math.random,
	now: number = Date.now(),
): number {
	const fromHeader = parseRetryAfter(retryAfter, now);
	if (fromHeader !== undefined) return Math.min(fromHeader, policy.maxDelayMs);
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
	return Math.round(random() * ceiling);
}

export function parseRetryAfter(
	value: string | undefined,
	now: number = Date.now(),
): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}
