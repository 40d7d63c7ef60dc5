import type { LogEvent, ReceiptLogEvent, SendLogEvent } from '@mpstack/common/contracts';
import { ALL_ACCOUNTS, type LogRollupOutboundTable, ROLLUP_SPANS } from '@mpstack/common/db';

/** The events counted into `log_rollup_outbound`: outbound send attempts and delivery receipts. */
export type OutboundEvent = SendLogEvent | ReceiptLogEvent;

export function isOutboundEvent(event: LogEvent): event is OutboundEvent {
  return event.type === 'send' || event.type === 'receipt';
}

/** A row of `log_rollup_outbound`. */
export type OutboundRollup = Pick<LogRollupOutboundTable, keyof LogRollupOutboundTable>;

/** The key columns of `log_rollup_outbound` (its counter is `count`). */
export const OUTBOUND_ROLLUP_KEYS = ['account', 'span', 'start', 'kind', 'family', 'outcome', 'detail'] as const;

const SPANS = [ROLLUP_SPANS.minute, ROLLUP_SPANS.hour, ROLLUP_SPANS.day] as const;

/** What one event adds: `[outcome, detail, count]` (a receipt of a mass send adds up to three). */
function countsOf(event: OutboundEvent): [string, string, number][] {
  if (event.type === 'send') {
    if (event.outcome === 'sent') return [['sent', '', 1]];
    if (event.outcome === 'refused') return [['refused', event.reason, 1]];
    return [['failed', String(event.errcode), 1]];
  }
  const counts: [string, string, number][] = [
    ['success', '', event.success],
    ['userBlock', '', event.userBlock],
    ['systemFailed', '', event.systemFailed],
  ];
  return counts.filter(([, , count]) => count > 0);
}

/**
 * The rollup rows of a batch's new send and receipt events, aggregated in memory (one row per
 * key): each account's and all accounts' (`''`) minute, hour and day — six rows for a single
 * event, far fewer per event in a batch of a push (one account, a few minutes). Sorted by key,
 * so concurrent writers lock the rows they share in the same order.
 */
export function outboundRollupsOf(events: Iterable<OutboundEvent>): OutboundRollup[] {
  const rows = new Map<string, OutboundRollup>();
  for (const event of events) {
    for (const [outcome, detail, count] of countsOf(event)) {
      for (const account of [event.account, ALL_ACCOUNTS]) {
        for (const span of SPANS) {
          const start = event.at - (event.at % span);
          const key = `${account}\u0000${span}\u0000${start}\u0000${event.type}\u0000${event.family}\u0000${outcome}\u0000${detail}`;
          const row = rows.get(key);
          if (row === undefined) {
            rows.set(key, { account, span, start, kind: event.type, family: event.family, outcome, detail, count });
          } else row.count += count;
        }
      }
    }
  }
  return [...rows.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map((entry) => entry[1]);
}
