import type { Database, Db, MassSendsTable } from '@mpstack/common/db';
import type { ExpressionBuilder, Selectable } from 'kysely';
import { joinMassReceipt } from '../receipts/receipt.repository.js';

/**
 * The errcodes after which a `mass/sendall` attempt's outcome is unknown (no answer is stored
 * as −1): it is tried again with the same clientmsgid, and a send failed with one of them —
 * given up after 23 hours — may have gone out. Any other errcode is WeChat's refusal.
 */
export const outcomeUnknownErrcodes = [-1, 45011, 45066] as const;

export type MassState = 'scheduled' | 'sending' | 'submitted' | 'finished' | 'failed' | 'cancelled' | 'deleted';

export interface MassSend {
  readonly id: number;
  readonly account: string;
  readonly target: 'all' | 'tag';
  readonly tagId: number | null;
  readonly msgtype: string;
  readonly content: Readonly<Record<string, unknown>>;
  readonly state: MassState;
  readonly scheduledAt: number;
  readonly clientMsgId: string;
  readonly msgId: string | null;
  readonly msgDataId: string | null;
  readonly errcode: number | null;
  readonly errmsg: string | null;
  readonly finishStatus: string | null;
  readonly counts: { total: number; filter: number; sent: number; error: number } | null;
  readonly createdAt: number;
  readonly submittedAt: number | null;
  readonly finishedAt: number | null;
  /** `mass/sendall` calls made so far. */
  readonly attempts: number;
  /** While `sending`: the next call is not made before this. */
  readonly nextAttemptAt: number | null;
}

/** `mass_sends`. */
export class MassRepository {
  constructor(private readonly db: Db) {}

