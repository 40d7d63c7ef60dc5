import { ROLLUP_SPANS } from '@mpstack/common/db';

/** The dashboard's window: `[from, to]` (ms), the series' step, and how far back the comparison lies (0: none). */
export interface DashboardWindow {
  readonly account?: string | undefined;
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly shift: number;
}

/** A time range `[from, to)` read from rows of one span. */
export interface Piece {
  readonly span: number;
  readonly from: number;
  readonly to: number;
}

const SPANS_DESCENDING = [ROLLUP_SPANS.day, ROLLUP_SPANS.hour, ROLLUP_SPANS.minute] as const;

/**
 * `[from, to)` (minute-aligned) covered by the fewest rollup rows with spans no wider than
 * `widest`: whole days from day rows, the partial days at either end from hour rows, the partial
 * hours from minute rows — exactly the same minutes, so the same counts as the minute rows.
 */
export function coverWindow(from: number, to: number, widest: number): Piece[] {
  const cover = (lo: number, hi: number, spans: readonly number[]): Piece[] => {
    const [span, ...finer] = spans;
    if (lo >= hi || span === undefined) return [];
    if (finer.length === 0) return [{ span, from: lo, to: hi }];
    const first = Math.ceil(lo / span) * span;
    const last = Math.floor(hi / span) * span;
    if (first >= last) return cover(lo, hi, finer);
    return [...cover(lo, first, finer), { span, from: first, to: last }, ...cover(last, hi, finer)];
  };
  return cover(
    from,
    to,
    SPANS_DESCENDING.filter((span) => span <= widest),
  );
}

/** The minutes `[from, to]` meets, as `[lo, hi)` (ms). */
export function minutesMet(from: number, to: number): readonly [number, number] {
  const minute = ROLLUP_SPANS.minute;
  return [from - (from % minute), to - (to % minute) + minute];
}
