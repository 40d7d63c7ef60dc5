import { type Db, isMysql } from '@mpstack/common/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { joinPushReceipts } from '../receipts/push-receipts.js';
import type { RecipientRow } from '../uploads/recipient-import.js';
import type { ClaimedRecipient, PushJob, PushState, SendResult } from './push.types.js';
import { affected, indexHint, marks, retryingLockConflicts, run } from './raw-sql.js';

type Database = Db extends Kysely<infer D> ? D : never;
type Executor = Kysely<Database> | Transaction<Database>;

/** `push_jobs` and `push_recipients`: every statement the pushes run (both dialects). */
export class PushRepository {
  constructor(private readonly db: Db) {}

  async create(push: {
    readonly account: string;
    readonly name: string;
    readonly templateId: string;
    readonly fields: Readonly<Record<string, string>>;
    readonly url: string | undefined;
    readonly scheduledAt: number | undefined;
    readonly now: number;
  }): Promise<number> {
    const result = await this.db
      .insertInto('push_jobs')
      .values({
        account_id: push.account,
        name: push.name,
        template_id: push.templateId,
        fields: JSON.stringify(push.fields),
        url: push.url ?? null,
        columns: null,
        state: 'draft',
        scheduled_at: push.scheduledAt ?? null,
        created_at: push.now,
      })
      .executeTakeFirstOrThrow();
    return Number(result.insertId);
  }

  async get(id: number): Promise<PushJob | undefined> {
    const row = await this.db.selectFrom('push_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toPushJob(row);
  }

  async list(account: string | undefined, limit: number): Promise<PushJob[]> {
    let query = this.db.selectFrom('push_jobs').selectAll().orderBy('id', 'desc').limit(limit);
    if (account !== undefined) query = query.where('account_id', '=', account);
    return (await query.execute()).map(toPushJob);
  }

  /**
   * Stores a batch of an upload's rows (one multi-row insert, written as SQL text: a
   * 1,000,000-row upload is a thousand of them); an openid already there (unique per push) is
   * skipped.
   */
  async storeRecipients(pushId: number, rows: readonly RecipientRow[]): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    for (const row of rows) {
      params.push(pushId, row.seq, row.openId, row.values.length === 0 ? null : JSON.stringify(row.values));
    }
    const values = `(?, ?, ?, ?, 'pending')${", (?, ?, ?, ?, 'pending')".repeat(rows.length - 1)}`;
    await run(
      this.db,
      `${isMysql(this.db) ? 'INSERT IGNORE' : 'INSERT OR IGNORE'} INTO push_recipients (push_id, seq, open_id, vars, state)
        VALUES ${values}`,
      params,
    );
  }

