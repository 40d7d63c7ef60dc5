import { Agent, type Dispatcher } from 'undici';
import { AnswerTimeout, OriginPool } from './origin-pool.js';
import type { FetchLike, ResponseLike, TimedFetchLike } from './sender.types.js';

/**
 * A {@link FetchLike} over keep-alive connections, at most `connections` per origin: what the
 * job-finish pushes use, as WeChat's push servers keep their connections to a developer's URL
 * open. Each call is still its own POST (one event per request, one request on a connection
 * at a time); a request beyond the open connections waits for a free one. Idle sockets do not
 * hold the process open. The promise settles when the whole answer arrived (or failed, or
 * `signal` aborted it, also while it waited for a connection).
 *
 * `http:` URLs go through {@link OriginPool}, which writes each request in one piece and reads
 * the short answer without a general HTTP client's streams — a third of the CPU of undici's
 * dispatch per receipt; `https:` ones through an undici pool.
 */
export function keepAliveFetch(connections: number): TimedFetchLike & { close(): Promise<void> } {
  const pools = new Map<string, OriginPool>();
  const tls = undiciFetch(connections);
  const call = (input: string, init: RequestInit, timeoutMs?: number): Promise<ResponseLike> => {
    const url = new URL(input);
    if (url.protocol !== 'http:')
      return timeoutMs === undefined ? tls(input, init) : tlsWithin(tls, input, init, timeoutMs);
    let pool = pools.get(url.origin);
    if (pool === undefined) {
      pool = new OriginPool(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80), connections);
      pools.set(url.origin, pool);
    }
    let request: string;
    try {
      request = requestText(url, init);
    } catch (error) {
      return Promise.reject(error);
    }
    return pool.post(request, init.signal ?? undefined, timeoutMs).then(({ status, body }) => {
      const text = answerText(body);
      return { status, text: () => Promise.resolve(text) };
    });
  };
  const close = async (): Promise<void> => {
    for (const pool of pools.values()) pool.close();
    pools.clear();
    await tls.close();
  };
  const post: FetchLike = (input, init) => call(input, init);
  return Object.assign(post, { within: call, close });
}

/** An undici call bounded by `timeoutMs` (an AbortController and a timer). */
async function tlsWithin(tls: FetchLike, input: string, init: RequestInit, timeoutMs: number): Promise<ResponseLike> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AnswerTimeout(timeoutMs)), timeoutMs);
  try {
    const response = await tls(input, { ...init, signal: controller.signal });
    const text = await response.text();
    return { status: response.status, text: () => Promise.resolve(text) };
  } finally {
    clearTimeout(timer);
  }
}

/** The request's head and body as one string (one write); a header value with a line break is refused. */
function requestText(url: URL, init: RequestInit): string {
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
    throw new TypeError('the receipts’ client posts text bodies only');
  }
  const body = init.body ?? '';
  let head = `${init.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`header ${name} holds a line break`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The same over an undici pool, dispatched directly (no response stream or body mixin). */
function undiciFetch(connections: number): FetchLike & { close(): Promise<void> } {
  const agent = new Agent({ connections, keepAliveTimeout: 4_000 });
  const post: FetchLike = (input, init) =>
    new Promise((resolve, reject) => {
      const url = new URL(input);
      const signal = init.signal ?? undefined;
      const chunks: Buffer[] = [];
      let status = 0;
      let controller: Dispatcher.DispatchController | undefined;
      let isSettled = false;
      const settle = (outcome: () => void): void => {
        if (isSettled) return;
        isSettled = true;
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      // Aborts at once, even while the request waits for a socket (a connect that hangs).
      const onAbort = (): void => {
        const reason = signal?.reason as Error;
        controller?.abort(reason);
        settle(() => reject(reason));
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(started) {
          controller = started;
          if (isSettled) started.abort(signal?.reason as Error);
        },
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          const text = answerText(Buffer.concat(chunks));
          settle(() => resolve({ status, text: () => Promise.resolve(text) }));
        },
        onResponseError(_controller, error) {
          settle(() => reject(error));
        },
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      agent.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
          headers: init.headers as Record<string, string>,
          body: init.body as string,
        },
        handler,
      );
    });
  return Object.assign(post, { close: () => agent.close() });
}

/** The answer as UTF-8 text without a byte-order mark (what a Response's `text()` gives). */
function answerText(bytes: Buffer): string {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}
