import { type Request, type Response, Router } from 'express';
import type { ChatEntry, ChatStore } from '../chat/chat-store.js';
import type { Clock } from '../clock.js';
import { jsonBody, queryParam, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { KfAccount, KfAccountStore } from '../kf-account/kf-account-store.js';
import type { SimAccount } from '../types.js';
import type { AudienceStore } from '../user/audience-store.js';
import type { KfSessionStore } from './kf-session-store.js';

export interface KfSessionRouterDeps {
  readonly authorize: Authorize;
  readonly kfAccounts: KfAccountStore;
  readonly sessions: KfSessionStore;
  readonly audience: AudienceStore;
  readonly chats: ChatStore;
  readonly clock: Clock;
}

/** getwaitcase lists at most 100 waiting followers, oldest first; `count` is all of them. */
const maxWaitCases = 100;
/** getmsglist: at most 10,000 records a call, over at most 24 h (api.json kfGetMsgList). */
const maxRecords = 10_000;
const maxRecordSpanSeconds = 24 * 3600;
/** opercode of a message the kf account sent, and of one it received from the follower. */
const opercodeSent = 2002;
const opercodeReceived = 2003;

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Ends the open sessions that can no longer go on: the kf account was deleted, the follower
 * unfollowed (now) or let the 48 h window of their last message lapse (when it did). Every
 * reader calls it first, so a session lasts exactly as long as WeChat would let the kf reply.
 */
export function endLapsedSessions(
  deps: Pick<KfSessionRouterDeps, 'kfAccounts' | 'sessions' | 'audience' | 'clock'>,
  appId: string,
): void {
  const now = deps.clock();
  for (const session of deps.sessions.list(appId)) {
    const user = deps.audience.get(appId, session.openid);
    const windowEnd = user?.windows.message?.expiresAt ?? now;
    if (deps.kfAccounts.get(appId, session.kfAccount) === undefined || user?.isSubscribed !== true) {
      deps.sessions.end(appId, session.openid, now);
    } else if (windowEnd <= now) {
      deps.sessions.end(appId, session.openid, Math.max(windowEnd, session.createdAt));
    }
  }
}

/** The text getmsglist shows: a text's content, any other message as its `[type]` placeholder. */
function recordText(entry: ChatEntry): string | undefined {
  if (entry.from === 'user') return entry.kind === 'text' ? entry.text : undefined;
  if (entry.from !== 'account' || entry.via !== 'kefu') return undefined;
  const content = (entry.body.text as { content?: unknown } | undefined)?.content;
  return entry.msgtype === 'text' && typeof content === 'string' ? content : `[${entry.msgtype}]`;
}

/** A getmsglist body field that must be a whole number of at least `min`, else 65416. */
function wholeNumber(value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new WxApiError(65416);
  return value;
}

/**
 * Multi-customer-service (多客服) sessions, as api.json's kfSession* and kfGetMsgList entries
 * describe them: a follower is in at most one session, with a bound (65402), online (65415) kf
 * account; a session needs the follower's open 48 h message window — the simulator answers
 * 45015 without one, as custom/send does, the reference naming no code of its own. Closing
 * checks the session (65413 none, 65414 another kf account's). A follower waits (getwaitcase)
 * from a message sent outside any session until a session starts, within the 48 h window.
 * getmsglist reads the chat store: what followers sent during a session and the kefu messages
 * sent as or during a session, paged by the store's sequence number as `msgid`.
 */
export function createKfSessionRouter(deps: KfSessionRouterDeps): Router {
  const { authorize, kfAccounts, sessions, audience, clock } = deps;
  const router = Router();
  const kfOf = (account: SimAccount, kfAccount: unknown): KfAccount => {
    const record = typeof kfAccount === 'string' ? kfAccounts.get(account.appId, kfAccount) : undefined;
    if (record === undefined) throw new WxApiError(65401);
    return record;
  };
  const followerOf = (account: SimAccount, openid: unknown): string => {
    if (typeof openid !== 'string' || audience.get(account.appId, openid) === undefined) throw new WxApiError(40003);
    return openid;
  };

  router.post('/customservice/kfsession/create', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const kf = kfOf(account, body.kf_account);
    const openid = followerOf(account, body.openid);
    if (kf.kf_wx === undefined) throw new WxApiError(65402);
    if (!kfAccounts.isOnline(account.appId, kf.kf_account)) throw new WxApiError(65415);
    endLapsedSessions(deps, account.appId);
    if (!audience.hasMessageWindow(account.appId, openid)) throw new WxApiError(45015);
    // The session-control doc: a follower already in a session keeps it, and the call succeeds.
    if (sessions.of(account.appId, openid) === undefined) {
      sessions.start(account.appId, openid, kf.kf_account, clock());
    }
    sendOk(res);
  });

  router.post('/customservice/kfsession/close', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const openid = followerOf(account, body.openid);
    const kf = kfOf(account, body.kf_account);
    endLapsedSessions(deps, account.appId);
    const session = sessions.of(account.appId, openid);
    if (session === undefined) throw new WxApiError(65413);
    if (session.kfAccount !== kf.kf_account) throw new WxApiError(65414);
    sessions.end(account.appId, openid, clock());
    sendOk(res);
  });

  router.get('/customservice/kfsession/getsession', (req: Request, res: Response) => {
    const account = authorize(req);
    const openid = followerOf(account, queryParam(req, 'openid'));
    endLapsedSessions(deps, account.appId);
    const session = sessions.of(account.appId, openid);
    res.json({
      createtime: session === undefined ? 0 : seconds(session.createdAt),
      kf_account: session?.kfAccount ?? '',
    });
  });

  router.get('/customservice/kfsession/getsessionlist', (req: Request, res: Response) => {
    const account = authorize(req);
    const kf = kfOf(account, queryParam(req, 'kf_account'));
    if (kf.kf_wx === undefined) throw new WxApiError(65402);
    endLapsedSessions(deps, account.appId);
    res.json({
      sessionlist: sessions
        .list(account.appId)
        .filter((session) => session.kfAccount === kf.kf_account)
        .map((session) => ({ createtime: seconds(session.createdAt), openid: session.openid })),
    });
  });

  router.get('/customservice/kfsession/getwaitcase', (req: Request, res: Response) => {
    const account = authorize(req);
    endLapsedSessions(deps, account.appId);
    const waiting = audience
      .list(account.appId)
      .filter((user) => {
        const { openid, lastMessageAt } = user;
        if (lastMessageAt === undefined || !audience.hasMessageWindow(account.appId, openid)) return false;
        if (sessions.of(account.appId, openid) !== undefined) return false;
        const endedAt = sessions.endedAt(account.appId, openid);
        return endedAt === undefined || lastMessageAt > endedAt;
      })
      .map((user) => ({ latest_time: seconds(user.lastMessageAt ?? 0), openid: user.openid }))
      .sort((a, b) => a.latest_time - b.latest_time);
    res.json({ count: waiting.length, waitcaselist: waiting.slice(0, maxWaitCases) });
  });

  router.post('/customservice/msgrecord/getmsglist', (req: Request, res: Response) => {
    const account = authorize(req);
    const query = recordQueryOf(jsonBody(req));
    endLapsedSessions(deps, account.appId);
    res.json(messageRecords(deps, account.appId, query));
  });
  return router;
}

