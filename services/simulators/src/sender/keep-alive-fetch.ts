import { Agent, type Dispatcher, request } from 'undici';
import type { FetchLike } from './sender.types.js';

/**
 * A {@link FetchLike} over a keep-alive undici pool of at most `connections` sockets per
 * origin: what the job-finish pushes use, as WeChat's push servers keep their connections to
 * a developer's URL open. Each call is still its own POST (one event per request); a request
 * beyond the pool's sockets waits for a free one. Idle sockets do not hold the process open.
 */
export function keepAliveFetch(connections: number): FetchLike & { close(): Promise<void> } {
  const agent = new Agent({ connections, keepAliveTimeout: 4_000 });
  const post: FetchLike = async (input, init) => {
    const response = await request(input, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers as Record<string, string>,
      body: init.body as string,
      signal: init.signal ?? null,
      dispatcher: agent,
    });
    return { status: response.statusCode, text: () => response.body.text() };
  };
  return Object.assign(post, { close: () => agent.close() });
}
