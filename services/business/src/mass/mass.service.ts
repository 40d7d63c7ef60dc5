import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Logger } from '@mpstack/common/logging';
import { errcodeOf, type OutboundApi } from '../wechat/outbound-api.js';
import { type MassRepository, type MassSend, outcomeUnknownErrcodes } from './mass.repository.js';

/** 订阅号 (subscription) or 服务号 (service): their mass-send limits differ. */
export type AccountType = 'subscription' | 'service';

/**
 * The limits of the mass-send doc (Batch_Sends; PROTOCOL.md): a subscription account sends one
 * mass message a day; a service account's followers each receive at most 4 a month (WeChat
 * drops the extra ones for them), so a fifth send to everyone in a calendar month is refused
 * here; the API takes 60 requests a minute — the scheduler sends at most one a second.
 */
export const massLimits = { subscriptionPerDay: 1, servicePerMonthToAll: 4 } as const;

/** How `mass/sendall` is repeated when its answer is lost (see `MassService.#settle`). */
export const massRetry = {
  /** A claimed attempt is this replica's for this long (a call with the client's retries takes less). */
  leaseMs: 60_000,
  /** 45066: "相同 clientmsgid 重试速度过快，请间隔1分钟重试" — wait a minute. */
  tooFastMs: 60_000,
  /** No answer: 5 s, doubling, at most a minute. */
  unknownBaseMs: 5_000,
  unknownCapMs: 60_000,
  /**
   * WeChat de-duplicates a clientmsgid for 24 hours: past 23 h without an answer a repeat could
   * send twice, so the send is failed for the operator to check instead.
   */
  giveUpAfterMs: 23 * 3_600_000,
  gaveUp:
    'no answer from WeChat within 23 hours; not sent again (its clientmsgid stops protecting a repeat at 24 h): check the MP console',
  sentUnknownId:
    'WeChat answered 45065: sent by an earlier attempt whose answer was lost; its msg_id was not given, so MASSSENDJOBFINISH cannot be joined',
} as const;

/** The wait before the next attempt, or undefined when WeChat refused for good. */
function retryDelayOf(errcode: number | undefined, attempt: number): number | undefined {
  if (errcode === 45066) return massRetry.tooFastMs;
  if (errcode !== undefined && !(outcomeUnknownErrcodes as readonly number[]).includes(errcode)) return undefined;
  return Math.min(massRetry.unknownCapMs, massRetry.unknownBaseMs * 2 ** Math.max(0, attempt - 1));
}

export interface CreateMass {
  readonly account: string;
  readonly target: { readonly all: true } | { readonly tagId: number };
  readonly msgtype: 'text' | 'mpnews' | 'image' | 'voice' | 'mpvideo';
  /** The msgtype's body: `{ content }` for text, `{ media_id }` for the others. */
  readonly content: Readonly<Record<string, unknown>>;
  readonly scheduledAt?: number | undefined;
}

const beijingOffsetMs = 8 * 3600_000;

function beijingDayRange(at: number): [number, number] {
  const start = Math.floor((at + beijingOffsetMs) / 86_400_000) * 86_400_000 - beijingOffsetMs;
  return [start, start + 86_400_000];
}

function beijingMonthRange(at: number): [number, number] {
  const local = new Date(at + beijingOffsetMs);
  const start = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - beijingOffsetMs;
  const end = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - beijingOffsetMs;
  return [start, end];
}

export class MassService {
  constructor(
    private readonly options: {
      readonly mass: MassRepository;
      readonly api: OutboundApi;
      readonly clock: () => number;
      readonly logger: Logger;
      readonly accountType: (account: string) => AccountType;
      readonly accountExists: (account: string) => Promise<boolean>;
      /** Whether the account has the tag on WeChat (`tags/get`); unchecked without it. */
      readonly tagExists?: (account: string, tagId: number) => Promise<boolean>;
    },
  ) {}

  async create(input: CreateMass): Promise<MassSend> {
    if (!(await this.options.accountExists(input.account))) {
      throw new AppError(ErrorCode.notFound, `account "${input.account}" does not exist`);
    }
    if ('tagId' in input.target && this.options.tagExists !== undefined) {
      if (!(await this.options.tagExists(input.account, input.target.tagId))) {
        throw new AppError(
          ErrorCode.badRequest,
          `account "${input.account}" has no tag ${input.target.tagId} on WeChat (tags/get); sync the tags and pick one`,
        );
      }
    }
    const now = this.options.clock();
    const scheduledAt = Math.max(input.scheduledAt ?? now, now);
    await this.checkLimits(input.account, 'all' in input.target, scheduledAt);
    const id = await this.options.mass.create({
      account: input.account,
      target: 'all' in input.target ? 'all' : 'tag',
      tagId: 'tagId' in input.target ? input.target.tagId : null,
      msgtype: input.msgtype,
      content: { ...input.content },
      scheduledAt,
      now,
    });
    return this.require(id);
  }

