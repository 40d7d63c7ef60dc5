import type { Db } from '@mpstack/common/db';
import { sql } from 'kysely';

export interface TemplateSend {
  readonly id: number;
  readonly account: string;
  readonly kind: string;
  readonly pushId: number | null;
  readonly openId: string;
  readonly templateId: string;
  readonly payload: { readonly data: Record<string, { value: string }>; readonly url?: string };
  readonly status: 'queued' | 'sending' | 'sent' | 'failed';
  readonly msgid: string | null;
  readonly errcode: number | null;
  readonly errmsg: string | null;
  readonly attempts: number;
  readonly firstAttemptAt: number | null;
  readonly receiptStatus: string | null;
  readonly receiptAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** `template_sends`: single sends and previews (a push's recipients are their own sends). */
export class SendRepository {
  constructor(private readonly db: Db) {}

  async create(send: {
    readonly account: string;
    readonly kind: 'single' | 'preview';
    readonly pushId?: number;
    readonly openId: string;
    readonly templateId: string;
    readonly payload: TemplateSend['payload'];
    readonly now: number;
  }): Promise<number> {
    const result = await this.db
      .insertInto('template_sends')
      .values({
        account_id: send.account,
        kind: send.kind,
        push_id: send.pushId ?? null,
        open_id: send.openId,
        template_id: send.templateId,
        payload: JSON.stringify(send.payload),
        status: 'queued',
        created_at: send.now,
        updated_at: send.now,
      })
      .executeTakeFirstOrThrow();
    return Number(result.insertId);
  }

  async get(id: number): Promise<TemplateSend | undefined> {
    const row = await this.db.selectFrom('template_sends').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSend(row);
  }

  /** Marks a send as being attempted (its first attempt starts client_msg_id's window). */
  async markSending(id: number, now: number): Promise<void> {
    await this.db
      .updateTable('template_sends')
      .set({
        status: 'sending',
        attempts: sql<number>`attempts + 1`,
        first_attempt_at: sql<number>`COALESCE(first_attempt_at, ${now})`,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'sending'])
      .execute();
  }

  async record(
    id: number,
    outcome: { readonly msgid: string } | { readonly errcode: number; readonly errmsg: string },
    now: number,
  ): Promise<void> {
    const set =
      'msgid' in outcome
        ? { status: 'sent', msgid: outcome.msgid, errcode: null, errmsg: null }
        : { status: 'failed', errcode: outcome.errcode, errmsg: outcome.errmsg.slice(0, 255) };
    await this.db
      .updateTable('template_sends')
      .set({ ...set, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'sending'])
      .execute();
    if ('msgid' in outcome) {
      // A receipt that arrived before this record, found by the receipts' key (account, msgid):
      // by msgid alone every single send scanned the whole table.
      const receipt = await this.db
        .selectFrom('template_receipts')
        .innerJoin('template_sends', 'template_sends.account_id', 'template_receipts.account_id')
        .select(['template_receipts.status', 'template_receipts.at'])
        .where('template_sends.id', '=', id)
        .where('template_receipts.msgid', '=', outcome.msgid)
        .executeTakeFirst();
      if (receipt !== undefined) {
        await this.db
          .updateTable('template_sends')
          .set({ receipt_status: receipt.status, receipt_at: Number(receipt.at) })
          .where('id', '=', id)
          .execute();
      }
    }
  }

  /** Sends queued or sending untouched since `before` (a lost queue message, a dead worker): the sweeper queues them again. */
  async stale(before: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('template_sends')
      .select('id')
      .where('status', 'in', ['queued', 'sending'])
      .where('updated_at', '<', before)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => Number(row.id));
  }

  /** Marks a stale send as re-queued (so the sweeper does not queue it again at once). */
  async touch(id: number, now: number): Promise<void> {
    await this.db.updateTable('template_sends').set({ updated_at: now }).where('id', '=', id).execute();
  }

  async list(filter: {
    readonly account?: string;
    readonly status?: string;
    readonly beforeId?: number;
    readonly limit: number;
  }): Promise<TemplateSend[]> {
    let query = this.db.selectFrom('template_sends').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.account !== undefined) query = query.where('account_id', '=', filter.account);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    return (await query.execute()).map(toSend);
  }
}

function toSend(row: {
  id: number;
  account_id: string;
  kind: string;
  push_id: number | null;
  open_id: string;
  template_id: string;
  payload: string;
  status: string;
  msgid: string | null;
  errcode: number | null;
  errmsg: string | null;
  attempts: number;
  first_attempt_at: number | null;
  receipt_status: string | null;
  receipt_at: number | null;
  created_at: number;
  updated_at: number;
}): TemplateSend {
  return {
    id: Number(row.id),
    account: row.account_id,
    kind: row.kind,
    pushId: row.push_id === null ? null : Number(row.push_id),
    openId: row.open_id,
    templateId: row.template_id,
    payload: JSON.parse(row.payload) as TemplateSend['payload'],
    status: row.status as TemplateSend['status'],
    msgid: row.msgid,
    errcode: row.errcode,
    errmsg: row.errmsg,
    attempts: Number(row.attempts),
    firstAttemptAt: row.first_attempt_at === null ? null : Number(row.first_attempt_at),
    receiptStatus: row.receipt_status,
    receiptAt: row.receipt_at === null ? null : Number(row.receipt_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
