import type { SyncEvent } from '../schemas/syncEvent';
import type { WhitelistRule } from '../security/whitelist';
import type { HeaderValue } from './clientIp';

/** One incoming webhook request, as the trigger sees it (n8n's request object reduced to what is checked). */
export interface IncomingDelivery {
	headers: Record<string, HeaderValue>;
	/** The body exactly as received: signatures cover these bytes, not a re-serialized object. */
	rawBody: Buffer;
	remoteAddress?: string;
}

export type TriggerSource = 'bridge' | 'woocommerce';

export interface TriggerSettings {
	source: TriggerSource;
	/** The current secret first, then the previous one (rotation); blanks are ignored. */
	secrets: string[];
	toleranceSeconds: number;
	/** undefined: the whitelist is off. */
	whitelist?: WhitelistRule[];
	trustForwardedFor: boolean;
	/** The credential's site: the source URL when the request does not name one. */
	siteUrl: string;
	/** Bridge event names or WooCommerce topics this trigger listens for. */
	events: string[];
}

/** What the trigger answers. Only `accept` may start an execution, and only after the dedupe claim. */
export type Verdict =
	| { kind: 'reject'; status: 400 | 401 | 403; message: string }
	| { kind: 'ignore'; status: 200; body: Record<string, unknown> }
	| { kind: 'accept'; event: SyncEvent; dedupeKeys: string[] };

export const reject = (status: 400 | 401 | 403, message: string): Verdict => ({
	kind: 'reject',
	status,
	message,
});