  async create(mass: {
    account: string;
    target: 'all' | 'tag';
    tagId: number | null;
    msgtype: string;
    content: Record<string, unknown>;
    scheduledAt: number;
    now: number;
  }): Promise<number> {
    // One transaction: the scheduler must never see the row before its clientmsgid is set (it
    // would send under the placeholder, then again under m<id> — two sends to everyone).
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('mass_sends')
        .values({
          account_id: mass.account,
          target: mass.target,
          tag_id: mass.tagId,
          msgtype: mass.msgtype,
          content: JSON.stringify(mass.content),
          state: 'scheduled',
          scheduled_at: mass.scheduledAt,
          // Filled with the id below: WeChat's 24-hour de-duplication key of this send.
          client_msg_id: 'pending',
          created_at: mass.now,
        })
        .executeTakeFirstOrThrow();
      const id = Number(result.insertId);
      await trx
        .updateTable('mass_sends')
        .set({ client_msg_id: `m${id}` })
        .where('id', '=', id)
        .execute();
      return id;
    });
  }

  async get(id: number): Promise<MassSend | undefined> {
    const row = await this.db.selectFrom('mass_sends').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toMass(row);
  }

  async list(account: string | undefined, limit: number): Promise<MassSend[]> {
    let query = this.db.selectFrom('mass_sends').selectAll().orderBy('id', 'desc').limit(limit);
    if (account !== undefined) query = query.where('account_id', '=', account);
    return (await query.execute()).map(toMass);
  }

  /**
   * Mass sends of an account scheduled in [from, to) that count against its limits: all but the
   * cancelled and those WeChat refused. A send failed because no answer came within 23 hours
   * (its last errcode one of {@link outcomeUnknownErrcodes}) may have gone out, so it still counts.
   */
  async countActive(account: string, target: 'all' | undefined, from: number, to: number): Promise<number> {
    let query = this.db
      .selectFrom('mass_sends')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', account)
      .where((eb) =>
        eb.or([
          eb('state', 'not in', ['cancelled', 'failed']),
          eb.and([eb('state', '=', 'failed'), eb('errcode', 'in', [...outcomeUnknownErrcodes])]),
        ]),
      )
      .where('scheduled_at', '>=', from)
      .where('scheduled_at', '<', to);
    if (target !== undefined) query = query.where('target', '=', target);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async transition(id: number, from: readonly MassState[], to: MassState): Promise<boolean> {
    const result = await this.db
      .updateTable('mass_sends')
      .set({ state: to })
      .where('id', '=', id)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Due scheduled sends, and sends left `sending` whose next attempt is due: a lost answer
   * after its back-off, or a crash mid-call once its attempt's lease ended.
   */
  async due(now: number): Promise<MassSend[]> {
    const rows = await this.db
      .selectFrom('mass_sends')
      .selectAll()
      .where(attemptDue(now))
      .where('scheduled_at', '<=', now)
      .orderBy('id')
      .limit(10)
      .execute();
    return rows.map(toMass);
  }

  /**
   * Takes the next `mass/sendall` attempt of a due send for this replica: `scheduled` or a
   * `sending` one whose next attempt is due becomes `sending`, counted, and not due again
   * before `now + leaseMs` (another replica then takes a crashed attempt over). False when
   * another replica took it first.
   */
  async claimAttempt(id: number, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('mass_sends')
      .set((eb) => ({ state: 'sending', attempts: eb('attempts', '+', 1), next_attempt_at: now + leaseMs }))
      .where('id', '=', id)
      .where(attemptDue(now))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The attempt's answer is unknown or WeChat asked to wait: not called again before `at`, with why. */
  async retryAt(id: number, at: number, errcode: number | null, reason: string): Promise<void> {
    await this.db
      .updateTable('mass_sends')
      .set({ next_attempt_at: at, errcode, errmsg: reason.slice(0, 255) })
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .execute();
  }

  /**
   * Records WeChat's msg_id, then joins the `MASSSENDJOBFINISH` if it came first. `note` says
   * why the outcome is less than certain (45065 without a msg_id); the errcode of a retried
   * attempt is cleared otherwise.
   */
  async submitted(
    id: number,
    accepted: { readonly msgId: string | undefined; readonly msgDataId?: string | undefined; readonly note?: string },
    now: number,
  ): Promise<void> {
    const { msgId, msgDataId, note } = accepted;
    await this.db
      .updateTable('mass_sends')
      .set({
        state: 'submitted',
        msg_id: msgId ?? null,
        msg_data_id: msgDataId ?? null,
        submitted_at: now,
        next_attempt_at: null,
        errcode: note === undefined ? null : 45065,
        errmsg: note?.slice(0, 255) ?? null,
      })
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .execute();
    if (msgId === undefined) return;
    const send = await this.db.selectFrom('mass_sends').select('account_id').where('id', '=', id).executeTakeFirst();
    if (send !== undefined) await joinMassReceipt(this.db, send.account_id, msgId);
  }

  async failed(id: number, errcode: number, errmsg: string): Promise<void> {
    await this.db
      .updateTable('mass_sends')
      .set({ state: 'failed', errcode, errmsg: errmsg.slice(0, 255), next_attempt_at: null })
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .execute();
  }
}

function toMass(row: Selectable<MassSendsTable>): MassSend {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(row.id),
    account: row.account_id,
    target: row.target as 'all' | 'tag',
    tagId: num(row.tag_id),
    msgtype: row.msgtype,
    content: JSON.parse(row.content) as Record<string, unknown>,
    state: row.state as MassState,
    scheduledAt: Number(row.scheduled_at),
    clientMsgId: row.client_msg_id,
    msgId: row.msg_id,
    msgDataId: row.msg_data_id,
    errcode: row.errcode,
    errmsg: row.errmsg,
    finishStatus: row.finish_status,
    counts:
      row.total_count === null
        ? null
        : {
            total: Number(row.total_count),
            filter: Number(row.filter_count ?? 0),
            sent: Number(row.sent_count ?? 0),
            error: Number(row.error_count ?? 0),
          },
    createdAt: Number(row.created_at),
    submittedAt: num(row.submitted_at),
    finishedAt: num(row.finished_at),
    attempts: Number(row.attempts),
    nextAttemptAt: num(row.next_attempt_at),
  };
}

/** A send whose `mass/sendall` attempt is due at `now`: scheduled, or `sending` with its next attempt due. */
function attemptDue(now: number) {
  return (eb: ExpressionBuilder<Database, 'mass_sends'>) =>
    eb.or([
      eb('state', '=', 'scheduled'),
      eb.and([
        eb('state', '=', 'sending'),
        eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]),
      ]),
    ]);
}
