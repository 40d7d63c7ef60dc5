import type { Db } from '@mpstack/common/db';
import { affected, marks, msgidIndex, retryingLockConflicts, run } from '../pushes/raw-sql.js';

/** A template receipt's outcome, as joined to its send. */
export interface ReceiptOutcome {
  readonly msgId: string;
  readonly status: string;
  readonly at: number;
}

/** The `push_jobs` counter a receipt status adds to (migration 0017). */
export type ReceiptCounter = 'receipts_success' | 'receipts_blocked' | 'receipts_failed';

/** `success`, `failed:user block`, anything else (`failed: system failed`, a status WeChat adds later). */
export function counterOf(status: string): ReceiptCounter {
  if (status === 'success') return 'receipts_success';
  if (status === 'failed:user block') return 'receipts_blocked';
  return 'receipts_failed';
}

/** A push recipient's send found by msgid. */
export interface PushSend {
  readonly pushId: number;
  readonly hasReceipt: boolean;
}

/** Which of `msgids` are push recipients' sends (by the msgid index), their push and whether a receipt is joined. */
export async function pushSendsOf(db: Db, msgids: readonly string[]): Promise<Map<string, PushSend>> {
  const found = new Map<string, PushSend>();
  if (msgids.length === 0) return found;
  const { rows } = await run<{ push_id: number; msgid: string; receipt_status: string | null }>(
    db,
    `SELECT push_id, msgid, receipt_status FROM push_recipients ${msgidIndex(db)} WHERE msgid IN (${marks(msgids.length)})`,
    msgids,
  );
  for (const row of rows) {
    found.set(row.msgid, { pushId: Number(row.push_id), hasReceipt: row.receipt_status !== null });
  }
  return found;
}

/**
 * Writes receipts onto one push's recipients (by msgid, only where none is joined yet) and adds
 * what each statement changed to the push's receipt counters, in one transaction: the counters
 * equal the rows whoever joins a receipt — the receipt consumer, or the recording of a send
 * whose receipt came first — and however often it is applied. One UPDATE per counter (a push
 * batch's receipts are mostly one status), so each adds exactly the rows it changed. Returns
 * how many rows it joined.
 */
export async function joinPushReceipts(db: Db, pushId: number, receipts: readonly ReceiptOutcome[]): Promise<number> {
  if (receipts.length === 0) return 0;
  const byCounter = new Map<ReceiptCounter, ReceiptOutcome[]>();
  for (const receipt of receipts) {
    const counter = counterOf(receipt.status);
    const group = byCounter.get(counter);
    if (group === undefined) byCounter.set(counter, [receipt]);
    else group.push(receipt);
  }
  // A push send's recording joins its early receipts only here, once: given up after a
  // deadlock, that receipt would stay unjoined.
  return retryingLockConflicts(() => writeJoin(db, pushId, byCounter));
}

async function writeJoin(db: Db, pushId: number, byCounter: ReadonlyMap<ReceiptCounter, ReceiptOutcome[]>) {
  return db.transaction().execute(async (trx) => {
    const added: [ReceiptCounter, number][] = [];
    for (const [counter, group] of byCounter) {
      const n = affected(await run(trx, ...joinStatement(trx, pushId, counter, group)));
      if (n > 0) added.push([counter, n]);
    }
    if (added.length > 0) {
      await run(
        trx,
        `UPDATE push_jobs SET ${added.map(([counter]) => `${counter} = ${counter} + ?`).join(', ')} WHERE id = ?`,
        [...added.map(([, n]) => n), pushId],
      );
    }
    return added.reduce((sum, [, n]) => sum + n, 0);
  });
}

function joinStatement(
  db: Parameters<typeof msgidIndex>[0],
  pushId: number,
  counter: ReceiptCounter,
  group: readonly ReceiptOutcome[],
): [string, unknown[]] {
  const params: unknown[] = [];
  // One status for the whole group (success, user block): no CASE for it.
  const oneStatus = counter !== 'receipts_failed';
  let status = '?';
  if (oneStatus) params.push(group[0]?.status);
  else {
    status = `CASE msgid${' WHEN ? THEN ?'.repeat(group.length)} END`;
    for (const r of group) params.push(r.msgId, r.status);
  }
  // The receipts' times are WeChat's CreateTime (whole seconds): a batch's are mostly one or two
  // values, so the commonest is the ELSE and only the others are listed.
  const common = commonestAt(group);
  let at = '?';
  for (const r of group) {
    if (r.at === common) continue;
    if (at === '?') at = 'CASE msgid';
    at += ' WHEN ? THEN ?';
    params.push(r.msgId, r.at);
  }
  if (at === '?') params.push(common);
  else {
    at += ' ELSE ? END';
    params.push(common);
  }
  params.push(pushId, ...group.map((r) => r.msgId));
  return [
    `UPDATE push_recipients ${msgidIndex(db)} SET receipt_status = ${status}, receipt_at = ${at}
      WHERE push_id = ? AND msgid IN (${marks(group.length)}) AND receipt_status IS NULL`,
    params,
  ];
}

/** The `at` most of `group` have (the first of the commonest). */
function commonestAt(group: readonly ReceiptOutcome[]): number {
  const counts = new Map<number, number>();
  let best = group[0]?.at ?? 0;
  let bestCount = 0;
  for (const r of group) {
    const n = (counts.get(r.at) ?? 0) + 1;
    counts.set(r.at, n);
    if (n > bestCount) {
      best = r.at;
      bestCount = n;
    }
  }
  return best;
}
