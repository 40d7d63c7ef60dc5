/**
 * Pieces both queue adapters share, so that retry pacing, delivery limits and draining
 * behave the same in production and in the embedded mode.
 */
import type { HandlerOutcome, Headers } from '../ports/queue.js';

/** Capped exponential delay before a `retry` outcome is handed back to the queue. */
export interface RetryBackoff {
  /** Delay after the first failed delivery; doubles per earlier delivery. */
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 100, maxMs: 5_000 };

/**
 * Deliveries after which a message that keeps failing is dead-lettered (reason
 * `delivery_limit`) instead of looping forever. On RabbitMQ this is the quorum queue's
 * `x-delivery-limit`.
 */
export const DEFAULT_DELIVERY_LIMIT = 20;

/** Header naming why a message was dead-lettered (set by the adapters, not the broker). */
export const DEATH_REASON_HEADER = 'x-death-reason';
/** Header naming the queue a dead-lettered message came from. */
export const DEATH_QUEUE_HEADER = 'x-death-queue';

/**
 * Delay before requeueing: holding the message (and its prefetch slot) paces a consumer
 * whose dependency is down instead of spinning through the delivery limit in milliseconds.
 */
export function retryDelayMs(deliveryCount: number, backoff: RetryBackoff): number {
  if (backoff.initialMs <= 0) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(deliveryCount, 30));
}

/** Resolves after `ms`, or at once when `signal` aborts (a closing consumer stops waiting). */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs the handler; a thrown error counts as a transient failure (`retry`). */
export async function runHandler(run: () => Promise<HandlerOutcome>): Promise<HandlerOutcome> {
  try {
    return await run();
  } catch {
    return { action: 'retry' };
  }
}

/** Counts in-flight handlers and lets a closing consumer wait until none is left. */
export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  /** Tracks one unit of work until it settles. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.#count += 1;
    try {
      return await work;
    } finally {
      this.#count -= 1;
      if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  drained(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** AMQP header tables carry numbers, booleans and nested tables; the port exposes strings. */
export function toHeaders(raw: Readonly<Record<string, unknown>> | undefined): Headers {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (value === undefined || value === null) continue;
    headers[key] = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString() : stringify(value);
  }
  return headers;
}

function stringify(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Awaits a close step, ignoring its failure: closing runs every step regardless. */
export async function settle(step: Promise<unknown> | undefined): Promise<void> {
  try {
    await step;
  } catch {
    // the step's resource is gone already; the remaining steps must still run
  }
}
