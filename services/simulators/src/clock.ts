/** Milliseconds since the epoch. Every time-dependent rule of the simulator reads this. */
export type Clock = () => number;

export interface AdjustableClockOptions {
  /** The time source the clock adds its offset to (default `Date.now`). */
  readonly base?: Clock;
  /** Start the clock at this instant instead of `base()`. */
  readonly startAt?: number;
  /** A frozen clock moves only through {@link AdjustableClock.advance}/{@link AdjustableClock.set}. */
  readonly isFrozen?: boolean;
}

/**
 * The simulator's own clock: real time plus an offset, or frozen for tests. It lets a test
 * or a developer jump over WeChat's long windows (7200 s tokens, the 48 h kefu window)
 * instead of waiting for them. Only this clock can be moved through `/_sim/clock`.
 */
export class AdjustableClock {
  private readonly base: Clock;
  private readonly isFrozen: boolean;
  private offsetMs: number;
  private frozenAt: number;

  constructor(options: AdjustableClockOptions = {}) {
    this.base = options.base ?? Date.now;
    this.isFrozen = options.isFrozen ?? false;
    const start = options.startAt ?? this.base();
    this.offsetMs = start - this.base();
    this.frozenAt = start;
  }

  /** The current simulated time; bound, so it can be passed around as a {@link Clock}. */
  readonly now: Clock = () => (this.isFrozen ? this.frozenAt : this.base() + this.offsetMs);

  /** Moves the clock forward (a negative value moves it back). */
  advance(ms: number): number {
    return this.set(this.now() + ms);
  }

  /** Jumps to an absolute instant. */
  set(epochMs: number): number {
    this.frozenAt = epochMs;
    this.offsetMs = epochMs - this.base();
    return this.now();
  }
}
