/**
 * Counts calls per key within a period (a Beijing day, a minute): `take` consumes one
 * unit and says whether the limit still allowed it. Keys of past periods are dropped
 * lazily so memory stays bounded by the number of active keys.
 */
export class QuotaCounter {
  private readonly counts = new Map<string, { period: number; used: number }>();

  /** Consumes one unit; false (and nothing consumed) when `limit` is already reached. */
  take(key: string, period: number, limit: number): boolean {
    const entry = this.counts.get(key);
    const used = entry !== undefined && entry.period === period ? entry.used : 0;
    if (used >= limit) return false;
    this.counts.set(key, { period, used: used + 1 });
    return true;
  }

  used(key: string, period: number): number {
    const entry = this.counts.get(key);
    return entry !== undefined && entry.period === period ? entry.used : 0;
  }

  reset(): void {
    this.counts.clear();
  }
}
