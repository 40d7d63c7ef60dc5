import type { Db, KefuSendsTable } from '@mpstack/common/db';
import type { Selectable } from 'kysely';
import { affected, run } from '../pushes/raw-sql.js';
import type { KefuMessage } from './kefu-message.js';

export type KefuSendStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'unknown';

export interface KefuSend {
  readonly id: number;
  readonly account: string;
  readonly openId: string;
  readonly msgtype: string;
  readonly message: KefuMessage;
  readonly status: KefuSendStatus;
  readonly errcode: number | null;
  readonly errmsg: string | null;
  /** The local refusal's reason (`window_closed`, `window_exhausted`, `quota_reached`): never sent. */
  readonly reason: string | null;
  readonly attempts: number;
  readonly sentAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** How a send ended: sent, failed (WeChat's errcode or a local refusal), or unknown (its answer was lost). */
export type KefuOutcome =
  | { readonly status: 'sent' }
  | {
      readonly status: 'failed';
      readonly errcode: number | null;
      readonly errmsg: string;
      readonly reason?: string | undefined;
    }
  | { readonly status: 'unknown'; readonly errmsg: string };

/**
 * `kefu_sends` (migration 0018): customer-service sends and their outcome. A send's own path —
 * its insert, its claim, its outcome — is one statement each, written as SQL text (the same in
 * both dialects): the query builder cost the business process more than the statement's path.
 */
export class KefuRepository {
  constructor(private readonly db: Db) {}

  async create(send: {
    readonly account: string;
    readonly openId: string;
    readonly message: KefuMessage;
    readonly now: number;
  }): Promise<number> {
    const result = await run(
      this.db,
      `INSERT INTO kefu_sends (account_id, open_id, msgtype, message, status, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'queued', ?, ?)`,
      [send.account, send.openId, send.message.msgtype, JSON.stringify(send.message), send.now, send.now],
    );
    return Number(result.insertId);
  }

  async get(id: number): Promise<KefuSend | undefined> {
    const row = await this.db.selectFrom('kefu_sends').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toKefuSend(row);
  }

  /** `queued → sending`, by one worker only: false when the send was not queued (taken, or done). */
  async claim(id: number, now: number): Promise<boolean> {
    const result = await run(
      this.db,
      "UPDATE kefu_sends SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'",
      [now, id],
    );
    return affected(result) === 1;
  }

  /**
   * `sending → queued`: the call did not go out (no host took the connection, no token): it may
   * be made again. `dueAt` (its `updated_at`) is when its held job comes back, so the sweeper,
   * which queues again a send left `queued` for its stall time, does not queue a second job.
   */
  async release(id: number, dueAt: number): Promise<void> {
    await this.db
      .updateTable('kefu_sends')
      .set({ status: 'queued', updated_at: dueAt })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  /**
   * Records how the send ended. An answer overrides `unknown` (a send marked unknown while its
   * call was still waiting for the bucket, then answered); nothing overrides `sent` or `failed`.
   */
  async record(id: number, outcome: KefuOutcome, now: number): Promise<void> {
    if (outcome.status === 'sent') {
      await run(
        this.db,
        `UPDATE kefu_sends SET status = 'sent', errcode = NULL, errmsg = NULL, reason = NULL, sent_at = ?, updated_at = ?
          WHERE id = ? AND status IN ('queued', 'sending', 'unknown')`,
        [now, now, id],
      );
      return;
    }
    const isFailed = outcome.status === 'failed';
    await run(
      this.db,
      `UPDATE kefu_sends SET status = ?, errcode = ?, errmsg = ?, reason = ?, updated_at = ?
        WHERE id = ? AND status IN ('queued', 'sending'${isFailed ? ", 'unknown'" : ''})`,
      [
        outcome.status,
        isFailed ? outcome.errcode : null,
        outcome.errmsg.slice(0, 255),
        isFailed ? (outcome.reason ?? null) : null,
        now,
        id,
      ],
    );
  }

  /** Sends in `status` untouched since `before` (the sweeper's). */
  async stale(status: 'queued' | 'sending', before: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('kefu_sends')
      .select('id')
      .where('status', '=', status)
      .where('updated_at', '<', before)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => Number(row.id));
  }

  /**
   * Takes a stale queued send for queueing again: true for the one sweeper (of every replica's)
   * whose conditional update moved its `updated_at` from before `staleBefore` to `now`, so only
   * that one publishes its job — two jobs would have one find the send claimed by the other.
   */
  async touch(id: number, now: number, staleBefore: number): Promise<boolean> {
    const result = await run(
      this.db,
      "UPDATE kefu_sends SET updated_at = ? WHERE id = ? AND status = 'queued' AND updated_at < ?",
      [now, id, staleBefore],
    );
    return affected(result) === 1;
  }

  async list(filter: {
    readonly account?: string | undefined;
    readonly status?: string | undefined;
    readonly openId?: string | undefined;
    readonly beforeId?: number | undefined;
    readonly limit: number;
  }): Promise<KefuSend[]> {
    let query = this.db.selectFrom('kefu_sends').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.account !== undefined) query = query.where('account_id', '=', filter.account);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.openId !== undefined) query = query.where('open_id', '=', filter.openId);
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    return (await query.execute()).map(toKefuSend);
  }
}

function toKefuSend(row: Selectable<KefuSendsTable>): KefuSend {
  return {
    id: Number(row.id),
    account: row.account_id,
    openId: row.open_id,
    msgtype: row.msgtype,
    message: JSON.parse(row.message) as KefuMessage,
    status: row.status as KefuSendStatus,
    errcode: row.errcode,
    errmsg: row.errmsg,
    reason: row.reason,
    attempts: Number(row.attempts),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