  private async checkLimits(account: string, toAll: boolean, at: number): Promise<void> {
    const { mass, accountType } = this.options;
    if (accountType(account) === 'subscription') {
      const [from, to] = beijingDayRange(at);
      if ((await mass.countActive(account, undefined, from, to)) >= massLimits.subscriptionPerDay) {
        throw new AppError(
          ErrorCode.conflict,
          'a subscription account sends one mass message a day, and this day (Beijing time) has one',
        );
      }
      return;
    }
    if (!toAll) return;
    const [from, to] = beijingMonthRange(at);
    if ((await mass.countActive(account, 'all', from, to)) >= massLimits.servicePerMonthToAll) {
      throw new AppError(
        ErrorCode.conflict,
        `a service account's followers receive at most ${massLimits.servicePerMonthToAll} mass messages a month, and this month has ${massLimits.servicePerMonthToAll} to everyone`,
      );
    }
  }

  async preview(id: number, openId: string): Promise<void> {
    const send = await this.require(id);
    await this.options.api.preview(send.account, {
      touser: openId,
      msgtype: send.msgtype,
      [send.msgtype]: send.content,
    });
  }

  async cancel(id: number): Promise<MassSend> {
    const send = await this.require(id);
    if (!(await this.options.mass.transition(id, ['scheduled'], 'cancelled'))) {
      throw new AppError(ErrorCode.conflict, `mass send ${id} is ${send.state}; only a scheduled one can be cancelled`);
    }
    return this.require(id);
  }

  /**
   * `mass/delete` of a submitted or finished send (WeChat removes its articles; what followers
   * received stays in their chats), then `deleted`. A scheduled one is cancelled instead.
   */
  async delete(id: number): Promise<MassSend> {
    const send = await this.require(id);
    if (!['submitted', 'finished'].includes(send.state) || send.msgId === null) {
      throw new AppError(
        ErrorCode.conflict,
        `mass send ${id} is ${send.state}; only a submitted or finished one can be deleted (cancel a scheduled one)`,
      );
    }
    await this.options.api.deleteMass(send.account, send.msgId);
    await this.options.mass.transition(id, ['submitted', 'finished'], 'deleted');
    return this.require(id);
  }

  get(id: number): Promise<MassSend> {
    return this.require(id);
  }

  list(account: string | undefined, limit: number): Promise<MassSend[]> {
    return this.options.mass.list(account, limit);
  }

  /**
   * Sends what is due (one a call: 60 requests a minute at most). Every call of a send carries
   * its clientmsgid, WeChat's 24-hour de-duplication key, and is claimed first
   * ({@link MassRepository.claimAttempt}), so one replica makes it. A lost answer is repeated
   * with the same key only as WeChat allows (see {@link #settle}); a crash mid-call is taken
   * over once the attempt's lease ends.
   */
  async runDue(): Promise<void> {
    const now = this.options.clock();
    const [send] = await this.options.mass.due(now);
    if (send === undefined) return;
    if (send.attempts > 0 && now - send.scheduledAt > massRetry.giveUpAfterMs) {
      await this.options.mass.failed(send.id, send.errcode ?? -1, massRetry.gaveUp);
      return;
    }
    if (!(await this.options.mass.claimAttempt(send.id, now, massRetry.leaseMs))) return;
    const filter = send.target === 'all' ? { is_to_all: true } : { is_to_all: false, tag_id: send.tagId ?? 0 };
    try {
      const { msgId, msgDataId } = await this.options.api.sendAll(send.account, {
        filter,
        msgtype: send.msgtype,
        [send.msgtype]: send.content,
        clientmsgid: send.clientMsgId,
      });
      await this.options.mass.submitted(send.id, { msgId, msgDataId }, this.options.clock());
    } catch (error) {
      await this.#settle(send, send.attempts + 1, error);
    }
  }

  /**
   * What a failed `mass/sendall` means (the clientmsgid semantics of Batch_Sends, PROTOCOL.md):
   * 45065 — this clientmsgid was sent before (an earlier attempt whose answer was lost): the send
   * went out; submitted with the msg_id the answer carries, or, without one, as sent with its
   * msg_id unknown — never sent again. 45066 — the same clientmsgid again within a minute:
   * WeChat asks to wait a minute, so the next attempt is a minute later. No answer, −1 or 45011
   * after the client's own retries: WeChat may have taken it; again with the same key after
   * 5 s doubling to a minute (a repeat within the minute gets 45066, after it 45065). Any other
   * errcode is WeChat's refusal: failed.
   */
  async #settle(send: MassSend, attempt: number, error: unknown): Promise<void> {
    const { mass, clock, logger } = this.options;
    const errcode = errcodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (errcode === 45065) {
      const answer = (error as { body?: { msg_id?: unknown; msgid?: unknown } }).body;
      const known = answer?.msg_id ?? answer?.msgid;
      await mass.submitted(
        send.id,
        known === undefined || known === null
          ? { msgId: undefined, note: massRetry.sentUnknownId }
          : { msgId: String(known) },
        clock(),
      );
      return;
    }
    const wait = retryDelayOf(errcode, attempt);
    if (wait === undefined) {
      await mass.failed(send.id, errcode ?? -1, message);
      return;
    }
    logger.warn({ err: error, mass: send.id, attempt, retryInMs: wait }, 'mass send not confirmed; sent again later');
    await mass.retryAt(send.id, clock() + wait, errcode ?? null, message);
  }

  private async require(id: number): Promise<MassSend> {
    const send = await this.options.mass.get(id);
    if (send === undefined) throw new AppError(ErrorCode.notFound, `mass send ${id} does not exist`);
    return send;
  }
}
