import type { WordPressClient } from './client';
import { classifyStatus, WordPressApiError } from './errors';

export interface BatchRequest {
	method: 'POST' | 'PUT' | 'DELETE';
	/** Path under /wp-json, query string allowed (e.g. "/wp/v2/users/5?force=true&reassign=1"). */
	path: string;
	body?: unknown;
}

export type BatchOutcome =
	| { ok: true; status: number; body: unknown }
	| { ok: false; error: WordPressApiError };

/**
 * Sends writes through /batch/v1, `size` per request (WordPress allows up to 25), and returns one outcome per
 * request, in order. Core WordPress refuses user routes in batches; the bridge plugin allows them.
 */
export async function batchWrite(
	client: WordPressClient,
	requests: BatchRequest[],
	options: { size: number; headers?: Record<string, string> },
): Promise<BatchOutcome[]> {
	const chunks: BatchRequest[][] = [];
	for (let i = 0; i < requests.length; i += options.size)
		chunks.push(requests.slice(i, i + options.size));
	const answers = await Promise.all(
		chunks.map((chunk) =>
			client.request<{ responses?: Array<{ status: number; body: unknown }> }>({
				method: 'POST',
				path: '/batch/v1',
				data: { validation: 'normal', requests: chunk },
				headers: options.headers,
			}),
		),
	);
	return answers.flatMap(({ data }, c) =>
		chunks[c].map((request, i) => outcomeOf(client.site, request, data.responses?.[i])),
	);
}

function outcomeOf(
	site: string,
	request: BatchRequest,
	response: { status: number; body: unknown } | undefined,
): BatchOutcome {
	if (!response) {
		const error = new WordPressApiError({
			kind: 'bad_response',
			site,
			method: request.method,
			path: request.path,
			wpMessage: 'missing from the batch answer',
		});
		return { ok: false, error };
	}
	if (response.status >= 200 && response.status < 300)
		return { ok: true, status: response.status, body: response.body };
	const body = (response.body ?? {}) as { code?: string; message?: string };
	const error = new WordPressApiError({
		kind: classifyStatus(response.status, body.code),
		site,
		method: request.method,
		path: request.path.split('?')[0],
		status: response.status,
		code: body.code,
		wpMessage: body.message,
	});
	return { ok: false, error };
}
