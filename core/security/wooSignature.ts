import { createHmac } from 'node:crypto';
import { matchesAnySecret } from './signature';

/** WooCommerce's `X-WC-Webhook-Signature`: base64(HMAC-SHA256(secret, raw body)). It signs no timestamp. */
export function signWooDelivery(secret: string, rawBody: Buffer | string): string {
	return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export function verifyWooDelivery(
	rawBody: Buffer | string,
	signature: string | undefined,
	secrets: string[],
): boolean {
	return matchesAnySecret(secrets, signature ?? '', (secret) => signWooDelivery(secret, rawBody));
}
