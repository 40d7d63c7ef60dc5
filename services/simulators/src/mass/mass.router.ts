import { type Request, type Response, Router } from 'express';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { Clock } from '../clock.js';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { requireMedia } from '../media/media-check.js';
import type { MediaStore } from '../media/media-store.js';
import { beijingDay, beijingMonth, numericId } from '../shared/ids.js';
import type { TagStore } from '../tags/tag-store.js';
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
  readonly tags: TagStore;
  /** Temporary media: an image or voice names a file uploaded to the account (else 40007). */
  readonly media: MediaStore;
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
    status: sentCount > 0 ? 'send success' : 'send fail',
    totalCount: touser.length,
    filterCount: receiving.length,
    sentCount,
    errorCount,
  };
}

/** Mass-send message types (massSendAll notes); product and card sends are gone (45113). */
const massMsgtypes: ReadonlySet<string> = new Set(['mpnews', 'text', 'voice', 'image', 'mpvideo']);
/** Previews a day (PROTOCOL.md, Mass send: "preview ~100/day"; 45009 beyond). */
export const previewDailyLimit = 100;

function checkMsgtype(msgtype: unknown): string {
  if (msgtype === 'wxcard') throw new WxApiError(45113);
  if (typeof msgtype !== 'string' || !massMsgtypes.has(msgtype)) throw new WxApiError(40008);
  return msgtype;
}

/**
 * Accepts a mass send: the clientmsgid (45065–45067), 60 requests a minute (45011), the message
 * type (40008 / 45113), then the audience; the result follows as `MASSSENDJOBFINISH`.
 */
function submit(
  deps: MassRouterDeps,
  req: Request,
  res: Response,
  audienceOf: (account: SimAccount, body: Record<string, unknown>) => Pick<MassSendRecord, 'touser' | 'audience'>,
): void {
  const { authorize, mass, limits, clock, callbacks } = deps;
  const account = authorize(req);
  const body = jsonBody(req);
  const now = clock();
  const key = checkClientMsgId(mass, account.appId, body.clientmsgid, now);
  if (!mass.quota.take(`mass:${account.appId}`, Math.floor(now / 60_000), limits().massPerMinute)) {
    throw new WxApiError(45011);
  }
  const { touser, audience } = audienceOf(account, body);
  const msgtype = checkMsgtype(body.msgtype);
  requireMedia(deps.media, account.appId, msgtype, body);
  const ids = { msgId: numericId(), msgDataId: numericId() };
  const record: MassSendRecord = {
    ...ids,
    appId: account.appId,
    clientmsgid: typeof body.clientmsgid === 'string' ? body.clientmsgid : undefined,
    msgtype,
    touser,
    audience,
    at: now,
    result: massResult(deps, account, touser, now),
    callback: 'pending',
    callbackStatuses: [],
    isDeleted: false,
  };
  mass.add(record);
  if (key !== undefined) mass.clientIds.remember(key, ids, now, clientMsgIdWindowMs);
  // msg_data_id only for articles (massSendAll notes).
  const dataId = msgtype === 'mpnews' ? { msg_data_id: ids.msgDataId } : {};
  sendOk(res, { msg_id: ids.msgId, ...dataId }, 'send job submission success');
  callbacks.massFinished(account, record);
}

/**
 * sendall's audience: `filter.is_to_all` true → every follower; false → the followers carrying
 * `filter.tag_id` (40152 for a tag the account does not have).
 */
function sendallAudience(deps: MassRouterDeps, account: SimAccount, body: Record<string, unknown>) {
  const filter = body.filter as { is_to_all?: unknown; tag_id?: unknown } | undefined;
  if (filter === null || typeof filter !== 'object') throw new WxApiError(47001);
  if (filter.is_to_all === true) {
    return { touser: deps.audience.followers(account.appId), audience: 'all' as const };
  }
  const tag = deps.tags.get(account.appId, filter.tag_id);
  if (tag === undefined) throw new WxApiError(40152);
  const members = deps.tags
    .members(account.appId, tag.id)
    .filter((openid) => deps.audience.get(account.appId, openid)?.isSubscribed === true);
  return { touser: members, audience: { tagId: tag.id } };
}

/** The mass send a `msg_id` names (number or numeric string): 40059 when missing or unknown. */
function sendOf(deps: MassRouterDeps, account: SimAccount, msgId: unknown): MassSendRecord {
  const id = typeof msgId === 'number' ? msgId : typeof msgId === 'string' && /^\d+$/.test(msgId) ? Number(msgId) : NaN;
  const record = Number.isFinite(id) ? deps.mass.find(account.appId, id) : undefined;
  if (record === undefined) throw new WxApiError(40059);
  return record;
}

