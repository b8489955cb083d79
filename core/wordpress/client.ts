import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import pLimit from 'p-limit';
import { normalizeSiteUrl } from '../sites';
import { classifyStatus, WordPressApiError, type WordPressErrorKind } from './errors';
import {
	DEFAULT_RETRY,
	isRetryableNetworkCode,
	isRetryableStatus,
	retryDelayMs,
	type RetryPolicy,
} from './retry';

export interface SiteCredentials {
	url: string;
	username: string;
	applicationPassword: string;
}

export interface ClientOptions {
	/** Requests in flight at once against this site. */
	concurrency?: number;
	timeoutMs?: number;
	retry?: Partial<RetryPolicy>;
	userAgent?: string;
	/** Extra headers on every request (e.g. the propagation path for the bridge). */
	headers?: Record<string, string>;
}

export interface RestRequest {
	method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';
	/** Path under /wp-json, e.g. "/wp/v2/users". */
	path: string;
	params?: Record<string, string | number | boolean | undefined>;
	data?: unknown;
	headers?: Record<string, string>;
}

export interface RestResponse<T> {
	status: number;
	data: T;
	headers: Record<string, string>;
}

interface Shared {
	http: AxiosInstance;
	limit: pLimit.Limit;
	retry: RetryPolicy;
	sleep: (ms: number) => Promise<void>;
}

/**
 * A WordPress REST API client for one site: keep-alive, timeouts, bounded concurrency, retries with backoff and
 * jitter on network errors, 429 and 5xx. `fork()` gives a view that shares all of that but counts its own
 * requests, so each synced item can report what it cost.
 */
export class WordPressClient {
	readonly site: string;
	private requestCount = 0;

	private constructor(
		site: string,
		private readonly shared: Shared,
		private readonly parent?: WordPressClient,
	) {
		this.site = site;
	}

	static create(credentials: SiteCredentials, options: ClientOptions = {}): WordPressClient {
		const site = normalizeSiteUrl(credentials.url);
		const agentOptions = { keepAlive: true, maxSockets: options.concurrency ?? 4 };
		const instance = axios.create({
			baseURL: `${site}/wp-json`,
			timeout: options.timeoutMs ?? 30_000,
			auth: { username: credentials.username, password: credentials.applicationPassword },
			httpAgent: new http.Agent(agentOptions),
			httpsAgent: new https.Agent(agentOptions),
			headers: {
				Accept: 'application/json',
				'User-Agent': options.userAgent ?? 'HarmonyUserSync-n8n',
				...options.headers,
			},
			validateStatus: () => true,
			maxRedirects: 0,
			transitional: { clarifyTimeoutError: true },
		});
		return new WordPressClient(site, {
			http: instance,
			limit: pLimit(Math.max(1, options.concurrency ?? 4)),
			retry: { ...DEFAULT_RETRY, ...options.retry },
			sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
		});
	}

	/** A view sharing connections, limits and retries, with its own request counter. */
	fork(): WordPressClient {
		return new WordPressClient(this.site, this.shared, this);
	}

	/** HTTP requests sent through this client and its forks, retries included. */
	get requests(): number {
		return this.requestCount;
	}

	async request<T>(req: RestRequest): Promise<RestResponse<T>> {
		const { retry } = this.shared;
		for (let attempt = 0; ; attempt++) {
			const outcome = await this.shared.limit(() => this.attempt(req));
			if (outcome.kind === 'response') {
				const { response } = outcome;
				const wpCode = errorCode(response.data);
				if (response.status >= 200 && response.status < 300)
					return this.toResponse<T>(req, response);
				if (attempt < retry.retries && isRetryableStatus(response.status, wpCode)) {
					await this.shared.sleep(retryDelayMs(attempt, retry, header(response, 'retry-after')));
					continue;
				}
				throw this.httpError(req, response, wpCode);
			}
			if (attempt < retry.retries && isRetryableNetworkCode(outcome.code)) {
				await this.shared.sleep(retryDelayMs(attempt, retry, undefined));
				continue;
			}
			throw this.error(req, outcome.code === 'ETIMEDOUT' ? 'timeout' : 'network', {
				wpMessage: outcome.code ?? 'no answer',
			});
		}
	}

	private async attempt(
		req: RestRequest,
	): Promise<{ kind: 'response'; response: AxiosResponse } | { kind: 'network'; code?: string }> {
		this.count();
		try {
			const response = await this.shared.http.request({
				method: req.method,
				url: req.path,
				params: req.params,
				data: req.data,
				headers: req.headers,
			});
			return { kind: 'response', response };
		} catch (error) {
			// Only the code is kept: axios errors carry the request config, credentials included.
			const code = (error as { code?: string }).code;
			return { kind: 'network', code };
		}
	}

	private count(): void {
		this.requestCount++;
		this.parent?.count();
	}

	private toResponse<T>(req: RestRequest, response: AxiosResponse): RestResponse<T> {
		const isJson = String(header(response, 'content-type') ?? '').includes('json');
		if (!isJson || typeof response.data === 'string') {
			throw this.error(req, 'bad_response', {
				status: response.status,
				wpMessage:
					'the answer is not JSON: is this a WordPress site with the REST API and pretty permalinks?',
			});
		}
		return { status: response.status, data: response.data as T, headers: flatHeaders(response) };
	}

	private httpError(
		req: RestRequest,
		response: AxiosResponse,
		wpCode: string | undefined,
	): WordPressApiError {
		const body = response.data as { message?: unknown } | undefined;
		const wpMessage = typeof body?.message === 'string' ? body.message : undefined;
		return this.error(req, classifyStatus(response.status, wpCode), {
			status: response.status,
			code: wpCode,
			wpMessage,
		});
	}

	private error(
		req: RestRequest,
		kind: WordPressErrorKind,
		extra: { status?: number; code?: string; wpMessage?: string },
	): WordPressApiError {
		return new WordPressApiError({
			kind,
			site: this.site,
			method: req.method,
			path: req.path,
			...extra,
		});
	}
}

function errorCode(data: unknown): string | undefined {
	if (data && typeof data === 'object' && typeof (data as { code?: unknown }).code === 'string') {
		return (data as { code: string }).code;
	}
	return undefined;
}

function header(response: AxiosResponse, name: string): string | undefined {
	const value = response.headers[name];
	return value === undefined || value === null ? undefined : String(value);
}

function flatHeaders(response: AxiosResponse): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, value] of Object.entries(response.headers)) {
		if (value !== undefined && value !== null) out[key.toLowerCase()] = String(value);
	}
	return out;
}
