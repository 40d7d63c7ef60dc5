/**
 * Counts calls per key within a period (a Beijing day, a minute): `take` consumes one
 * unit and says whether the limit still allowed it. A key's count is replaced when the key
 * is used in a later period; keys are never removed (the simulator's state is per run).
 */
export class QuotaCounter {
  private readonly counts = new Map<string, { period: number; used: number }>();

  /** Consumes one unit; false (and nothing consumed) when `limit` is already reached. */
  take(key: string, period: number, limit: number): boolean {
    const entry = this.counts.get(key);
    if (entry === undefined || entry.period !== period) {
      if (limit <= 0) return false;
      this.counts.set(key, { period, used: 1 });
      return true;
    }
    if (entry.used >= limit) return false;
    entry.used += 1;
    return true;
  }

  /** What `key` consumed in `period` (0 once a later period began). */
  used(key: string, period: number): number {
    const entry = this.counts.get(key);
    return entry === undefined || entry.period !== period ? 0 : entry.used;
  }

  /** Forgets the counts of the keys `isCleared` picks (clear_quota resets one account's daily counts). */
  clearWhere(isCleared: (key: string) => boolean): void {
    for (const key of [...this.counts.keys()]) if (isCleared(key)) this.counts.delete(key);
  }

  reset(): void {
    this.counts.clear();
  }
}