/** mass/preview, mass/get and mass/delete. */
function addFollowUpRoutes(router: Router, deps: MassRouterDeps): void {
  const { authorize, audience, mass, clock } = deps;
  // One user by openid (40003 unknown, 43004 not following) or WeChat id; 100 a day (45009).
  router.post('/cgi-bin/message/mass/preview', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const { touser, towxname } = body;
    if (typeof towxname !== 'string' || towxname === '') {
      const user = typeof touser === 'string' ? audience.get(account.appId, touser) : undefined;
      if (user === undefined) throw new WxApiError(40003);
      if (!user.isSubscribed) throw new WxApiError(43004);
    }
    if (body.msgtype !== 'image' && body.msgtype !== 'music') checkMsgtype(body.msgtype);
    requireMedia(deps.media, account.appId, String(body.msgtype), body);
    if (!mass.quota.take(`mass-preview:${account.appId}`, beijingDay(clock()), previewDailyLimit)) {
      throw new WxApiError(45009);
    }
    sendOk(res);
  });

  router.post('/cgi-bin/message/mass/get', (req: Request, res: Response) => {
    const account = authorize(req);
    const record = sendOf(deps, account, jsonBody(req).msg_id);
    const status = record.isDeleted ? 'DELETE' : record.result.status === 'send success' ? 'SEND_SUCCESS' : 'SEND_FAIL';
    res.json({ msg_id: record.msgId, msg_status: status });
  });

  // article_idx is 1-based, 0 / omitted = the whole send; a single article of a non-article send is 40060.
  router.post('/cgi-bin/message/mass/delete', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const record = sendOf(deps, account, body.msg_id);
    const index = body.article_idx ?? 0;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw new WxApiError(40060);
    if (index > 0 && record.msgtype !== 'mpnews') throw new WxApiError(40060);
    if (index === 0) record.isDeleted = true;
    sendOk(res);
  });
}

/**
 * Mass-send speed levels (api_setspeed): level → 万 (10,000) recipients a minute; a larger level is
 * slower. WeChat does not document an account's level before any set; the fastest stands in.
 */
const massSpeeds: readonly number[] = [80, 60, 45, 30, 10];
const defaultMassSpeed = 0;

/** `speed/get` (`{ speed, realspeed }`, no body needed) and `speed/set` (45084 missing, 45083 not 0–4). */
function addSpeedRoutes(router: Router, { authorize, mass }: MassRouterDeps): void {
  router.post('/cgi-bin/message/mass/speed/get', (req: Request, res: Response) => {
    const account = authorize(req);
    const speed = mass.speeds.get(account.appId) ?? defaultMassSpeed;
    res.json({ speed, realspeed: massSpeeds[speed] });
  });

  router.post('/cgi-bin/message/mass/speed/set', (req: Request, res: Response) => {
    const account = authorize(req);
    const { speed } = jsonBody(req);
    if (speed === undefined || speed === null) throw new WxApiError(45084);
    if (typeof speed !== 'number' || !Number.isInteger(speed) || massSpeeds[speed] === undefined) {
      throw new WxApiError(45083);
    }
    mass.speeds.set(account.appId, speed);
    // The doc's success sample has an empty errmsg.
    sendOk(res, {}, '');
  });
}

/**
 * Mass messages: `mass/send` (2–10 000 openids, 40130), `mass/sendall` (everyone or a tag),
 * `mass/preview`, `mass/get`, `mass/delete`, `mass/speed/get` / `set`.
 */
export function createMassRouter(deps: MassRouterDeps): Router {
  const router = Router();
  router.post('/cgi-bin/message/mass/send', (req: Request, res: Response) => {
    submit(deps, req, res, (_account, body) => {
      const touser = body.touser;
      if (!Array.isArray(touser) || touser.length < 2 || touser.length > 10_000) throw new WxApiError(40130);
      return { touser: touser.map(String), audience: 'openids' };
    });
  });
  router.post('/cgi-bin/message/mass/sendall', (req: Request, res: Response) => {
    submit(deps, req, res, (account, body) => sendallAudience(deps, account, body));
  });
  addFollowUpRoutes(router, deps);
  addSpeedRoutes(router, deps);
  return router;
}
