import type { MetricReading } from '../scaling/decide.js';

export interface RabbitManagementOptions {
  /** e.g. http://rabbitmq:15672 */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly timeoutMs?: number;
  readonly fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

export interface RabbitManagementClient {
  /**
   * Ready + unacknowledged messages of one queue: the `messages` field of
   * `GET /api/queues/{vhost}/{name}`. Unacknowledged counts too: a worker that holds
   * prefetched messages has not finished them. Throws when the field is not there yet (the
   * management plugin fills queue stats on its own interval), so the caller holds.
   */
  queueDepth(vhost: string, queue: string): Promise<number>;
}

export function createRabbitManagementClient(options: RabbitManagementOptions): RabbitManagementClient {
  const fetchFn = options.fetch ?? fetch;
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const base = options.url.replace(/\/$/, '');
  return {
    async queueDepth(vhost, queue) {
      const url = `${base}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}`;
      const response = await fetchFn(url, {
        headers: { authorization },
        signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
      });
      if (!response.ok) throw new Error(`RabbitMQ management answered HTTP ${response.status} for ${vhost}/${queue}`);
      const body = (await response.json()) as { messages?: unknown };
      if (typeof body.messages !== 'number') throw new Error(`no message count yet for ${vhost}/${queue}`);
      return body.messages;
    },
  };
}

/** Queue depth as a scaling metric for workers: depth / target per worker; a failed read holds. */
export async function readQueueDepth(
  client: RabbitManagementClient,
  args: { readonly vhost: string; readonly queue: string; readonly targetPerReplica: number },
): Promise<MetricReading> {
  try {
    const total = await client.queueDepth(args.vhost, args.queue);
    return { kind: 'total', total, targetPerReplica: args.targetPerReplica };
  } catch (error) {
    return { kind: 'unavailable', reason: `queue depth: ${String(error)}` };
  }
}
