import { type Request, type Response, Router } from 'express';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { Clock } from '../clock.js';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { beijingMonth, numericId } from '../shared/ids.js';
import type { SimAccount, SimLimits } from '../types.js';
import type { AudienceStore } from '../user/audience-store.js';
import type { MassSendRecord, MassSendResult, MassStore } from './mass-store.js';

export interface MassRouterDeps {
  readonly authorize: Authorize;
  readonly audience: AudienceStore;
  readonly mass: MassStore;
  readonly limits: () => SimLimits;
  readonly clock: Clock;
  readonly callbacks: CallbackDispatcher;
}

/** Batch_Sends doc: clientmsgid ≤ 64 bytes; a duplicate is refused for 24 h; retry ≥ 1 min apart. */
export const maxClientMsgIdBytes = 64;
export const clientMsgIdWindowMs = 86_400_000;
export const clientMsgIdRetryMs = 60_000;

/**
 * 45067 too long; within 1 min of the first use 45066 (retry too fast); within 24 h 45065
 * carrying the existing msg id ("返回数据中带有已存在的群发任务的 msgid").
 */
function checkClientMsgId(mass: MassStore, appId: string, clientmsgid: unknown, now: number): string | undefined {
  if (clientmsgid === undefined || clientmsgid === '') return undefined;
  if (typeof clientmsgid !== 'string' || Buffer.byteLength(clientmsgid) > maxClientMsgIdBytes) {
    throw new WxApiError(45067);
  }
  const key = `${appId}:${clientmsgid}`;
  const earlier = mass.clientIds.find(key, now, clientMsgIdWindowMs);
  if (earlier !== undefined && earlier.ageMs < clientMsgIdRetryMs) throw new WxApiError(45066);
  if (earlier !== undefined) {
    throw new WxApiError(45065, { msgid: earlier.value.msgId, msg_id: earlier.value.msgId });
  }
  return key;
}

/**
 * What the job-finish event reports: `TotalCount` the openids given, `FilterCount` those left
 * after filtering — unknown or unfollowed openids, and users who already received
 * `massPerUserMonthly` mass sends this (Beijing) month ("用户接收已超4条的过滤") — `ErrorCount`
 * those the send failed for (here: users who blocked the account), `SentCount` the rest.
 */
function massResult(
  { audience, mass, limits }: MassRouterDeps,
  account: SimAccount,
  touser: readonly string[],
  now: number,
): MassSendResult {
  const month = beijingMonth(now);
  const followers = touser.filter((openid) => audience.get(account.appId, openid)?.isSubscribed === true);
  const receiving = followers.filter((openid) =>
    mass.quota.take(`mass-user:${account.appId}:${openid}`, month, limits().massPerUserMonthly),
  );
  const errorCount = receiving.filter((openid) => audience.get(account.appId, openid)?.isBlocking === true).length;
  const sentCount = receiving.length - errorCount;
  return {
    status: sentCount > 0 ? 'sendsuccess' : 'sendfail',
    totalCount: touser.length,
    filterCount: receiving.length,
    sentCount,
    errorCount,
  };
}

/**
 * `POST /cgi-bin/message/mass/send` (by openid list): 2–10 000 openids, 60 requests/min (45011).
 * The result follows as a `MASSSENDJOBFINISH` push to the account's callback URL.
 */
export function createMassRouter(deps: MassRouterDeps): Router {
  const router = Router();
  router.post('/cgi-bin/message/mass/send', (req: Request, res: Response) => {
    const { authorize, mass, limits, clock, callbacks } = deps;
    const account = authorize(req);
    const body = jsonBody(req);
    const now = clock();
    const key = checkClientMsgId(mass, account.appId, body.clientmsgid, now);
    if (!mass.quota.take(`mass:${account.appId}`, Math.floor(now / 60_000), limits().massPerMinute)) {
      throw new WxApiError(45011);
    }
    const touser = body.touser;
    if (!Array.isArray(touser) || touser.length < 2 || touser.length > 10_000) throw new WxApiError(40130);
    if (typeof body.msgtype !== 'string') throw new WxApiError(40008);
    const ids = { msgId: numericId(), msgDataId: numericId() };
    const recipients = touser.map(String);
    const record: MassSendRecord = {
      ...ids,
      appId: account.appId,
      clientmsgid: typeof body.clientmsgid === 'string' ? body.clientmsgid : undefined,
      msgtype: body.msgtype,
      touser: recipients,
      at: now,
      result: massResult(deps, account, recipients, now),
      callback: 'pending',
      callbackStatuses: [],
    };
    mass.add(record);
    if (key !== undefined) mass.clientIds.remember(key, ids, now);
    sendOk(res, { msg_id: ids.msgId, msg_data_id: ids.msgDataId }, 'send job submission success');
    callbacks.massFinished(account, record);
  });
  return router;
}
