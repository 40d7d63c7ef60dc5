import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';
import { ApiFailure } from '../api-error.js';
import { readBounded, transportFailure } from '../upstream.js';

export interface LogClientOptions {
  /** `MPSTACK_LOG_URL`, without a trailing slash. */
  readonly baseUrl: string;
  /** Connecting, and waiting for the answer's headers (ms). */
  readonly timeoutMs: number;
}

/** The most JSON a query answer may have (500 rows of ≤ 2 KB text, with room to spare). */
const maxJsonBytes = 16 * 1024 * 1024;

/** An answer of the log service being streamed to the browser (a file download). */
export interface LogStream {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
}

/**
 * The log service's query API (issue 10 seams) over one keep-alive pool. Every failure becomes
 * an API error with a code, never a stack: unreachable or too slow → 503 `unavailable`; a 5xx
 * or an answer that is not JSON → 502 `upstream_failed`; its 400 → `invalid_request` with its
 * problems; its 404 → `not_found`.
 */
export class LogClient {
  readonly #agent: Agent;

  constructor(private readonly options: LogClientOptions) {
    this.#agent = new Agent({
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      // Between two chunks of a body (a large file download may take long as a whole).
      bodyTimeout: options.timeoutMs * 3,
      keepAliveTimeout: 10_000,
    });
  }

  /** GET `path?query` → the parsed JSON of a 200. */
  async json(path: string, query: URLSearchParams, signal?: AbortSignal): Promise<unknown> {
    const response = await this.#send(path, query, signal);
    try {
      const text = await readBounded(response.body, maxJsonBytes, 'the log service');
      return JSON.parse(text) as unknown;
    } catch (error) {
      if (signal?.aborted === true) throw error;
      throw transportFailure(error, 'the log service sent an unreadable answer');
    }
  }

  /** GET `path` → the 200 answer's headers and body, to stream on. */
  async stream(path: string): Promise<LogStream> {
    const response = await this.#send(path, new URLSearchParams());
    return { headers: response.headers, body: response.body };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #send(path: string, query: URLSearchParams, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    const search = query.size === 0 ? '' : `?${query}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.options.baseUrl}${path}${search}`, {
        dispatcher: this.#agent,
        method: 'GET',
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted === true) throw error;
      throw transportFailure(error, 'the log service is not reachable');
    }
    if (response.statusCode === 200) return response;
    throw await statusFailure(response);
  }
}

async function statusFailure(response: Dispatcher.ResponseData): Promise<ApiFailure> {
  const message = await readBounded(response.body, 64 * 1024, 'the log service')
    .then((text) => (JSON.parse(text) as { error?: { message?: unknown } }).error?.message)
    .catch(() => undefined);
  const said = typeof message === 'string' ? message : `HTTP ${response.statusCode}`;
  if (response.statusCode === 400) {
    const problems = said.replace(/^invalid query: /, '').split('; ');
    return new ApiFailure('invalid_request', `the log service refused the query: ${said}`, { problems });
  }
  if (response.statusCode === 404) return new ApiFailure('not_found', said);
  if (response.statusCode === 503) return new ApiFailure('unavailable', `the log service cannot answer now: ${said}`);
  return new ApiFailure('upstream_failed', `the log service failed (HTTP ${response.statusCode})`);
}