  async hasRecipients(pushId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('push_recipients')
      .select('seq')
      .where('push_id', '=', pushId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The first recipient's variable values (a preview fills the fields with them). */
  async firstValues(pushId: number): Promise<string[]> {
    const row = await this.db
      .selectFrom('push_recipients')
      .select('vars')
      .where('push_id', '=', pushId)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    return row?.vars == null ? [] : (JSON.parse(row.vars) as string[]);
  }

  async dropRecipients(pushId: number): Promise<void> {
    await this.db.deleteFrom('push_recipients').where('push_id', '=', pushId).execute();
  }

  async finishUpload(pushId: number, total: number, columns: readonly string[]): Promise<void> {
    await this.db
      .updateTable('push_jobs')
      .set({ total, columns: JSON.stringify(columns) })
      .where('id', '=', pushId)
      .execute();
  }

  /** Moves a push from one of `from` to `to`; false when it was in none of them (another caller won). */
  async transition(
    id: number,
    from: readonly PushState[],
    to: PushState,
    extra: { reason?: string | null; now: number; scheduledAt?: number | null },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('push_jobs')
      .set({
        state: to,
        state_reason: extra.reason ?? null,
        ...(to === 'running'
          ? { started_at: sql<number>`COALESCE(started_at, ${extra.now})`, progress_at: extra.now }
          : {}),
        ...(to === 'completed' || to === 'cancelled' ? { finished_at: extra.now } : {}),
        ...(extra.scheduledAt === undefined ? {} : { scheduled_at: extra.scheduledAt }),
      })
      .where('id', '=', id)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Scheduled pushes whose start time has come. */
  async due(now: number): Promise<number[]> {
    // Every replica's scheduler asks several times a second: written as SQL text.
    const { rows } = await run<{ id: number }>(
      this.db,
      "SELECT id FROM push_jobs WHERE state = 'scheduled' AND scheduled_at <= ?",
      [now],
    );
    return rows.map((row) => Number(row.id));
  }

  /** Pushes waiting for their scheduled start or running: what the business service announces. */
  async announced(): Promise<PushJob[]> {
    const rows = await this.db
      .selectFrom('push_jobs')
      .selectAll()
      .where('state', 'in', ['scheduled', 'running'])
      .orderBy('id')
      .limit(1000)
      .execute();
    return rows.map(toPushJob);
  }

  /** Running pushes that made no progress since `before` (the sweeper re-publishes their tickets). */
  async stalled(before: number): Promise<PushJob[]> {
    const rows = await this.db
      .selectFrom('push_jobs')
      .selectAll()
      .where('state', '=', 'running')
      .where('progress_at', '<', before)
      .execute();
    return rows.map(toPushJob);
  }

  /**
   * Claims the next `limit` pending recipients of a chunk from `fromSeq` (`pending → sending`
   * under `token`, stamped with the time the send may first reach WeChat) while the push is
   * running, and returns them in order: the push's state (so a pause or cancel stops the next
   * batch), one UPDATE and one SELECT of what it took — a row another worker claimed first is
   * not among them. Empty: nothing pending in the range, or the push is not running.
   */
  async claimNext(
    pushId: number,
    range: { readonly fromSeq: number; readonly toSeq: number },
    limit: number,
    token: string,
    now: number,
  ): Promise<ClaimedRecipient[]> {
    // A plain read: in the UPDATE (a subquery) it would take a shared lock on the push's row,
    // which every batch's recording holds exclusively until it commits — the claims queued
    // behind the recordings, and one holding it while it waited for a row of the next chunk
    // deadlocked with that chunk's recording.
    const [job] = (await run<{ state: string }>(this.db, 'SELECT state FROM push_jobs WHERE id = ?', [pushId])).rows;
    if (job?.state !== 'running') return [];
    const claimed = await run(
      this.db,
      `UPDATE push_recipients
          SET state = 'sending', claimed_by = ?, claimed_at = ?, first_attempt_at = COALESCE(first_attempt_at, ?),
              attempts = attempts + 1
        WHERE push_id = ? AND seq >= ? AND seq <= ? AND state = 'pending'
        ORDER BY seq LIMIT ?`,
      [token, now, now, pushId, range.fromSeq, range.toSeq, limit],
    );
    if (affected(claimed) === 0) return [];
    return this.claimedIn(pushId, range, token);
  }

  /** The recipients of a seq range held `sending` by `token`, in order. */
  private async claimedIn(
    pushId: number,
    range: { readonly fromSeq: number; readonly toSeq: number },
    token: string,
  ): Promise<ClaimedRecipient[]> {
    const { rows } = await run<{ seq: number; open_id: string; vars: string | null; first_attempt_at: number }>(
      this.db,
      `SELECT seq, open_id, vars, first_attempt_at FROM push_recipients
        WHERE push_id = ? AND seq >= ? AND seq <= ? AND claimed_by = ? AND state = 'sending' ORDER BY seq`,
      [pushId, range.fromSeq, range.toSeq, token],
    );
    return rows.map(toClaimed);
  }

  /**
   * Takes over recipients left `sending` by `previous` claims (a dead worker's, or this
   * worker's own failed attempt): only rows still held by exactly those claims, and not renewed
   * since they were read (`claimed_at` no later than read: a compare-and-set against
   * {@link renewClaim}, so a live worker's renewal and another's takeover never both win).
   */
  async reclaim(
    pushId: number,
    rows: readonly { readonly seq: number; readonly claimedBy: string; readonly claimedAt: number }[],
    token: string,
    now: number,
  ): Promise<ClaimedRecipient[]> {
    const byClaim = new Map<string, { seqs: number[]; claimedAt: number }>();
    for (const row of rows) {
      const claim = byClaim.get(row.claimedBy) ?? { seqs: [], claimedAt: row.claimedAt };
      claim.seqs.push(row.seq);
      claim.claimedAt = Math.max(claim.claimedAt, row.claimedAt);
      byClaim.set(row.claimedBy, claim);
    }
    for (const [claimedBy, { seqs, claimedAt }] of byClaim) {
      await this.db
        .updateTable('push_recipients')
        .set({ claimed_by: token, claimed_at: now, attempts: sql<number>`attempts + 1` })
        .where('push_id', '=', pushId)
        .where('seq', 'in', seqs)
        .where('state', '=', 'sending')
        .where('claimed_by', '=', claimedBy)
        .where('claimed_at', '<=', claimedAt)
        .execute();
    }
    return this.claimedBy(
      pushId,
      rows.map((row) => row.seq),
      token,
    );
  }

  /**
   * Renews `token`'s claim on its recipients of `fromSeq … toSeq` still `sending`: their lease
   * runs from `now` again. The worker calls it while the batch's sends are in flight, so a batch
   * that outlasts the lease (an account's low template rate) is not taken over and sent twice.
   */
  async renewClaim(
    pushId: number,
    token: string,
    range: { readonly fromSeq: number; readonly toSeq: number },
    now: number,
  ): Promise<number> {
    return affected(
      await run(
        this.db,
        `UPDATE push_recipients SET claimed_at = ?
          WHERE push_id = ? AND state = 'sending' AND seq >= ? AND seq <= ? AND claimed_by = ?`,
        [now, pushId, range.fromSeq, range.toSeq, token],
      ),
    );
  }

  private async claimedBy(pushId: number, seqs: readonly number[], token: string): Promise<ClaimedRecipient[]> {
    const rows = await this.db
      .selectFrom('push_recipients')
      .select(['seq', 'open_id', 'vars', 'first_attempt_at'])
      .where('push_id', '=', pushId)
      .where('seq', 'in', [...seqs])
      .where('claimed_by', '=', token)
      .where('state', '=', 'sending')
      .orderBy('seq')
      .execute();
    return rows.map(toClaimed);
  }

  /** Recipients of a chunk left `sending` (claimed, never recorded), with their claim. */
  async sendingRows(
    pushId: number,
    fromSeq: number,
    toSeq: number,
  ): Promise<{ seq: number; openId: string; claimedBy: string; claimedAt: number; firstAttemptAt: number }[]> {
    const rows = await this.db
      .selectFrom('push_recipients')
      .select(['seq', 'open_id', 'claimed_by', 'claimed_at', 'first_attempt_at'])
      .where('push_id', '=', pushId)
      .where('state', '=', 'sending')
      .where('seq', '>=', fromSeq)
      .where('seq', '<=', toSeq)
      .execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      openId: row.open_id,
      claimedBy: row.claimed_by ?? '',
      claimedAt: Number(row.claimed_at ?? 0),
      firstAttemptAt: Number(row.first_attempt_at ?? 0),
    }));
  }

