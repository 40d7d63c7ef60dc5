/** A counter's value at one scrape. */
export interface CounterReading {
  readonly value: number;
  /** When it was read, ms since the epoch (the injected clock). */
  readonly at: number;
}

/**
 * Per-second rate between two readings of a monotonic counter. A smaller value means the
 * process restarted and the counter began again at 0 (Prometheus' reset rule), so the increase
 * is the new value itself. Undefined when there is no earlier reading or no time passed.
 */
export function counterRate(previous: CounterReading | undefined, current: CounterReading): number | undefined {
  if (previous === undefined) return undefined;
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return undefined;
  const increase = current.value >= previous.value ? current.value - previous.value : current.value;
  return increase / seconds;
}

/**
 * Remembers the last reading per pod and turns each new one into a rate. Readings older than
 * `maxAgeMs` are forgotten so a pod that came back after a long gap does not report the
 * average over the gap as its current rate.
 */
export class CounterRateTracker {
  private readonly last = new Map<string, CounterReading>();

  constructor(private readonly maxAgeMs: number) {}

  /** Records the reading and returns the rate since the previous one (undefined on the first). */
  observe(key: string, reading: CounterReading): number | undefined {
    const previous = this.last.get(key);
    this.last.set(key, reading);
    if (previous !== undefined && reading.at - previous.at > this.maxAgeMs) return undefined;
    return counterRate(previous, reading);
  }

  /** Forgets pods that are gone, so the map does not grow with every pod ever seen. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.last.keys()) if (!keys.has(key)) this.last.delete(key);
  }
}
