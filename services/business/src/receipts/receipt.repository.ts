import type { JobReceipt } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import { sql } from 'kysely';
import { joinPushReceipts, pushSendsOf, type ReceiptOutcome } from './push-receipts.js';

export interface StoredTemplateReceipt {
  readonly msgid: string;
  readonly openId: string;
  readonly status: string;
  readonly at: number;
}

/**
 * Delivery receipts: every `TEMPLATESENDJOBFINISH` kept once per MsgID in `template_receipts`
 * (a push send's receipt is kept on its recipient row instead) and joined to its send by msgid;
 * `MASSSENDJOBFINISH` written onto its mass send. A receipt arriving before its send is
 * recorded is joined by the recording (`PushRepository.record`, `SendRepository.record`).
 */
export class ReceiptRepository {
  constructor(private readonly db: Db) {}

  /** Stores and joins one receipt; false when it was stored before (a re-pushed event). */
  async apply(receipt: JobReceipt): Promise<boolean> {
    const [fresh] = await this.applyAll([receipt]);
    return fresh === true;
  }

  /**
   * Stores and joins a batch of receipts with a few statements whatever its size. A receipt of
   * a recorded push send (found by msgid, the usual case in a push) is written onto that
   * recipient only, with the push's receipt counters in the same transaction
   * ({@link joinPushReceipts}); the recipient's `receipt_status` is its once-per-MsgID record,
   * so a repeat changes nothing. Any other receipt — a single send's, or one that came before
   * its push send was recorded — is kept in `template_receipts` (one multi-row insert, committed
   * first), then joined: to a push send recorded meanwhile, else to the single sends of its
   * account. Returns, per receipt, whether it was new (false: applied before, or a repeat of an
   * earlier one in the batch). Mass receipts are written one by one (a few a day).
   *
   * A receipt kept in `template_receipts` is looked up again by msgid after its insert has
   * committed, and a push send's recording looks for its receipt after its own commit
   * (`PushRepository.record`): whichever comes second joins them, so no receipt is left unjoined.
   */
  async applyAll(receipts: readonly JobReceipt[]): Promise<boolean[]> {
    const fresh = new Array<boolean>(receipts.length).fill(false);
    const templates = new Map<string, Entry>();
    for (const [index, receipt] of receipts.entries()) {
      if (receipt.kind === 'mass') fresh[index] = await this.applyMass(receipt);
      else if (!templates.has(receiptKey(receipt))) templates.set(receiptKey(receipt), { index, receipt });
    }
    if (templates.size === 0) return fresh;
    // A push send is found by msgid alone (WeChat's msgids are unique across accounts).
    const batch = uniqueBy([...templates.values()], (entry) => entry.receipt.msgId);
    const sends = await pushSendsOf(
      this.db,
      batch.map((entry) => entry.receipt.msgId),
    );
    const joins = new Map<number, ReceiptOutcome[]>();
    const unknown: Entry[] = [];
    for (const entry of batch) {
      const send = sends.get(entry.receipt.msgId);
      if (send === undefined) unknown.push(entry);
      else if (!send.hasReceipt) {
        fresh[entry.index] = true;
        addTo(joins, send.pushId, entry.receipt);
      }
    }
    if (unknown.length > 0) await this.keepAndJoin(unknown, fresh, joins);
    for (const [pushId, outcomes] of joins) await joinPushReceipts(this.db, pushId, outcomes);
    return fresh;
  }

  /**
   * Receipts of no recorded push send: kept in `template_receipts` (new ones marked fresh),
   * then joined to a push send recorded since the first lookup (added to `joins`), else to
   * the single sends of their account.
   */
  private async keepAndJoin(entries: readonly Entry[], fresh: boolean[], joins: Map<number, ReceiptOutcome[]>) {
    for (const [account, ofAccount] of groupBy(entries, (entry) => entry.receipt.account)) {
      const stored = await this.db
        .selectFrom('template_receipts')
        .select('msgid')
        .where('account_id', '=', account)
        .where(
          'msgid',
          'in',
          ofAccount.map((entry) => entry.receipt.msgId),
        )
        .execute();
      const known = new Set(stored.map((row) => row.msgid));
      for (const entry of ofAccount) fresh[entry.index] = !known.has(entry.receipt.msgId);
    }
    await this.db
      .insertInto('template_receipts')
      .values(
        entries.map(({ receipt }) => ({
          account_id: receipt.account,
          msgid: receipt.msgId,
          open_id: receipt.openId,
          status: receipt.status,
          at: receipt.at,
          received_at: receipt.receivedAt,
        })),
      )
      .orIgnore()
      .execute();
    const recorded = await pushSendsOf(
      this.db,
      entries.map((entry) => entry.receipt.msgId),
    );
    const singles: JobReceipt[] = [];
    for (const { receipt } of entries) {
      const send = recorded.get(receipt.msgId);
      if (send === undefined) singles.push(receipt);
      else if (!send.hasReceipt) addTo(joins, send.pushId, receipt);
    }
    for (const [account, ofAccount] of groupBy(singles, (r) => r.account)) {
      await this.db
        .updateTable('template_sends')
        .set(receiptColumns(ofAccount))
        .where('account_id', '=', account)
        .where(
          'msgid',
          'in',
          ofAccount.map((r) => r.msgId),
        )
        .where('receipt_status', 'is', null)
        .execute();
    }
  }