  /**
   * Records what WeChat answered for recipients claimed under `token`, and the push's counters,
   * in one transaction. Returns how many rows it recorded: fewer than given means a claim was
   * taken over meanwhile (then the counters are recounted from the rows). Then joins the
   * receipts that arrived before this record (WeChat pushes them within milliseconds).
   */
  async record(
    push: { readonly id: number; readonly account: string },
    token: string,
    results: readonly SendResult[],
    now: number,
  ): Promise<number> {
    if (results.length === 0) return 0;
    let sent = 0;
    for (const r of results) if (r.state === 'sent') sent += 1;
    const recorded = await retryingLockConflicts(() => this.recordInTransaction(push.id, token, results, sent, now));
    if (sent > 0) await this.joinEarlyReceipts(push, results);
    return recorded;
  }

  private recordInTransaction(
    pushId: number,
    token: string,
    results: readonly SendResult[],
    sent: number,
    now: number,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const updated = affected(await run(trx, ...recordStatement(pushId, token, results, now)));
      await run(trx, 'UPDATE push_jobs SET sent = sent + ?, failed = failed + ?, progress_at = ? WHERE id = ?', [
        sent,
        results.length - sent,
        now,
        pushId,
      ]);
      if (updated !== results.length) await recount(trx, pushId);
      return updated;
    });
  }

  /**
   * Receipts that arrived before their send was recorded: kept by the receipt consumer in
   * `template_receipts` (read here by its key, account and msgid, without locking — a locking
   * read here deadlocked with the receipts' inserts), then joined with the push's counters. A
   * receipt stored after this read finds the recorded send itself, since the receipt consumer
   * looks for the send again after its insert has committed.
   */
  private async joinEarlyReceipts(
    push: { readonly id: number; readonly account: string },
    results: readonly SendResult[],
  ): Promise<void> {
    const msgids = results.flatMap((r) => (r.state === 'sent' ? [r.msgid] : []));
    const { rows } = await run<{ msgid: string; status: string; at: number }>(
      this.db,
      `SELECT msgid, status, at FROM template_receipts WHERE account_id = ? AND msgid IN (${marks(msgids.length)})`,
      [push.account, ...msgids],
    );
    if (rows.length === 0) return;
    await joinPushReceipts(
      this.db,
      push.id,
      rows.map((row) => ({ msgId: row.msgid, status: row.status, at: Number(row.at) })),
    );
  }

  /** Gives claimed recipients back (`sending → pending`): WeChat refused them for a reason that stops the push. */
  async release(pushId: number, token: string, seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.db
      .updateTable('push_recipients')
      .set({ state: 'pending', claimed_by: null, claimed_at: null })
      .where('push_id', '=', pushId)
      .where('seq', 'in', [...seqs])
      .where('claimed_by', '=', token)
      .where('state', '=', 'sending')
      .execute();
  }

  /** Whether any recipient is still to send or in doubt: one index lookup per state. */
  async hasRemaining(pushId: number): Promise<boolean> {
    for (const state of ['pending', 'sending']) {
      const { rows } = await run(
        this.db,
        `SELECT seq FROM push_recipients ${indexHint(this.db, 'push_recipients_state_idx')}
          WHERE push_id = ? AND state = ? LIMIT 1`,
        [pushId, state],
      );
      if (rows.length > 0) return true;
    }
    return false;
  }

  /**
   * Counts by state (`pending`, `sending`, `sent`, `failed`) and by receipt (`receipt:success`,
   * `receipt:failed:user block`, `receipt:failed: system failed` — any status but the first
   * two), the states left out when none: from the push's counters, and the recipients in
   * flight (`sending`, at most a few batches, read from the state index). It grouped all the
   * push's recipients before — a million rows, at every read of a push's progress.
   */
  async counts(pushId: number): Promise<Record<string, number>> {
    const [job] = (
      await run<{
        total: number;
        sent: number;
        failed: number;
        receipts_success: number;
        receipts_blocked: number;
        receipts_failed: number;
      }>(
        this.db,
        'SELECT total, sent, failed, receipts_success, receipts_blocked, receipts_failed FROM push_jobs WHERE id = ?',
        [pushId],
      )
    ).rows;
    if (job === undefined) return {};
    const [inFlight] = (
      await run<{ n: number }>(
        this.db,
        `SELECT COUNT(*) AS n FROM push_recipients ${indexHint(this.db, 'push_recipients_state_idx')}
          WHERE push_id = ? AND state = 'sending'`,
        [pushId],
      )
    ).rows;
    const sending = Number(inFlight?.n ?? 0);
    const sent = Number(job.sent);
    const failed = Number(job.failed);
    const all: Record<string, number> = {
      pending: Math.max(0, Number(job.total) - sent - failed - sending),
      sending,
      sent,
      failed,
      'receipt:success': Number(job.receipts_success),
      'receipt:failed:user block': Number(job.receipts_blocked),
      'receipt:failed: system failed': Number(job.receipts_failed),
    };
    return Object.fromEntries(Object.entries(all).filter(([, n]) => n > 0));
  }

  /** One page of a push's recipients that did not get the message (failed sends and failed receipts). */
  async failures(
    pushId: number,
    afterSeq: number,
    limit: number,
  ): Promise<
    {
      seq: number;
      openId: string;
      state: string;
      errcode: number | null;
      errmsg: string | null;
      msgid: string | null;
      receiptStatus: string | null;
    }[]
  > {
    const rows = await this.db
      .selectFrom('push_recipients')
      .select(['seq', 'open_id', 'state', 'errcode', 'errmsg', 'msgid', 'receipt_status'])
      .where('push_id', '=', pushId)
      .where('seq', '>', afterSeq)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'failed'),
          eb.and([eb('receipt_status', 'is not', null), eb('receipt_status', '!=', 'success')]),
        ]),
      )
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      openId: row.open_id,
      state: row.state,
      errcode: row.errcode,
      errmsg: row.errmsg,
      msgid: row.msgid,
      receiptStatus: row.receipt_status,
    }));
  }

  async markNotified(pushId: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('push_jobs')
      .set({ notified_at: now })
      .where('id', '=', pushId)
      .where('notified_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

/**
 * The UPDATE recording a batch's answers: each row's state, msgid or errcode by its seq. A column
 * is a CASE over the rows whose value is not NULL only (`ELSE NULL`), and a constant when every row
 * has the same — a batch all sent is `state = 'sent'`, one CASE for the msgids and NULL errors —:
 * a third of the parameters of a CASE per row and column, which MariaDB parses and the business
 * process formats and writes for every batch.
 */
export function recordStatement(
  pushId: number,
  token: string,
  results: readonly SendResult[],
  now: number,
): [string, unknown[]] {
  const params: unknown[] = [];
  let sent = 0;
  for (const r of results) if (r.state === 'sent') sent += 1;
  const failed = results.length - sent;
  const cases = (name: string, value: (r: SendResult) => string | number | null, rows: number) => {
    if (rows === 0) return `${name} = NULL`;
    let text = `${name} = CASE seq`;
    for (const r of results) {
      const v = value(r);
      if (v === null) continue;
      text += ' WHEN ? THEN ?';
      params.push(r.seq, v);
    }
    return `${text} ELSE NULL END`;
  };
  let state = failed === 0 ? "state = 'sent'" : "state = 'failed'";
  if (sent > 0 && failed > 0) {
    state = 'state = CASE seq';
    for (const r of results) {
      if (r.state !== 'sent') continue;
      state += " WHEN ? THEN 'sent'";
      params.push(r.seq);
    }
    state += " ELSE 'failed' END";
  }
  const set = [
    state,
    cases('msgid', (r) => (r.state === 'sent' ? r.msgid : null), sent),
    cases('errcode', (r) => (r.state === 'failed' ? r.errcode : null), failed),
    cases('errmsg', (r) => (r.state === 'failed' ? r.errmsg.slice(0, 255) : null), failed),
  ].join(', ');
  params.push(now, pushId);
  for (const r of results) params.push(r.seq);
  params.push(token);
  return [
    `UPDATE push_recipients SET ${set}, sent_at = ?, claimed_by = NULL
      WHERE push_id = ? AND seq IN (${marks(results.length)}) AND claimed_by = ? AND state = 'sending'`,
    params,
  ];
}

async function recount(trx: Executor, pushId: number): Promise<void> {
  const rows = await trx
    .selectFrom('push_recipients')
    .select(['state', sql<number>`COUNT(*)`.as('n')])
    .where('push_id', '=', pushId)
    .where('state', 'in', ['sent', 'failed'])
    .groupBy('state')
    .execute();
  const of = (state: string) => Number(rows.find((row) => row.state === state)?.n ?? 0);
  await trx
    .updateTable('push_jobs')
    .set({ sent: of('sent'), failed: of('failed') })
    .where('id', '=', pushId)
    .execute();
}

function toClaimed(row: {
  seq: number;
  open_id: string;
  vars: string | null;
  first_attempt_at: number | null;
}): ClaimedRecipient {
  return {
    seq: Number(row.seq),
    openId: row.open_id,
    values: row.vars === null ? [] : (JSON.parse(row.vars) as string[]),
    firstAttemptAt: Number(row.first_attempt_at),
  };
}

function toPushJob(row: {
  id: number;
  account_id: string;
  name: string;
  template_id: string;
  fields: string;
  url: string | null;
  columns: string | null;
  state: string;
  state_reason: string | null;
  scheduled_at: number | null;
  total: number;
  sent: number;
  failed: number;
  created_at: number;
  started_at: number | null;
  progress_at: number | null;
  finished_at: number | null;
  notified_at: number | null;
}): PushJob {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(row.id),
    account: row.account_id,
    name: row.name,
    templateId: row.template_id,
    fields: JSON.parse(row.fields) as Record<string, string>,
    url: row.url,
    columns: row.columns === null ? null : (JSON.parse(row.columns) as string[]),
    state: row.state as PushState,
    stateReason: row.state_reason,
    scheduledAt: num(row.scheduled_at),
    total: Number(row.total),
    sent: Number(row.sent),
    failed: Number(row.failed),
    createdAt: Number(row.created_at),
    startedAt: num(row.started_at),
    progressAt: num(row.progress_at),
    finishedAt: num(row.finished_at),
    notifiedAt: num(row.notified_at),
  };
}
