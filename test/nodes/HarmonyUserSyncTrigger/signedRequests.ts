/** Bridge deliveries signed as the plugin signs them, for the trigger's tests. */
import { signBridgeDelivery } from '../../../core/security/signature';

export const SECRET = 'current-secret-for-the-fuzz-test-0123';
export const PREVIOUS = 'previous-secret-for-the-fuzz-test-0123';
export const now = () => String(Math.floor(Date.now() / 1000));

export function bridgeRequest(
	body: Buffer | string,
	opts: { secret?: string; ts?: string; ip?: string; headers?: Record<string, string> } = {},
) {
	const ts = opts.ts ?? now();
	return {
		body,
		remoteAddress: opts.ip ?? '127.0.0.1',
		headers: {
			'content-type': 'application/json',
			'x-harmonyuser-timestamp': ts,
			'x-harmonyuser-signature': signBridgeDelivery(opts.secret ?? SECRET, ts, body),
			...opts.headers,
		},
	};
}
