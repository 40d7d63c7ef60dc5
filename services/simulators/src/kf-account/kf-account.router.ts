import { randomBytes } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import { jsonBody, queryParam, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { SimAccount, SimLimits } from '../types.js';
import type { KfAccountStore } from './kf-account-store.js';

export interface KfAccountRouterDeps {
  readonly authorize: Authorize;
  readonly kfAccounts: KfAccountStore;
  readonly limits: () => SimLimits;
  readonly clock: Clock;
  /** The sessions a kf account is serving now (getonlinekflist `accepted_case`). */
  readonly acceptedCases: (appId: string, kfAccount: string) => number;
}

/**
 * `kf_account` = a prefix of at most 10 letters, digits or `_`, `@`, the official account's
 * WeChat id (api.json kfAccountAdd notes). The simulator has no WeChat id per account, so any
 * non-empty suffix without blanks is taken.
 */
const kfAccountPattern = /^[A-Za-z0-9_]{1,10}@\S+$/;
/** Nicknames: 1–16 characters (current doc; older docs counted 6 汉字 / 12 letters). */
const maxNicknameLength = 16;

function nicknameOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || [...value].length > maxNicknameLength) {
    throw new WxApiError(65403);
  }
  return value;
}

function kfAccountOf(value: unknown): string {
  if (typeof value !== 'string' || !kfAccountPattern.test(value)) throw new WxApiError(65404);
  return value;
}

/**
 * A WeChat ID (微信号) as WeChat lets a user choose one: 6–20 letters, digits, `_` or `-`,
 * starting with a letter. Anything else is refused with 65409.
 */
const wechatIdPattern = /^[A-Za-z][A-Za-z0-9_-]{5,19}$/;

/**
 * Multipart bodies are read (as text, like every `/customservice` body here) only as far as
 * the simulator needs: is there a part named `media`?
 */
function hasMediaPart(req: Request): boolean {
  const type = req.headers['content-type'] ?? '';
  const raw: unknown = req.body;
  const body = Buffer.isBuffer(raw) ? raw.toString('latin1') : typeof raw === 'string' ? raw : '';
  return /^multipart\/form-data;\s*boundary=/i.test(type) && /Content-Disposition:[^\r\n]*name="media"/i.test(body);
}

/**
 * Customer-service accounts: `/customservice/kfaccount/add|update|del|uploadheadimg` (no
 * `/cgi-bin` prefix) and `/cgi-bin/customservice/getkflist`. Errors as the current doc lists
 * them: 65401 unknown account, 65403 bad nickname, 65404 malformed account, 65405 too many,
 * 65406 exists; 41005 an avatar upload without its `media` part. `kfaccount/inviteworker`
 * invites a WeChat user to bind an account; the simulator has no WeChat user to answer, so
 * `/_sim/accounts/:account/kf-accounts/:kf_account` accepts or rejects for them.
 */
export function createKfAccountRouter({
  authorize,
  kfAccounts,
  limits,
  clock,
  acceptedCases,
}: KfAccountRouterDeps): Router {
  const router = Router();
  const existing = (account: SimAccount, kfAccount: unknown) => {
    const record = typeof kfAccount === 'string' ? kfAccounts.get(account.appId, kfAccount) : undefined;
    if (record === undefined) throw new WxApiError(65401);
    return record;
  };

  router.post('/customservice/kfaccount/add', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const kfAccount = kfAccountOf(body.kf_account);
    const nickname = nicknameOf(body.nickname);
    if (kfAccounts.get(account.appId, kfAccount) !== undefined) throw new WxApiError(65406);
    if (kfAccounts.list(account.appId).length >= limits().kfAccounts) throw new WxApiError(65405);
    kfAccounts.add(account.appId, kfAccount, nickname);
    sendOk(res);
  });

  router.post('/customservice/kfaccount/update', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const record = existing(account, body.kf_account);
    record.kf_nick = nicknameOf(body.nickname);
    sendOk(res);
  });

  // The current doc POSTs {kf_account}; older SDKs send a GET with `kf_account` in the query.
  const remove = (req: Request, res: Response) => {
    const account = authorize(req);
    const kfAccount = req.method === 'GET' ? queryParam(req, 'kf_account') : jsonBody(req).kf_account;
    kfAccounts.delete(account.appId, existing(account, kfAccount).kf_account);
    sendOk(res);
  };
  router.post('/customservice/kfaccount/del', remove);
  router.get('/customservice/kfaccount/del', remove);

  router.post('/customservice/kfaccount/uploadheadimg', (req: Request, res: Response) => {
    const account = authorize(req);
    const record = existing(account, queryParam(req, 'kf_account'));
    if (!hasMediaPart(req)) throw new WxApiError(41005);
    record.kf_headimg = `http://mmbiz.qpic.cn/mmbiz_jpg/${randomBytes(12).toString('hex')}/300?wx_fmt=jpeg`;
    sendOk(res);
  });

  // Checks as kfAccountInviteWorker lists them: 65409 not a WeChat ID, 65412 the account is
  // bound already, 65407 the user is bound to another kf account of this official account,
  // 65408 this user's invitation still waits, 65411 another user's invitation still waits. A
  // rejected or expired invitation can be replaced.
  router.post('/customservice/kfaccount/inviteworker', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const record = existing(account, body.kf_account);
    const inviteWx = body.invite_wx;
    if (typeof inviteWx !== 'string' || !wechatIdPattern.test(inviteWx)) throw new WxApiError(65409);
    if (record.kf_wx !== undefined) throw new WxApiError(65412);
    if (kfAccounts.list(account.appId).some((kf) => kf.kf_wx === inviteWx)) throw new WxApiError(65407);
    kfAccounts.expireInvites(account.appId, clock());
    if (record.invite_status === 'waiting') throw new WxApiError(record.invite_wx === inviteWx ? 65408 : 65411);
    kfAccounts.invite(record, inviteWx, clock());
    sendOk(res);
  });

  router.get('/cgi-bin/customservice/getkflist', (req: Request, res: Response) => {
    const account = authorize(req);
    kfAccounts.expireInvites(account.appId, clock());
    res.json({ kf_list: kfAccounts.list(account.appId) });
  });

  // The simulator has no agent client: an account counts as online on the web (status 1) from
  // when it is added until `/_sim` takes it offline; accepted_case counts its open sessions.
  router.get('/cgi-bin/customservice/getonlinekflist', (req: Request, res: Response) => {
    const account = authorize(req);
    res.json({
      kf_online_list: kfAccounts
        .list(account.appId)
        .filter((kf) => kfAccounts.isOnline(account.appId, kf.kf_account))
        .map((kf) => ({
          kf_account: kf.kf_account,
          status: 1,
          kf_id: kf.kf_id,
          accepted_case: acceptedCases(account.appId, kf.kf_account),
        })),
    });
  });
  return router;
}
