/**
 * The reconcile queue: one reconcile in flight per object key, with coalescing (adding a
 * key that is already waiting or running just marks it dirty, so a burst of watch events
 * becomes one more reconcile, not many), retries with per-key capped exponential backoff,
 * and delayed requeues. A class because it owns timers and in-flight work (docs/conventions.md §2).
 */
import { type BackoffOptions, backoffDelay, defaultBackoff } from './backoff.js';
import type { OperatorLogger } from './logger.js';
import { realTimers, type TimerHandle, type Timers } from './timers.js';

/** What a reconcile asks of the queue when it succeeds. */
export interface ProcessResult {
  /** Reconcile this key again after this many ms (e.g. the next scrape). */
  readonly requeueAfterMs?: number;
}

export interface WorkQueueOptions {
  readonly process: (key: string) => Promise<ProcessResult | undefined>;
  readonly logger: OperatorLogger;
  readonly backoff?: BackoffOptions;
  /** Different keys processed at once; 4 unless given. */
  readonly concurrency?: number;
  /** Requeue and retry delays; Node's timers unless given (a virtual clock in tests). */
  readonly timers?: Timers;
}

export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { readonly handle: TimerHandle; readonly at: number }>();
  private readonly inFlight = new Set<Promise<void>>();
  private isClosed = false;

  constructor(private readonly options: WorkQueueOptions) {}

  /** Asks for a reconcile of `key` as soon as possible. */
  add(key: string): void {
    if (this.isClosed) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Asks for a reconcile of `key` after `delayMs`; of two pending timers for it the earlier wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.isClosed) return;
    const at = this.elapsed + delayMs;
    const pending = this.timers.get(key);
    if (pending !== undefined && pending.at <= at) return;
    this.clearTimer(key);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { handle, at });
  }

  private get clock(): Timers {
    return this.options.timers ?? realTimers;
  }

  private get elapsed(): number {
    return this.clock.now();
  }

  /** Keys waiting or running. */
  get size(): number {
    return this.queued.size + this.running.size;
  }

  /** Stops intake, cancels delayed requeues and waits for the reconciles in flight. */
  async close(): Promise<void> {
    this.isClosed = true;
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer.handle);
    this.timers.clear();
    this.waiting.length = 0;
    this.queued.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    while (!this.isClosed && this.running.size < limit && this.waiting.length > 0) {
      const key = this.waiting.shift();
      if (key === undefined) break;
      this.queued.delete(key);
      this.running.add(key);
      const work = this.runOne(key).finally(() => {
        this.inFlight.delete(work);
        this.running.delete(key);
        if (this.dirty.delete(key)) this.add(key);
        this.pump();
      });
      this.inFlight.add(work);
    }
  }

  private async runOne(key: string): Promise<void> {
    try {
      const result = await this.options.process(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const attempt = this.failures.get(key) ?? 0;
      this.failures.set(key, attempt + 1);
      const delay = backoffDelay(this.options.backoff ?? defaultBackoff, attempt);
      this.options.logger.warn(
        { key, attempt: attempt + 1, retryInMs: delay, err: String(error) },
        'reconcile failed; retrying',
      );
      this.clearTimer(key);
      this.addAfter(key, delay);
    }
  }

  private clearTimer(key: string): void {
    this.clock.clearTimeout(this.timers.get(key)?.handle);
    this.timers.delete(key);
  }
}
