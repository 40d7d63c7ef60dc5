import type { JobReceipt } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';

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
    if (receipt.kind === 'mass') return this.applyMass(receipt);
    const inserted = await this.db
      .insertInto('template_receipts')
      .values({
        account_id: receipt.account,
        msgid: receipt.msgId,
        open_id: receipt.openId,
        status: receipt.status,
        at: receipt.at,
        received_at: receipt.receivedAt,
      })
      .orIgnore()
      .executeTakeFirst();
    const fresh = Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
    const set = { receipt_status: receipt.status, receipt_at: receipt.at };
    await this.db
      .updateTable('push_recipients')
      .set(set)
      .where('msgid', '=', receipt.msgId)
      .where('receipt_status', 'is', null)
      .execute();
    await this.db
      .updateTable('template_sends')
      .set(set)
      .where('account_id', '=', receipt.account)
      .where('msgid', '=', receipt.msgId)
      .where('receipt_status', 'is', null)
      .execute();
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

/** Writes the stored `MASSSENDJOBFINISH` of `msgId` onto its mass send, if both exist and it is not finished yet. */
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
    .set({
      state: 'finished',
      finish_status: receipt.status,
      total_count: receipt.total_count,
      filter_count: receipt.filter_count,
      sent_count: receipt.sent_count,
      error_count: receipt.error_count,
      finished_at: receipt.at,
    })
    .where('account_id', '=', account)
    .where('msg_id', '=', msgId)
    .where('finish_status', 'is', null)
    .execute();
}