  /**
   * Keeps the `MASSSENDJOBFINISH` once per MsgID, then joins it to its mass send. One that
   * arrived before the send's `msg_id` was recorded is joined by the recording
   * ({@link joinMassReceipt} from `MassRepository.submitted`).
   */
  private async applyMass(receipt: JobReceipt): Promise<boolean> {
    const inserted = await this.db
      .insertInto('mass_receipts')
      .values({
        account_id: receipt.account,
        msg_id: receipt.msgId,
        status: receipt.status,
        total_count: receipt.counts?.total ?? null,
        filter_count: receipt.counts?.filter ?? null,
        sent_count: receipt.counts?.sent ?? null,
        error_count: receipt.counts?.error ?? null,
        at: receipt.at,
        received_at: receipt.receivedAt,
      })
      .orIgnore()
      .executeTakeFirst();
    await joinMassReceipt(this.db, receipt.account, receipt.msgId);
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Template receipts of these followers since `since` whose msgid no recorded send has: what
   * settles a push recipient left `sending` by a crash.
   */
  async unmatchedTemplateReceipts(
    account: string,
    openIds: readonly string[],
    since: number,
  ): Promise<StoredTemplateReceipt[]> {
    if (openIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('template_receipts')
      .select(['msgid', 'open_id', 'status', 'at'])
      .where('account_id', '=', account)
      .where('open_id', 'in', [...openIds])
      .where('at', '>=', since)
      .execute();
    if (rows.length === 0) return [];
    const msgids = rows.map((row) => row.msgid);
    const known = new Set([
      ...(await pushSendsOf(this.db, msgids)).keys(),
      ...(
        await this.db
          .selectFrom('template_sends')
          .select('msgid')
          .where('account_id', '=', account)
          .where('msgid', 'in', msgids)
          .execute()
      ).map((row) => row.msgid),
    ]);
    return rows
      .filter((row) => !known.has(row.msgid))
      .map((row) => ({ msgid: row.msgid, openId: row.open_id, status: row.status, at: Number(row.at) }));
  }
}

/**
 * Writes the stored `MASSSENDJOBFINISH` of `msgId` onto its mass send, if both exist and it is
 * not joined yet. A send the operator deleted (`mass/delete`) before its event arrived keeps
 * the state `deleted` and gets the receipt's status and counts all the same: the event reports
 * what was delivered before the deletion, and deleted is the operator's last word.
 */
export async function joinMassReceipt(db: Db, account: string, msgId: string): Promise<void> {
  const receipt = await db
    .selectFrom('mass_receipts')
    .selectAll()
    .where('account_id', '=', account)
    .where('msg_id', '=', msgId)
    .executeTakeFirst();
  if (receipt === undefined) return;
  await db
    .updateTable('mass_sends')
    .set((eb) => ({
      state: eb.case().when('state', '=', 'deleted').then('deleted').else('finished').end(),
      finish_status: receipt.status,
      total_count: receipt.total_count,
      filter_count: receipt.filter_count,
      sent_count: receipt.sent_count,
      error_count: receipt.error_count,
      finished_at: receipt.at,
    }))
    .where('account_id', '=', account)
    .where('msg_id', '=', msgId)
    .where('finish_status', 'is', null)
    .execute();
}

interface Entry {
  readonly index: number;
  readonly receipt: JobReceipt;
}

function addTo(joins: Map<number, ReceiptOutcome[]>, pushId: number, receipt: JobReceipt): void {
  const outcome = { msgId: receipt.msgId, status: receipt.status, at: receipt.at };
  const group = joins.get(pushId);
  if (group === undefined) joins.set(pushId, [outcome]);
  else group.push(outcome);
}

function receiptKey(receipt: JobReceipt): string {
  return `${receipt.account}\u0000${receipt.msgId}`;
}

/** `receipt_status` and `receipt_at` of each row, from the receipt of its msgid. */
export function receiptColumns(
  receipts: readonly { readonly msgId: string; readonly status: string; readonly at: number }[],
) {
  const caseOf = (value: (r: (typeof receipts)[number]) => string | number) =>
    sql`CASE msgid ${sql.join(
      receipts.map((r) => sql`WHEN ${r.msgId} THEN ${value(r)}`),
      sql` `,
    )} END`;
  return {
    receipt_status: caseOf((r) => r.status) as never,
    receipt_at: caseOf((r) => r.at) as never,
  };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}
