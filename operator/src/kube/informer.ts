/**
 * An informer that keeps running. The 1.4 client's `makeInformer` re-lists by itself on 410
 * Gone, but on any other error (a 500 on list, a dropped watch connection) it emits `error`
 * and STOPS for good. This wrapper restarts it with capped exponential backoff, and re-lists
 * periodically (a fresh list replays every object as an update, which is the resync a
 * level-triggered reconciler wants, and catches deletions a lost watch missed).
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import { type BackoffOptions, backoffDelay, defaultBackoff } from './backoff.js';
import { statusOf } from './errors.js';
import type { OperatorLogger } from './logger.js';

export const InformerEvent = { Add: 'add', Update: 'update', Delete: 'delete' } as const;
export type InformerEvent = (typeof InformerEvent)[keyof typeof InformerEvent];

export interface InformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** The watch path, e.g. `/apis/apps/v1/namespaces/default/deployments`. */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  /** `previous` is the cached object an update replaces (undefined on add or when unknown). */
  readonly onEvent: (event: InformerEvent, object: T, previous: T | undefined) => void;
  readonly logger: OperatorLogger;
  readonly backoff?: BackoffOptions;
  /** Re-list this often (ms); 0 = never. */
  readonly resyncMs?: number;
}

export interface ManagedInformer<T extends KubernetesObject> {
  /** The API path it watches. */
  readonly path: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The cached objects (all namespaces the path covers). */
  list(): T[];
  get(name: string, namespace?: string): T | undefined;
  /** How many times the underlying informer was started (1 + restarts). */
  starts(): number;
  /**
   * True once a list succeeded and until the watch fails (or the informer stops): the cache
   * reflects the API server. The operator's readiness.
   */
  isSynced(): boolean;
}

/** `namespace/name`, the key of the informer's cache and of the operator's work queue. */
export const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Creates (does not start) a self-restarting informer. */
export function createInformer<T extends KubernetesObject>(options: InformerOptions<T>): ManagedInformer<T> {
  const backoff = options.backoff ?? defaultBackoff;
  const cache = new Map<string, T>();
  let generation = 0;
  let attempt = 0;
  let startCount = 0;
  let isStopped = true;
  let synced = false;
  let current: { stop(): Promise<void> } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;

  const emit = (event: InformerEvent, object: T) => {
    const previous = cache.get(keyOf(object));
    if (event === InformerEvent.Delete) cache.delete(keyOf(object));
    else cache.set(keyOf(object), object);
    options.onEvent(event, object, previous);
  };

  /** Deletions that happened while nobody watched: in the cache, absent from a fresh list. */
  const listAndReconcileCache = async (gen: number): Promise<KubernetesListObject<T>> => {
    const result = await options.list();
    if (gen === generation) {
      const present = new Set(result.items.map(keyOf));
      for (const [key, object] of [...cache]) if (!present.has(key)) emit(InformerEvent.Delete, object);
      attempt = 0;
      synced = true;
    }
    return result;
  };

  const scheduleRestart = (delayMs: number) => {
    if (isStopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), delayMs);
  };

  const run = async (): Promise<void> => {
    const old = current;
    generation += 1;
    const gen = generation;
    await old?.stop().catch(() => undefined);
    if (isStopped || gen !== generation) return;
    const informer = makeInformer<T>(
      options.kubeConfig,
      options.path,
      () => listAndReconcileCache(gen),
      options.labelSelector,
    );
    const guard = (event: InformerEvent) => (object: T) => {
      if (gen === generation) emit(event, object);
    };
    informer.on('add', guard(InformerEvent.Add));
    informer.on('update', guard(InformerEvent.Update));
    informer.on('delete', guard(InformerEvent.Delete));
    informer.on('error', (error: unknown) => {
      if (gen !== generation || isStopped) return;
      synced = false;
      const delay = backoffDelay(backoff, attempt);
      attempt += 1;
      options.logger.warn(
        { path: options.path, status: statusOf(error), err: String(error), retryInMs: delay },
        'informer stopped; restarting',
      );
      scheduleRestart(delay);
    });
    current = informer;
    startCount += 1;
    await informer.start();
  };

  const armResync = () => {
    const every = options.resyncMs ?? 0;
    if (every <= 0) return;
    resyncTimer = setInterval(() => {
      options.logger.debug({ path: options.path }, 'informer re-list');
      scheduleRestart(0);
    }, every);
  };

  return {
    path: options.path,
    async start() {
      isStopped = false;
      armResync();
      await run();
    },
    async stop() {
      isStopped = true;
      synced = false;
      clearTimeout(timer);
      clearInterval(resyncTimer);
      generation += 1;
      await current?.stop().catch(() => undefined);
      current = undefined;
    },
    list: () => [...cache.values()],
    get: (name, namespace) => cache.get(`${namespace ?? ''}/${name}`),
    starts: () => startCount,
    isSynced: () => synced,
  };
}
