/**
 * The operator's timers as a port, so a test can run the wired operator (informers, queue,
 * reconciler) on a virtual clock for simulated minutes: every delay the operator schedules
 * itself — requeues, retry backoff, the per-platform scrape and probe clocks — goes through
 * this. The real one is Node's timers.
 */

/** An opaque handle from {@link Timers.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | NodeJS.Timeout;

export interface Timers {
  /** The time these timers run on, ms. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};
