/**
 * GTID arithmetic shared by both dialects (pure).
 *
 * A {@link GtidSet} maps a source key to sorted, disjoint, non-adjacent inclusive intervals
 * of transaction numbers. MySQL keys are the server UUID (or `uuid:tag` for 8.4 tagged
 * GTIDs); MariaDB keys are the replication domain id, and a MariaDB position `d-s-n` means
 * "every transaction of domain d up to n" (MariaDB sequence numbers are monotonic within a
 * domain), so it becomes the interval 1..n. Reducing both formats to one algebra lets the
 * writer decision ask the same two questions of either server: does the returning pod hold
 * transactions the writer lacks (errant), and has the passive seen everything (caught up).
 */

/** An inclusive range of transaction numbers, start ≤ end, both ≥ 1. */
export type Interval = readonly [start: number, end: number];

/** A normalised GTID set: per key, sorted disjoint intervals that never touch. */
export type GtidSet = ReadonlyMap<string, readonly Interval[]>;

/** The empty set. */
export const emptyGtidSet: GtidSet = new Map();

/** Sorts and merges overlapping or adjacent intervals; drops empty keys. */
export function normalizeIntervals(intervals: readonly Interval[]): readonly Interval[] {
  const sorted = [...intervals].filter(([s, e]) => s <= e).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && start <= last[1] + 1) {
      last[1] = Math.max(last[1], end);
    } else {
      merged.push([start, end]);
    }
  }
  return merged;
}

/** Builds a normalised set from raw (possibly overlapping, repeated-key) entries. */
export function gtidSetFrom(entries: Iterable<readonly [string, readonly Interval[]]>): GtidSet {
  const raw = new Map<string, Interval[]>();
  for (const [key, intervals] of entries) {
    raw.set(key, [...(raw.get(key) ?? []), ...intervals]);
  }
  const out = new Map<string, readonly Interval[]>();
  for (const [key, intervals] of raw) {
    const normalized = normalizeIntervals(intervals);
    if (normalized.length > 0) out.set(key, normalized);
  }
  return out;
}

/** True when the set holds no transaction. */
export function isEmptyGtidSet(set: GtidSet): boolean {
  return set.size === 0;
}

/** A ∪ B. */
export function unionGtidSets(a: GtidSet, b: GtidSet): GtidSet {
  return gtidSetFrom([...a, ...b]);
}

function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  let remaining: Interval[] = [...from];
  for (const [rs, re] of remove) {
    const next: Interval[] = [];
    for (const [s, e] of remaining) {
      if (re < s || rs > e) {
        next.push([s, e]);
        continue;
      }
      if (s < rs) next.push([s, rs - 1]);
      if (e > re) next.push([re + 1, e]);
    }
    remaining = next;
  }
  return remaining;
}

/** A − B: the transactions of A that B does not hold. */
export function subtractGtidSets(a: GtidSet, b: GtidSet): GtidSet {
  const out: [string, readonly Interval[]][] = [];
  for (const [key, intervals] of a) {
    out.push([key, subtractIntervals(intervals, b.get(key) ?? [])]);
  }
  return gtidSetFrom(out);
}

/** A ⊆ B. */
export function isGtidSubset(a: GtidSet, b: GtidSet): boolean {
  return isEmptyGtidSet(subtractGtidSets(a, b));
}

/** Structural equality of two normalised sets. */
export function gtidSetsEqual(a: GtidSet, b: GtidSet): boolean {
  return isGtidSubset(a, b) && isGtidSubset(b, a);
}

/** Number of transactions in the set (for messages and metrics). */
export function countGtids(set: GtidSet): number {
  let n = 0;
  for (const intervals of set.values()) for (const [s, e] of intervals) n += e - s + 1;
  return n;
}

/**
 * Errant transactions: what the returning pod executed that the surviving writer does not
 * have. A pod may rejoin as a replica only when this is empty — anything else would either
 * be lost (if we rejoined it and reset it) or replayed into the writer behind the
 * application's back.
 */
export function errantTransactions(returning: GtidSet, survivor: GtidSet): GtidSet {
  return subtractGtidSets(returning, survivor);
}

/**
 * Transactions that originated on the returning pod (its own source key) which the
 * survivor has and the returning pod does not — typically a binlog tail lost or truncated
 * at crash recovery. Replication cannot bring them back: a server skips events carrying
 * its own server_id yet advances its GTID position, so rejoining would diverge silently.
 */
export function missingOwnTransactions(returning: GtidSet, survivor: GtidSet, ownSource: string): GtidSet {
  const own = survivor.get(ownSource);
  return own === undefined ? new Map() : subtractGtidSets(new Map([[ownSource, own]]), returning);
}

/** The passive has caught up when it holds every transaction the writer executed. */
export function isCaughtUp(passive: GtidSet, writer: GtidSet): boolean {
  return isGtidSubset(writer, passive);
}

/** Renders a set as `key:1-5:7,key2:3` (MySQL syntax; for MariaDB the key is the domain). */
export function describeGtidSet(set: GtidSet): string {
  const parts: string[] = [];
  for (const key of [...set.keys()].sort()) {
    const intervals = set.get(key) ?? [];
    parts.push([key, ...intervals.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`))].join(':'));
  }
  return parts.join(',');
}
