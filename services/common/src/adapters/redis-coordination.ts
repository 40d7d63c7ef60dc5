import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../config/redis-topology.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type {
  ClaimRequest,
  ClaimResult,
  CoordinationPort,
  CredentialFailure,
  CredentialRefreshRequest,
  CredentialState,
  Lease,
  ServiceWindowChange,
  ServiceWindowKind,
  ServiceWindowVerdict,
  SessionLifetime,
  TokenBucket,
} from '../ports/coordination.js';
import { ClaimBatcher, type ClaimRow } from './redis-claim-batcher.js';
import { type CredentialTuple, SCRIPTS, type ScriptCommands, STATE_PREFIX } from './redis-scripts.js';
import { keySlot } from './redis-slot.js';

/**
 * A URL (one node) or a topology (one node, Sentinel, Cluster) — the adapter owns its
 * connection — or an existing client (the caller owns it).
 */
export type RedisCoordinationOptions =
  | {
      readonly url: string | RedisTopology;
      readonly keyPrefix?: string;
      /**
       * A command not answered within this rejects (default 2000): the ingress answers
       * WeChat within 5 s, so an unreachable Redis must fail fast, not queue requests.
       */
      readonly commandTimeoutMs?: number;
      /** Connection errors (ioredis reconnects by itself), for logging. */
      readonly onError?: (error: unknown) => void;
    }
  | { readonly client: Redis | Cluster; readonly keyPrefix?: string; readonly onError?: (error: unknown) => void };

type ScriptedRedis = (Redis | Cluster) & ScriptCommands;
type Listener = (message: string) => void;

/**
 * Coordination over Redis: every domain operation is one Lua script (one round trip,
 * atomic across replicas). Keys and pub/sub channels are prefixed here, not by ioredis'
 * `keyPrefix` (which leaves channels alone), so one prefix isolates a deployment or a test.
 * Pub/sub uses a second connection, created on the first `subscribe`, because a
 * subscribed Redis connection cannot run other commands.
 */