interface RecordQuery {
  readonly starttime: number;
  readonly endtime: number;
  readonly msgid: number;
  readonly number: number;
}

/**
 * getmsglist's body: 65416 for a malformed field (missing, not a whole number, starttime after
 * endtime, number outside 1–10,000, msgid below 1), 65417 for more than 24 h between the times.
 */
function recordQueryOf(body: Record<string, unknown>): RecordQuery {
  const query = {
    starttime: wholeNumber(body.starttime, 0),
    endtime: wholeNumber(body.endtime, 0),
    msgid: wholeNumber(body.msgid, 1),
    number: wholeNumber(body.number, 1),
  };
  if (query.starttime > query.endtime || query.number > maxRecords) throw new WxApiError(65416);
  if (query.endtime - query.starttime > maxRecordSpanSeconds) throw new WxApiError(65417);
  return query;
}

/** The kf account a chat entry was exchanged with: the one a kefu send names, else the session's. */
function workerOf(sessions: KfSessionStore, appId: string, openid: string, entry: ChatEntry): string | undefined {
  const named =
    entry.from === 'account' && entry.via === 'kefu'
      ? (entry.body.customservice as { kf_account?: unknown } | undefined)?.kf_account
      : undefined;
  return typeof named === 'string' ? named : sessions.workerAt(appId, openid, entry.at);
}

/** One page of getmsglist: the records from `msgid` on, in the time range; the next page starts after the last. */
function messageRecords(
  { chats, sessions }: Pick<KfSessionRouterDeps, 'chats' | 'sessions'>,
  appId: string,
  { starttime, endtime, msgid, number }: RecordQuery,
): Record<string, unknown> {
  const recordlist: Record<string, unknown>[] = [];
  let lastSeq: number | undefined;
  for (const { openid, entry } of chats.entriesOf(appId)) {
    if (recordlist.length >= number) break;
    const time = seconds(entry.at);
    if (entry.seq < msgid || time < starttime || time > endtime) continue;
    const text = recordText(entry);
    const worker = text === undefined ? undefined : workerOf(sessions, appId, openid, entry);
    if (worker === undefined) continue;
    recordlist.push({ openid, opercode: entry.from === 'user' ? opercodeReceived : opercodeSent, text, time, worker });
    lastSeq = entry.seq;
  }
  return { recordlist, number: recordlist.length, msgid: lastSeq === undefined ? msgid : lastSeq + 1 };
}
