/**
 * The per-platform clocks of the two things a reconcile may measure: the request-rate scrape
 * (every `metrics.scrapeIntervalSeconds`) and the MySQL probe round (every
 * `mysql.failover.probeIntervalSeconds`, or at once when a MySQL Pod changed). A reconcile
 * started by a watch event between two ticks reuses the last measurement instead of taking
 * a new one, so scrapes and probes run on their own clocks, never at reconcile frequency, and
 * a burst of events cannot compress "3 failed probes ≥ 2 s apart" into 0.1 s.
 */

interface PlatformClocks {
  lastScrapeAt?: number;
  lastProbeAt?: number;
  isProbeRequested: boolean;
}

/** What this reconcile measures. */
export interface RoundPlan {
  readonly scrape: boolean;
  /** A MySQL round, and whether it counts as one of the periodic probes. */
  readonly mysql: 'none' | 'probe' | 'podEvent';
}

/**
 * A timer set for `t` may fire a little before `t` by the real clock's rounding: a tick
 * this close to its due time counts as due, so a requeue never lands just short of it.
 */
const SLACK_MS = 25;

export class RoundClocks {
  private readonly platforms = new Map<string, PlatformClocks>();

  /** Decides what a reconcile of `key` at `now` measures, and records it as done. */
  plan(key: string, now: number, scrapeMs: number, probeMs: number | undefined): RoundPlan {
    const clocks = this.of(key);
    const scrape = clocks.lastScrapeAt === undefined || now + SLACK_MS >= clocks.lastScrapeAt + scrapeMs;
    if (scrape) clocks.lastScrapeAt = now;
    let mysql: RoundPlan['mysql'] = 'none';
    if (probeMs !== undefined) {
      if (clocks.lastProbeAt === undefined || now + SLACK_MS >= clocks.lastProbeAt + probeMs) mysql = 'probe';
      else if (clocks.isProbeRequested) mysql = 'podEvent';
      if (mysql === 'probe') clocks.lastProbeAt = now;
      clocks.isProbeRequested = false;
    }
    return { scrape, mysql };
  }

  /** A MySQL Pod changed: the next reconcile runs a MySQL round even between probe ticks. */
  requestProbe(key: string): void {
    this.of(key).isProbeRequested = true;
  }

  /** How long until the next scrape or probe of `key` is due. */
  nextDueInMs(key: string, now: number, scrapeMs: number, probeMs: number | undefined): number {
    const clocks = this.of(key);
    const dueAt = [(clocks.lastScrapeAt ?? now) + scrapeMs];
    if (probeMs !== undefined) dueAt.push((clocks.lastProbeAt ?? now) + probeMs);
    return Math.max(0, Math.min(...dueAt) - now);
  }

  forget(key: string): void {
    this.platforms.delete(key);
  }

  private of(key: string): PlatformClocks {
    let clocks = this.platforms.get(key);
    if (clocks === undefined) {
      clocks = { isProbeRequested: false };
      this.platforms.set(key, clocks);
    }
    return clocks;
  }
}
