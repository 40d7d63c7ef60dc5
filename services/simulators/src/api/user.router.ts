import { type Request, type Response, Router } from 'express';
import type { ApiRouterDeps } from './api.types.js';
import { authorizedAccount, queryParam } from './api-http.js';
import { WxApiError } from './wx-errors.js';

/**
 * `/cgi-bin/user/info` and `/cgi-bin/user/get`. user/info follows the post-2021 shape: no
 * nickname/headimgurl/sex/region (api.json getUserInfo notes); unfollowed users get only
 * `subscribe: 0`, `openid` and `unionid`.
 */
export function createUserRouter({ state }: ApiRouterDeps): Router {
  const router = Router();

  router.get('/cgi-bin/user/info', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    const user = state.audience.get(account.appId, queryParam(req, 'openid') ?? '');
    if (user === undefined) throw new WxApiError(40003);
    const unionid = user.unionid === undefined ? {} : { unionid: user.unionid };
    if (!user.isSubscribed) {
      res.json({ subscribe: 0, openid: user.openid, ...unionid });
      return;
    }
    res.json({
      subscribe: 1,
      openid: user.openid,
      language: 'zh_CN',
      subscribe_time: user.subscribedAt,
      ...unionid,
      remark: '',
      groupid: 0,
      tagid_list: [],
      // A follow through a parametric QR code reports it; every other follow is "others" here.
      subscribe_scene: user.qrScene === undefined ? 'ADD_SCENE_OTHERS' : 'ADD_SCENE_QR_CODE',
      qr_scene: user.qrScene !== undefined && 'id' in user.qrScene ? user.qrScene.id : 0,
      qr_scene_str: user.qrScene !== undefined && 'str' in user.qrScene ? user.qrScene.str : '',
    });
  });

  // ≤ 10 000 per page; next_openid = last openid returned; past the end count 0 and no data.
  router.get('/cgi-bin/user/get', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    const followers = state.audience.followers(account.appId);
    const after = queryParam(req, 'next_openid') ?? '';
    const start = after === '' ? 0 : followers.indexOf(after) + 1;
    if (start === 0 && after !== '') throw new WxApiError(40003);
    const page = followers.slice(start, start + state.limits.followersPageSize);
    if (page.length === 0) {
      res.json({ total: followers.length, count: 0, next_openid: '' });
      return;
    }
    res.json({ total: followers.length, count: page.length, data: { openid: page }, next_openid: page.at(-1) });
  });

  return router;
}
