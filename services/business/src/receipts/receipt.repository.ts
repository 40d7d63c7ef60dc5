import type { JobReceipt } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import { sql } from 'kysely';

export interface StoredTemplateReceipt {
  readonly msgid: string;
  readonly openId: string;
  readonly status: string;
  readonly at: number;
}

/**
 * Delivery receipts: every `TEMPLATESENDJOBFINISH` kept once per MsgID in `template_receipts`
 * and joined to its send (a single send or a push recipient) by msgid; `MASSSENDJOBFINISH`
 * written onto its mass send. A receipt arriving before its send is recorded is joined by
 * the recording (`PushRepository.record`, `SendRepository.record`).
 */
export class ReceiptRepository {
  constructor(private readonly db: Db) {}

  /** Stores and joins one receipt; false when it was stored before (a re-pushed event). */
  async apply(receipt: JobReceipt): Promise<boolean> {
    const [fresh] = await this.applyAll([receipt]);
    return fresh === true;
  }

  /**
   * Stores and joins a batch of receipts with a few statements whatever its size: which MsgIDs
   * are known already (one select), one multi-row insert, one update of the push recipients and
   * — for receipts no push recipient took — one of the single sends per account, each setting
   * every row from the receipts by msgid (a msgid is one send's). Returns, per receipt, whether
   * it was new (false: stored before, or a repeat of an earlier one in the batch). Mass receipts
   * are written one by one (a few a day).
   *
   * The insert commits before the joins run, never in one transaction with them: a send
   * recorded after the join looked for it then finds the receipt already stored
   * (`PushRepository.record` joins what arrived early), so no receipt is left unjoined.
   */
  async applyAll(receipts: readonly JobReceipt[]): Promise<boolean[]> {
    const fresh = new Array<boolean>(receipts.length).fill(false);
    const templates = new Map<string, { readonly index: number; readonly receipt: JobReceipt }>();
    for (const [index, receipt] of receipts.entries()) {
      if (receipt.kind === 'mass') fresh[index] = await this.applyMass(receipt);
      else if (!templates.has(receiptKey(receipt))) templates.set(receiptKey(receipt), { index, receipt });
    }
    if (templates.size === 0) return fresh;
    const batch = [...templates.values()].map((entry) => entry.receipt);
    const msgids = batch.map((r) => r.msgId);
    const stored = await this.db
      .selectFrom('template_receipts')
      .select(['account_id', 'msgid'])
      .where('msgid', 'in', msgids)
      .execute();
    const known = new Set(stored.map((row) => `${row.account_id}\u0000${row.msgid}`));
    for (const { index, receipt } of templates.values()) fresh[index] = !known.has(receiptKey(receipt));
    await this.db
      .insertInto('template_receipts')
      .values(
        batch.map((receipt) => ({
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
    // A push recipient is found by msgid alone (WeChat's msgids are unique across accounts).
    const byMsgid = uniqueBy(batch, (r) => r.msgId);
    const joined = await this.db
      .updateTable('push_recipients')
      .set(receiptColumns(byMsgid))
      .where('msgid', 'in', msgids)
      .where('receipt_status', 'is', null)
      .executeTakeFirst();
    // Every receipt joined a push recipient (the usual case in a push): no single send has them.
    if (Number(joined.numUpdatedRows) === byMsgid.length) return fresh;
    for (const [account, ofAccount] of groupBy(batch, (r) => r.account)) {
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
    return fresh;
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
      ...(await this.db.selectFrom('push_recipients').select('msgid').where('msgid', 'in', msgids).execute()).map(
        (row) => row.msgid,
      ),
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
