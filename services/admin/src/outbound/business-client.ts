import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';
import { ApiFailure } from '../api-error.js';
import { readBounded, transportFailure } from '../upstream.js';

export interface BusinessClientOptions {
  /** `MPSTACK_BUSINESS_URL`, without a trailing slash. */
  readonly baseUrl: string;
  /** Connecting, and waiting for the answer's headers (ms). */
  readonly timeoutMs: number;
}

/** A call to the business service's API (`/api/...`). */
export interface BusinessCall {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Below `/api`, e.g. `/pushes/12/start`. */
  readonly path: string;
  readonly query?: URLSearchParams;
  /** JSON (re-serialized) or a stream passed on as it arrives (an upload). */
  readonly json?: unknown;
  readonly stream?: { readonly body: Readable; readonly contentType: string };
}

/** A 2xx answer of the business service, to pass on to the browser. */
export interface BusinessAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
}

/**
 * The business service's API (sends, pushes, mass sends) over one keep-alive pool. Failures
 * become API errors with a code, as the log client's do: unreachable or too slow → 503
 * `unavailable`; its 5xx → 502 `upstream_failed`; its 400 / 404 / 409 → `invalid_request` /
 * `not_found` / `conflict` with its message.
 */
export class BusinessClient {
  readonly #agent: Agent;

  constructor(private readonly options: BusinessClientOptions) {
    this.#agent = new Agent({
      connect: { timeout: options.timeoutMs },
      // An upload of a million rows is answered once it is read: the headers may take long.
      headersTimeout: options.timeoutMs * 6,
      bodyTimeout: options.timeoutMs * 3,
      keepAliveTimeout: 10_000,
    });
  }

  async call(call: BusinessCall): Promise<BusinessAnswer> {
    const search = call.query === undefined || call.query.size === 0 ? '' : `?${call.query}`;
    const headers: Record<string, string> = {};
    let body: string | Readable | undefined;
    if (call.stream !== undefined) {
      headers['content-type'] = call.stream.contentType;
      body = call.stream.body;
    } else if (call.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.options.baseUrl}/api${call.path}${search}`, {
        dispatcher: this.#agent,
        method: call.method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      throw transportFailure(
        error,
        'the business service is not reachable',
        'the business service could not be called',
      );
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { status: response.statusCode, headers: response.headers, body: response.body };
    }
    throw await statusFailure(response);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

async function statusFailure(response: Dispatcher.ResponseData): Promise<ApiFailure> {
  const error = await readBounded(response.body, 64 * 1024, 'the business service')
    .then((text) => (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error)
    .catch(() => undefined);
  const message = error?.message;
  const said = typeof message === 'string' ? message : `HTTP ${response.statusCode}`;
  // WeChat's own answer (an errcode with its meaning), passed on through the business service.
  if (error?.code === 'wechat_error') return new ApiFailure('upstream_failed', said);
  if (error?.code === 'wechat_limit') return new ApiFailure('conflict', said);
  switch (response.statusCode) {
    case 400:
    case 422:
      return new ApiFailure('invalid_request', said, { problems: [said] });
    case 404:
      return new ApiFailure('not_found', said);
    case 409:
      return new ApiFailure('conflict', said);
    case 413:
      return new ApiFailure('too_large', said);
    case 415:
      return new ApiFailure('unsupported_media_type', said);
    case 503:
      return new ApiFailure('unavailable', `the business service cannot answer now: ${said}`);
    default:
      return new ApiFailure('upstream_failed', `the business service failed (HTTP ${response.statusCode})`);
  }
}
