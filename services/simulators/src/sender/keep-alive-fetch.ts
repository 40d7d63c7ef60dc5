import { Agent, type Dispatcher } from 'undici';
import type { FetchLike } from './sender.types.js';

/**
 * A {@link FetchLike} over a keep-alive undici pool of at most `connections` sockets per
 * origin: what the job-finish pushes use, as WeChat's push servers keep their connections to
 * a developer's URL open. Each call is still its own POST (one event per request); a request
 * beyond the pool's sockets waits for a free one. Idle sockets do not hold the process open.
 *
 * It dispatches on the pool directly and collects the (short) answer in the handler: half the
 * CPU of undici's `request()`, whose response stream and body mixin a receipt does not need.
 * The promise settles when the whole answer arrived (or failed, or `signal` aborted it).
 */
export function keepAliveFetch(connections: number): FetchLike & { close(): Promise<void> } {
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
