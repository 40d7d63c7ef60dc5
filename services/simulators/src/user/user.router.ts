import { type Request, type Response, Router } from 'express';
import { jsonBody, queryParam, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { TagStore } from '../tags/tag-store.js';
import type { SimLimits } from '../types.js';
import type { AudienceStore, UserRecord } from './audience-store.js';

export interface UserRouterDeps {
  readonly authorize: Authorize;
  readonly audience: AudienceStore;
  readonly limits: () => SimLimits;
  readonly tags: TagStore;
}

/** user/info/batchget takes at most 100 users (40032, batchGetUserInfo notes). */
export const maxBatchGetUsers = 100;

/**
 * A remark must be shorter than 30 UTF-8 bytes (updateUserRemark notes: the current page says
 * bytes, older copies 30 characters; the stricter reading is the one a client can rely on).
 */
export const maxRemarkBytes = 29;

/** One user as user/info (and each item of batchget) shows them. */
function userInfo(user: UserRecord, tagIds: readonly number[]): Record<string, unknown> {
  const unionid = user.unionid === undefined ? {} : { unionid: user.unionid };
  if (!user.isSubscribed) return { subscribe: 0, openid: user.openid, ...unionid };
  return {
    subscribe: 1,
    openid: user.openid,
    language: 'zh_CN',
    subscribe_time: user.subscribedAt,
    ...unionid,
    remark: user.remark,
    groupid: 0,
    tagid_list: tagIds,
    // A follow through a parametric QR code reports it; every other follow is "others" here.
    subscribe_scene: user.qrScene === undefined ? 'ADD_SCENE_OTHERS' : 'ADD_SCENE_QR_CODE',
    qr_scene: user.qrScene !== undefined && 'id' in user.qrScene ? user.qrScene.id : 0,
    qr_scene_str: user.qrScene !== undefined && 'str' in user.qrScene ? user.qrScene.str : '',
  };
}

/**
 * `/cgi-bin/user/info`, `/cgi-bin/user/info/batchget`, `/cgi-bin/user/info/updateremark` and `/cgi-bin/user/get`. user/info follows the post-2021 shape: no
 * nickname/headimgurl/sex/region (api.json getUserInfo notes); unfollowed users get only
 * `subscribe: 0`, `openid` and `unionid`.
 */
export function createUserRouter({ authorize, audience, limits, tags }: UserRouterDeps): Router {
  const router = Router();

  router.get('/cgi-bin/user/info', (req: Request, res: Response) => {
    const account = authorize(req);
    const user = audience.get(account.appId, queryParam(req, 'openid') ?? '');
    if (user === undefined) throw new WxApiError(40003);
    res.json(userInfo(user, tags.tagsOf(account.appId, user.openid)));
  });

  // 1–100 users (40032); any unknown openid fails the call (40003).
  router.post('/cgi-bin/user/info/batchget', (req: Request, res: Response) => {
    const account = authorize(req);
    const list = jsonBody(req).user_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > maxBatchGetUsers) throw new WxApiError(40032);
    const users = list.map((item: unknown) => {
      const openid = (item as { openid?: unknown } | null)?.openid;
      const user = typeof openid === 'string' ? audience.get(account.appId, openid) : undefined;
      if (user === undefined) throw new WxApiError(40003);
      return userInfo(user, tags.tagsOf(account.appId, user.openid));
    });
    res.json({ user_info_list: users });
  });

  // A follower's remark (40092 not a string or too long; 40003 unknown user; 43004 not following).
  router.post('/cgi-bin/user/info/updateremark', (req: Request, res: Response) => {
    const account = authorize(req);
    const { openid, remark } = jsonBody(req);
    const user = typeof openid === 'string' ? audience.get(account.appId, openid) : undefined;
    if (user === undefined) throw new WxApiError(40003);
    if (typeof remark !== 'string' || Buffer.byteLength(remark) > maxRemarkBytes) throw new WxApiError(40092);
    if (!user.isSubscribed) throw new WxApiError(43004);
    user.remark = remark;
    sendOk(res);
  });

  // ≤ 10 000 per page; next_openid = last openid returned; past the end count 0 and no data.
  router.get('/cgi-bin/user/get', (req: Request, res: Response) => {
    const account = authorize(req);
    const followers = audience.followers(account.appId);
    const after = queryParam(req, 'next_openid') ?? '';
    const start = after === '' ? 0 : followers.indexOf(after) + 1;
    if (start === 0 && after !== '') throw new WxApiError(40003);
    const page = followers.slice(start, start + limits().followersPageSize);
    if (page.length === 0) {
      res.json({ total: followers.length, count: 0, next_openid: '' });
      return;
    }
    res.json({ total: followers.length, count: page.length, data: { openid: page }, next_openid: page.at(-1) });
  });

  return router;
}
