/**
 * Waiting for the bridge's outgoing deliveries. A site's response does not wait for its webhooks: under PHP-FPM
 * the response goes out (fastcgi_finish_request) before the first delivery attempt, and the bridge's runner works
 * off the request path. Tests that look at a receiver after a write wait here first.
 */
import * as lab from '../lab';
import type { Site } from '../lab';

/** Rows still waiting for their first attempt now (due, never tried) or being sent. */
const BUSY = `SELECT COUNT(*) FROM wp_harmonyuser_queue
  WHERE status = 'sending' OR (status = 'pending' AND attempts = 0 AND next_attempt_at <= UNIX_TIMESTAMP())`;

/**
 * Resolves once every event queued on `site` so far has had its first delivery attempt (delivered, or pending a
 * retry): the receiver has seen what it will see without a retry. A site without the bridge's queue is settled.
 */
export async function deliveriesSettled(site: Site, { timeoutMs = 30000 } = {}): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		let busy: number;
		try {
			busy = Number((await lab.sql(site, BUSY)).trim());
		} catch (error) {
			if (/doesn't exist/.test(String(error))) return; // no bridge, no queue
			return Promise.reject(error);
		}
		if (busy === 0) return;
		if (Date.now() > deadline)
			throw new Error(
				`${site.name}: ${busy} deliveries still waiting for their first attempt after ${timeoutMs} ms`,
			);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** deliveriesSettled for several sites. */
export async function allDeliveriesSettled(...sites: Site[]): Promise<void> {
	await Promise.all(sites.map((site) => deliveriesSettled(site)));
}