export class RedisCoordination implements CoordinationPort {
  readonly #client: ScriptedRedis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #onError: (error: unknown) => void;
  readonly #channels = new Map<string, { readonly listeners: Set<Listener>; readonly ready: Promise<unknown> }>();
  readonly #claims: ClaimBatcher;
  #subscriber: Redis | Cluster | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: RedisCoordinationOptions) {
    this.#prefix = options.keyPrefix ?? '';
    this.#onError = options.onError ?? (() => undefined);
    if ('client' in options) {
      this.#client = options.client as ScriptedRedis;
      this.#ownsClient = false;
    } else {
      this.#client = connect(options.url, options.commandTimeoutMs ?? 2_000) as ScriptedRedis;
      // Without a listener ioredis prints every failed reconnect to the console.
      this.#client.on('error', this.#onError);
      this.#ownsClient = true;
      this.#keepConnected(this.#client);
    }
    for (const [name, script] of Object.entries(SCRIPTS)) {
      this.#client.defineCommand(
        name,
        script.numberOfKeys === undefined
          ? { lua: script.lua }
          : { numberOfKeys: script.numberOfKeys, lua: script.lua },
      );
    }
    const client = this.#client;
    this.#claims = new ClaimBatcher({
      send: (keys, args) =>
        unavailableOnFailure(
          client instanceof Cluster
            ? claimInCluster(client as Cluster & ScriptCommands, keys, args)
            : client.mpClaimMessages(keys.length, ...keys, ...args),
        ),
      replyOf,
    });
  }

  /** Claims made in the same event-loop turn share one script call (see {@link ClaimBatcher}). */
  claimMessage(request: ClaimRequest): Promise<ClaimResult> {
    return this.#claims.claim(request, this.#prefix);
  }

  async renewClaim(messageKey: string, fence: number, lease: Lease): Promise<boolean> {
    const renewed = this.#client.mpRenewClaim(this.#key(messageKey), fence, lease.leaseMs, lease.holder);
    return (await unavailableOnFailure(renewed)) === 1;
  }

  async storeReply(messageKey: string, reply: string, ttlSeconds: number, fence: number): Promise<boolean> {
    return (
      (await unavailableOnFailure(this.#client.mpStoreReply(this.#key(messageKey), reply, ttlSeconds, fence))) === 1
    );
  }

  async getReply(messageKey: string): Promise<string | undefined> {
    return replyOf(await unavailableOnFailure(this.#client.get(this.#key(messageKey))));
  }

  async releaseMessage(messageKey: string, fence: number): Promise<void> {
    await unavailableOnFailure(this.#client.mpReleaseMessage(this.#key(messageKey), fence));
  }

  async takeToken(bucketKey: string, bucket: TokenBucket): Promise<number> {
    return unavailableOnFailure(this.#client.mpTakeToken(this.#key(bucketKey), bucket.ratePerSecond, bucket.burst));
  }

  async openSession(sessionKey: string, payload: string, lifetime: SessionLifetime): Promise<void> {
    await unavailableOnFailure(
      this.#client.mpOpenSession(this.#key(sessionKey), payload, lifetime.idleMs, lifetime.absoluteMs),
    );
  }

  async touchSession(sessionKey: string, lifetime: SessionLifetime): Promise<string | undefined> {
    return (
      (await unavailableOnFailure(this.#client.mpTouchSession(this.#key(sessionKey), lifetime.idleMs))) ?? undefined
    );
  }

  async closeSession(sessionKey: string): Promise<void> {
    await unavailableOnFailure(this.#client.del(this.#key(sessionKey)));
  }

  async recordFailure(failureKey: string, windowMs: number): Promise<number> {
    return unavailableOnFailure(this.#client.mpRecordFailure(this.#key(failureKey), windowMs));
  }

  async failureCount(failureKey: string): Promise<number> {
    return Number((await unavailableOnFailure(this.#client.get(this.#key(failureKey)))) ?? 0);
  }

  async clearFailures(failureKey: string): Promise<void> {
    await unavailableOnFailure(this.#client.del(this.#key(failureKey)));
  }

  async readCredential(key: string): Promise<CredentialState> {
    return credentialOf(await unavailableOnFailure(this.#client.mpReadCredential(this.#key(key))));
  }

  async claimCredentialRefresh(
    key: string,
    request: CredentialRefreshRequest,
  ): Promise<{ readonly claimed: boolean; readonly state: CredentialState }> {
    const [claimed, ...tuple] = await unavailableOnFailure(
      this.#client.mpClaimCredential(this.#key(key), request.holder, request.leaseMs, request.refreshAheadMs),
    );
    return { claimed: claimed === 1, state: credentialOf(tuple) };
  }

  async storeCredential(key: string, holder: string, value: string, expiresInMs: number): Promise<boolean> {
    return (
      (await unavailableOnFailure(
        this.#client.mpStoreCredential(this.#key(key), holder, value, Math.max(1, Math.round(expiresInMs))),
      )) > 0
    );
  }

  async releaseCredential(key: string, holder: string, failure?: CredentialFailure): Promise<void> {
    await unavailableOnFailure(
      this.#client.mpReleaseCredential(
        this.#key(key),
        holder,
        failure?.reason ?? '',
        Math.max(1, Math.round(failure?.retryAfterMs ?? 0)),
      ),
    );
  }

  async markCredentialStale(key: string, value: string): Promise<boolean> {
    return (await unavailableOnFailure(this.#client.mpMarkCredentialStale(this.#key(key), value))) === 1;
  }

  async consumeQuota(
    key: string,
    limit: number,
    ttlMs: number,
  ): Promise<{ readonly allowed: boolean; readonly used: number }> {
    const [allowed, used] = await unavailableOnFailure(this.#client.mpConsumeQuota(this.#key(key), limit, ttlMs));
    return { allowed: allowed === 1, used: Number(used) };
  }

  async consumeQuotas(
    key: string,
    limit: number,
    ttlMs: number,
    count: number,
  ): Promise<{ readonly granted: number; readonly used: number }> {
    if (count <= 0) return { granted: 0, used: await this.quotaUsed(key) };
    const [granted, used] = await unavailableOnFailure(
      this.#client.mpConsumeQuota(this.#key(key), limit, ttlMs, count),
    );
    return { granted: Number(granted), used: Number(used) };
  }

  async fillQuota(key: string, limit: number, ttlMs: number): Promise<void> {
    await unavailableOnFailure(this.#client.mpFillQuota(this.#key(key), limit, ttlMs));
  }

  async quotaUsed(key: string): Promise<number> {
    return Number((await unavailableOnFailure(this.#client.get(this.#key(key)))) ?? 0);
  }

  async resetQuota(key: string): Promise<void> {
    await unavailableOnFailure(this.#client.del(this.#key(key)));
  }

  async openServiceWindow(key: string, kind: ServiceWindowKind, windowMs: number, budget: number): Promise<void> {
    await unavailableOnFailure(
      this.#client.mpOpenServiceWindow(this.#key(key), kind === 'message' ? 'm' : 'e', windowMs, budget),
    );
  }

  async closeServiceWindows(key: string): Promise<void> {
    await unavailableOnFailure(this.#client.del(this.#key(key)));
  }

  /** One script call (per Cluster node) for the whole batch: see `RECORD_SERVICE_WINDOWS`. */
  async recordServiceWindows(changes: readonly ServiceWindowChange[]): Promise<void> {
    if (changes.length === 0) return;
    const client = this.#client;
    if (!(client instanceof Cluster)) {
      const keys: string[] = [];
      const args: (string | number)[] = [];
      for (const change of changes) {
        keys.push(this.#key(change.key));
        args.push(...windowArgs(change));
      }
      await unavailableOnFailure(client.mpRecordServiceWindows(keys.length, ...keys, ...args));
      return;
    }
    const cluster = client as Cluster & ScriptCommands;
    if (cluster.status !== 'ready') await unavailableOnFailure(ready(cluster));
    const keys = changes.map((change) => this.#key(change.key));
    const all = Array.from({ length: changes.length }, (_, i) => i);
    // byNode keeps the order of the changes within each node; a key lives on one node.
    await Promise.all(
      byNode(cluster, all, (i) => keys[i] ?? '').map((group) => {
        const argv: (string | number)[] = [group.length];
        for (const i of group) argv.push(keys[i] ?? '', ...windowArgs(changes[i] as ServiceWindowChange));
        return unavailableOnFailure(cluster.mpClusterServiceWindows(keys[group[0] ?? 0] ?? '', ...argv));
      }),
    );
  }

  async takeServiceWindow(key: string, attempt?: string): Promise<ServiceWindowVerdict> {
    const verdict = await unavailableOnFailure(this.#client.mpTakeServiceWindow(this.#key(key), attempt ?? ''));
    return verdict === 1 ? 'allowed' : verdict === 2 ? 'closed' : 'exhausted';
  }

  async giveBackServiceWindow(key: string, attempt: string): Promise<boolean> {
    return (await unavailableOnFailure(this.#client.mpGiveBackServiceWindow(this.#key(key), attempt))) === 1;
  }

  async publish(channel: string, message: string): Promise<void> {
    await unavailableOnFailure(this.#client.publish(this.#key(channel), message));
  }

  async subscribe(channel: string, onMessage: Listener): Promise<() => Promise<void>> {
    const key = this.#key(channel);
    const subscriber = this.#ensureSubscriber();
    let entry = this.#channels.get(key);
    if (entry === undefined) {
      // Resolves once Redis confirmed: a message published afterwards is guaranteed to arrive.
      entry = { listeners: new Set(), ready: subscriber.subscribe(key) };
      this.#channels.set(key, entry);
    }
    // A distinct wrapper per subscription, so subscribing one function twice is two subscriptions.
    const listener: Listener = (message) => onMessage(message);
    entry.listeners.add(listener);
    await entry.ready;
    return async () => {
      const current = this.#channels.get(key);
      if (current === undefined || !current.listeners.delete(listener) || current.listeners.size > 0) return;
      this.#channels.delete(key);
      await subscriber.unsubscribe(key);
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.#client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Closes the subscriber and (when owned) the command connection; runs once, every step. */
  close(): Promise<void> {
    this.#closed ??= this.#closeAll();
    return this.#closed;
  }

  async #closeAll(): Promise<void> {
    this.#channels.clear();
    const steps: Promise<unknown>[] = [];
    if (this.#subscriber !== undefined) steps.push(quit(this.#subscriber));
    if (this.#ownsClient) steps.push(quit(this.#client));
    const results = await Promise.allSettled(steps);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  #ensureSubscriber(): Redis | Cluster {
    if (this.#subscriber !== undefined) return this.#subscriber;
    // In a Cluster, PUBLISH reaches every node's subscribers: one subscribed node is enough
    // (ioredis subscribes again elsewhere when that node fails).
    const subscriber =
      this.#client instanceof Cluster
        ? this.#client.duplicate()
        : this.#client.duplicate({ enableAutoPipelining: false });
    subscriber.on('error', this.#onError);
    this.#keepConnected(subscriber);
    subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.#channels.get(channel)?.listeners ?? []) deliver(listener, message);
    });
    this.#subscriber = subscriber;
    return subscriber;
  }

  /**
   * An owned connection ends only by {@link close}. ioredis 5.8's Sentinel failover detector
   * breaks that: on `+switch-master` it disconnects the connector, and when the client is
   * reconnecting at that moment (asking a sentinel for the primary after the old one died),
   * the attempt rejects and the client goes to `end` for good — every later command fails
   * with "Connection is closed." although the sentinel names a healthy primary. Such an end
   * is answered with a new connect (it asks the sentinels again; subscriptions come back).
   */
  #keepConnected(client: Redis | Cluster): void {
    if (client instanceof Cluster) return;
    client.on('end', () => {
      if (this.#closed === undefined) client.connect().catch(this.#onError);
    });
  }

  #key(key: string): string {
    return this.#prefix + key;
  }
}

/** The client of a topology, every kind failing fast (see `commandTimeoutMs`). */
function connect(target: string | RedisTopology, commandTimeout: number): Redis | Cluster {
  const options: RedisOptions = {
    // Measured on the webhook path (64 requests in flight): auto-pipelining costs more
    // client CPU per command than the batching saves.
    enableAutoPipelining: false,
    commandTimeout,
    maxRetriesPerRequest: 1,
  };
  const topology: RedisTopology = typeof target === 'string' ? { kind: 'single', url: target } : target;
  switch (topology.kind) {
    case 'single':
      return new Redis(topology.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: topology.sentinels.map((n) => ({ host: n.host, port: n.port })),
        name: topology.name,
        ...(topology.password === undefined ? {} : { password: topology.password }),
        ...(topology.sentinelPassword === undefined ? {} : { sentinelPassword: topology.sentinelPassword }),
        // Follow a failover as soon as the sentinels announce it, and reconnect (re-asking
        // them for the primary) when a write reaches a primary that was demoted meanwhile.
        failoverDetector: true,
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
      });
    case 'cluster':
      return new Cluster(
        topology.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          enableAutoPipelining: false,
          redisOptions: { ...options, ...(topology.password === undefined ? {} : { password: topology.password }) },
        },
      );
  }
}

/**
 * A claim batch in a Cluster (see `CLUSTER_NONCES` in redis-scripts.ts): the nonces, one
 * script call per node, then the messages whose nonce passed, one call per node. Keys and
 * arguments arrive flattened as for the single-node script: nonce, message per claim; ttl,
 * lease ms, holder, reply per claim.
 */
async function claimInCluster(
  cluster: Cluster & ScriptCommands,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<ClaimRow[]> {
  // Grouping needs ioredis' slot table, filled once the client is connected.
  if (cluster.status !== 'ready') await ready(cluster);
  const count = keys.length / 2;
  const rows: (ClaimRow | undefined)[] = new Array(count);
  const everyClaim = Array.from({ length: count }, (_, i) => i);
  await Promise.all(
    byNode(cluster, everyClaim, (i) => keys[2 * i] ?? '').map(async (claims) => {
      const argv: (string | number)[] = [claims.length];
      for (const i of claims) argv.push(keys[2 * i] ?? '', keys[2 * i + 1] ?? '', args[4 * i] ?? 0);
      const fresh = await cluster.mpClusterNonces(keys[2 * (claims[0] ?? 0)] ?? '', ...argv);
      for (const [j, i] of claims.entries()) if (Number(fresh[j]) === 0) rows[i] = ['nonce_replayed'];
    }),
  );
  const passed = everyClaim.filter((i) => rows[i] === undefined);
  await Promise.all(
    byNode(cluster, passed, (i) => keys[2 * i + 1] ?? '').map(async (claims) => {
      const argv: (string | number)[] = [claims.length];
      for (const i of claims) argv.push(keys[2 * i + 1] ?? '', ...args.slice(4 * i, 4 * i + 4));
      const results = await cluster.mpClusterClaims(keys[2 * (claims[0] ?? 0) + 1] ?? '', ...argv);
      for (const [j, i] of claims.entries()) rows[i] = results[j];
    }),
  );
  return rows.map((row) => row ?? []);
}

/** Resolves when a connecting Cluster client is ready; rejects after the command timeout. */
function ready(cluster: Cluster): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      cluster.off('ready', onReady);
      reject(new Error('the Redis Cluster is not ready'));
    }, cluster.options.redisOptions?.commandTimeout ?? 2_000);
    const onReady = () => {
      clearTimeout(timeout);
      resolve();
    };
    cluster.once('ready', onReady);
  });
}

/** Claim indexes grouped by the primary serving their key's slot (ioredis' slot table). */
function byNode(cluster: Cluster, claims: readonly number[], keyOf: (i: number) => string): number[][] {
  const groups = new Map<string, number[]>();
  for (const i of claims) {
    const node = cluster.slots[keySlot(keyOf(i))]?.[0] ?? '';
    const group = groups.get(node);
    if (group === undefined) groups.set(node, [i]);
    else group.push(i);
  }
  return [...groups.values()];
}

/**
 * A command Redis did not answer (connection refused or lost, command timeout) is the
 * taxonomy's `unavailable` (503: WeChat retries), not an internal error; the cause is kept.
 */
async function unavailableOnFailure<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The reason (addresses, timeouts) stays in the cause, for the logs, not in the response.
    throw new AppError(ErrorCode.unavailable, 'Redis did not answer; retry later', { cause: error });
  }
}

/** A throwing listener must not starve the others nor break the connection's event loop. */
function deliver(listener: Listener, message: string): void {
  try {
    listener(message);
  } catch {
    // Listeners own their errors (the port's contract); nothing sensible to do here.
  }
}

function credentialOf(tuple: CredentialTuple | readonly (string | number | null)[]): CredentialState {
  const [value, remaining, stale, generation, failure, age] = tuple;
  const ageMs = Number(age ?? -1);
  return {
    value: typeof value === 'string' ? value : undefined,
    remainingMs: Number(remaining ?? 0),
    isStale: Number(stale) === 1,
    generation: Number(generation ?? 0),
    failure: typeof failure === 'string' ? failure : undefined,
    ageMs: typeof value === 'string' && ageMs >= 0 ? ageMs : undefined,
  };
}

/** A window change as the scripts take it: code (c closes, m / e opens), ms, budget. */
function windowArgs(change: ServiceWindowChange): [string, number, number] {
  return change.change === 'closed'
    ? ['c', 0, 0]
    : [change.kind === 'message' ? 'm' : 'e', Math.max(0, Math.round(change.windowMs)), change.budget];
}

function replyOf(stored: string | null | undefined): string | undefined {
  return stored === null || stored === undefined || stored.startsWith(STATE_PREFIX) ? undefined : stored;
}

/**
 * QUIT politely; a connection that cannot answer is disconnected instead. A Sentinel client
 * is disconnected after its QUIT too: only `disconnect()` ends the connections its failover
 * detector keeps to the sentinels, which otherwise reconnect forever once a sentinel goes.
 */
async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status !== 'end') {
    try {
      await client.quit();
    } catch {
      // disconnected below
    }
  }
  client.disconnect();
}
