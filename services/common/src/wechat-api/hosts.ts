import { type Dispatcher, Pool } from 'undici';

/** One HTTP answer of WeChat (or of a host failing): the status and the parsed JSON body. */
export interface HostAnswer {
  readonly host: string;
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface HostRequest {
  readonly method: 'GET' | 'POST';
  /** Path with its query string. */
  readonly path: string;
  readonly body?: string;
  /**
   * True when sending the request twice is harmless (a read, a token fetch, a send carrying
   * an idempotency key): then a connection lost after the request went out, a timeout and a
   * 5xx fail over. False: only a request that certainly did not reach the host (a connect
   * error) goes to the next host; a 5xx, a lost connection or a timeout after sending is a
   * {@link HostFailure} with `isMaybeDelivered`, thrown at once.
   */
  readonly isRepeatable: boolean;
}

/** Errors of the connect phase: the request never reached the host, so another host may take it. */
const connectErrors = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Message ids beyond 2^53 (WeChat's are 64-bit) would lose digits as numbers: read as strings. */
const largeIds = /("(?:msgid|msg_id|msg_data_id)"\s*:\s*)(\d{16,})/g;

/** Why a host did not answer usefully. */
export class HostFailure extends Error {
  constructor(
    readonly host: string,
    message: string,
    /** The request may have reached the host (a connection lost after sending). */
    readonly isMaybeDelivered: boolean,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HostFailure';
  }
}

/**
 * The WeChat hosts in failover order, each with an undici keep-alive pool. A request goes
 * to the first host not cooling down; a network error or a 5xx moves it to the next host
 * and cools the failed one down for `cooldownMs`, after which it is tried first again — a
 * request that is not repeatable moves only after a connect error (it did not reach the
 * host). A business errcode (HTTP 200 with `errcode`) is an answer: never a failover.
 */
export class HostRing {
  readonly #hosts: readonly { readonly base: string; readonly pool: Pool }[];
  readonly #downUntil = new Map<string, number>();

  constructor(
    bases: readonly string[],
    private readonly options: { readonly cooldownMs: number; readonly timeoutMs: number; readonly now: () => number },
  ) {
    if (bases.length === 0) throw new Error('the WeChat API client needs at least one base URL');
    this.#hosts = bases.map((base) => ({
      base,
      pool: new Pool(base, {
        connections: 64,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: options.timeoutMs,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      }),
    }));
  }

  /** The hosts to try, in order: those not cooling down first (in configured order), then the rest. */
  order(): readonly { readonly base: string; readonly pool: Pool }[] {
    // No host failed since its last success (the usual case): the configured order, no arrays per call.
    if (this.#downUntil.size === 0) return this.#hosts;
    const now = this.options.now();
    const up = this.#hosts.filter((h) => (this.#downUntil.get(h.base) ?? 0) <= now);
    const down = this.#hosts.filter((h) => (this.#downUntil.get(h.base) ?? 0) > now);
    return [...up, ...down];
  }

  /** Which hosts are cooling down now (for health pages and tests). */
  coolingDown(): readonly string[] {
    const now = this.options.now();
    return this.#hosts.filter((h) => (this.#downUntil.get(h.base) ?? 0) > now).map((h) => h.base);
  }

  /**
   * Sends to the first host that answers without a 5xx. Throws the last {@link HostFailure}
   * when every host failed, or at once when a non-repeatable request may have been delivered.
   */
  async send(request: HostRequest, onFailover: (failure: HostFailure) => void): Promise<HostAnswer> {
    let last: HostFailure | undefined;
    for (const host of this.order()) {
      try {
        const answer = await this.#sendTo(host, request);
        this.#downUntil.delete(host.base);
        return answer;
      } catch (error) {
        const failure = error instanceof HostFailure ? error : new HostFailure(host.base, String(error), true, error);
        this.#downUntil.set(host.base, this.options.now() + this.options.cooldownMs);
        last = failure;
        if (failure.isMaybeDelivered && !request.isRepeatable) throw failure;
        onFailover(failure);
      }
    }
    throw last ?? new HostFailure('', 'no host', false);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#hosts.map((h) => h.pool.close()));
  }

  async #sendTo(host: { readonly base: string; readonly pool: Pool }, request: HostRequest): Promise<HostAnswer> {
    let answer: { readonly status: number; readonly text: string };
    try {
      answer = await exchange(host.pool, request);
    } catch (error) {
      if (error instanceof BodyError) {
        throw new HostFailure(host.base, `body: ${(error.cause as Error).message}`, true, error.cause);
      }
      const code = (error as { code?: unknown }).code;
      const isConnect = typeof code === 'string' && connectErrors.has(code);
      throw new HostFailure(host.base, `${String(code ?? 'error')}: ${(error as Error).message}`, !isConnect, error);
    }
    // A 5xx (or a success status without JSON) answered a request that reached a host: a
    // gateway's 502 / 504 may come after WeChat took the send. A request that is not repeatable
    // is then in doubt — not sent to the next host; a repeatable one fails over.
    const isInDoubt = !request.isRepeatable && (answer.status >= 500 || answer.status < 300);
    if (answer.status >= 500) {
      throw new HostFailure(host.base, `HTTP ${answer.status}`, isInDoubt);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text.replace(largeIds, '$1"$2"'));
    } catch {
      // Not JSON: an HTML error page of a proxy, a 404 of something that is not WeChat.
      throw new HostFailure(host.base, `HTTP ${answer.status} answered no JSON`, isInDoubt);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HostFailure(host.base, `HTTP ${answer.status} answered no JSON object`, false);
    }
    return { host: host.base, status: answer.status, body: body as Record<string, unknown> };
  }
}

/** The one request header of a JSON body, shared by every request. */
const jsonHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json; charset=utf-8',
});

/** The connection failed while the answer's body was read: the request had reached the host. */
class BodyError extends Error {}

/**
 * One request and its whole answer (status and body text) through undici's dispatcher, with a
 * handler that keeps the body's chunks: no response stream, no header object, no promise per
 * chunk — what `pool.request` + `body.text()` cost for an answer of a few dozen bytes
 * (measured: README, "The outbound pipeline"). The pool's connect, headers and body timeouts
 * apply as they did; an error before the answer's status is the request's, after it the body's.
 *
 * The handler has undici's first callbacks (`onConnect` … `onComplete`, deprecated in its types
 * but what its client calls): one with `onRequestStart` is wrapped per request in an adapter
 * that also turns the answer's raw headers and trailers into objects (`parseHeaders`, a string
 * per header), which nothing here reads — two objects and a dozen strings a send.
 */
function exchange(pool: Pool, request: HostRequest): Promise<{ readonly status: number; readonly text: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders(statusCode) {
        // 1xx (an informational answer) is followed by the real one.
        if (statusCode >= 200) status = statusCode;
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        resolve({
          status,
          text: chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
        });
      },
      onError(error) {
        reject(status === 0 ? error : new BodyError(error.message, { cause: error }));
      },
    };
    pool.dispatch(
      request.body === undefined
        ? { method: request.method, path: request.path }
        : { method: request.method, path: request.path, body: request.body, headers: jsonHeaders },
      handler,
    );
  });
}
