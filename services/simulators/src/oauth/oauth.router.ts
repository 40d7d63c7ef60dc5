import { type Request, type Response, Router } from 'express';
import type { AccountDirectory } from '../accounts.js';
import { queryParam } from '../http/api-http.js';
import { WxApiError } from '../http/wx-errors.js';
import type { SimAccount } from '../types.js';
import type { AudienceStore } from '../user/audience-store.js';
import type { OAuthScope, OAuthStore, SnsTokens } from './oauth-store.js';

export interface OAuthRouterDeps {
  readonly accounts: AccountDirectory;
  readonly audience: AudienceStore;
  readonly oauth: OAuthStore;
}

const scopes: ReadonlySet<string> = new Set(['snsapi_base', 'snsapi_userinfo']);

function isScope(value: string): value is OAuthScope {
  return scopes.has(value);
}

/** appid/secret checks of `/sns/oauth2/access_token` (40013, 40125). */
function snsAccount(accounts: AccountDirectory, req: Request, needsSecret: boolean): SimAccount {
  const account = accounts.byAppId(queryParam(req, 'appid') ?? '');
  if (account === undefined) throw new WxApiError(40013);
  if (needsSecret && queryParam(req, 'secret') !== account.appSecret) throw new WxApiError(40125);
  return account;
}

function tokenBody(tokens: SnsTokens, unionid: string | undefined): Record<string, unknown> {
  return {
    access_token: tokens.accessToken,
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    openid: tokens.openid,
    scope: tokens.scope,
    // unionid only with snsapi_userinfo (api.json snsOAuth2AccessToken notes).
    ...(tokens.scope === 'snsapi_userinfo' && unionid !== undefined ? { unionid } : {}),
  };
}

/**
 * The user "in the browser": `sim_openid` if given, else the account's first follower.
 * Real WeChat knows who is logged in; a test or developer picks here.
 */
function chosenOpenid(audience: AudienceStore, account: SimAccount, requested: string | undefined): string {
  if (requested !== undefined && requested !== '') {
    if (audience.get(account.appId, requested) === undefined) {
      audience.upsert(account.appId, { openid: requested, isSubscribed: false });
    }
    return requested;
  }
  const first = audience.followers(account.appId)[0] ?? audience.list(account.appId)[0]?.openid;
  return first ?? audience.upsert(account.appId, { openid: `o_sim_${account.id}_visitor` }).openid;
}

/**
 * Whether the redirect_uri's host is one of the account's 网页授权域名: the full domain, no
 * subdomain ("授权回调域名配置规范为全域名"); an entry with a port matches host:port.
 */
function isAuthorizedDomain(account: SimAccount, target: URL): boolean {
  if (account.oauthDomains === undefined) return true;
  return account.oauthDomains.some((domain) => {
    const entry = domain.toLowerCase();
    return entry.includes(':') ? entry === target.host : entry === target.hostname;
  });
}

/**
 * The page WeChat shows for a redirect_uri outside the authorized domains: "redirect_uri域名与
 * 后台配置不一致" with 错误码 10003 (not in the team's reference; as developers quote it).
 */
const domainMismatchPage = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>微信网页授权</title></head>
<body><h2>Oops! Something went wrong:(</h2><p>redirect_uri域名与后台配置不一致</p><p>错误码：10003</p></body></html>
`;

/** `/connect/oauth2/authorize`: a browser lands here; real WeChat shows an error page on bad input, not JSON. */
function authorize({ accounts, audience, oauth }: OAuthRouterDeps, req: Request, res: Response): void {
  const account = accounts.byAppId(queryParam(req, 'appid') ?? '');
  // `#wechat_redirect` belongs to the authorize URL; tolerate it leaking into redirect_uri.
  const redirect = (queryParam(req, 'redirect_uri') ?? '').split('#')[0] ?? '';
  const scope = queryParam(req, 'scope') ?? '';
  if (account === undefined || !/^https?:\/\//.test(redirect) || !isScope(scope)) {
    res
      .status(400)
      .type('text/plain; charset=utf-8')
      .send('Oops! Something went wrong:( 参数错误 (appid, redirect_uri or scope)');
    return;
  }
  if (!isAuthorizedDomain(account, new URL(redirect))) {
    res.status(400).type('text/html; charset=utf-8').send(domainMismatchPage);
    return;
  }
  const openid = chosenOpenid(audience, account, queryParam(req, 'sim_openid'));
  const code = oauth.issueCode({ appId: account.appId, openid, scope });
  const target = new URL(redirect);
  target.searchParams.set('code', code);
  target.searchParams.set('state', queryParam(req, 'state') ?? '');
  res.redirect(302, target.toString());
}

/** Web authorisation: authorize → code (single use, 5 min) → sns token → userinfo. */
export function createOAuthRouter(deps: OAuthRouterDeps): Router {
  const { accounts, audience, oauth } = deps;
  const router = Router();

  router.get('/connect/oauth2/authorize', (req: Request, res: Response) => authorize(deps, req, res));

  router.get('/sns/oauth2/access_token', (req: Request, res: Response) => {
    const account = snsAccount(accounts, req, true);
    if (queryParam(req, 'grant_type') !== 'authorization_code') throw new WxApiError(40002);
    const code = queryParam(req, 'code') ?? '';
    if (code === '') throw new WxApiError(41008);
    const tokens = oauth.exchangeCode(account.appId, code);
    if (typeof tokens === 'number') throw new WxApiError(tokens);
    res.json(tokenBody(tokens, audience.get(account.appId, tokens.openid)?.unionid));
  });

  router.get('/sns/oauth2/refresh_token', (req: Request, res: Response) => {
    const account = snsAccount(accounts, req, false);
    if (queryParam(req, 'grant_type') !== 'refresh_token') throw new WxApiError(40002);
    const tokens = oauth.refresh(account.appId, queryParam(req, 'refresh_token') ?? '');
    if (typeof tokens === 'number') throw new WxApiError(tokens);
    res.json(tokenBody(tokens, undefined));
  });

  // Is a web-auth token still good for this openid? Unknown or foreign token 40014 (the
  // community's observation, snsAuth notes), expired 42001, another user's openid 40003.
  router.get('/sns/auth', (req: Request, res: Response) => {
    const token = queryParam(req, 'access_token') ?? '';
    if (token === '') throw new WxApiError(41001);
    const grant = oauth.checkAccess(token);
    if (grant === 40001) throw new WxApiError(40014);
    if (grant === 42001) throw new WxApiError(42001);
    if (queryParam(req, 'openid') !== grant.openid) throw new WxApiError(40003);
    res.json({ errcode: 0, errmsg: 'ok' });
  });

  // snsapi_base tokens cannot read the profile → 48001; sex/region are blank since 2021-10-20.
  router.get('/sns/userinfo', (req: Request, res: Response) => {
    const token = queryParam(req, 'access_token') ?? '';
    if (token === '') throw new WxApiError(41001);
    const grant = oauth.checkAccess(token);
    if (typeof grant === 'number') throw new WxApiError(grant);
    if (grant.scope !== 'snsapi_userinfo') throw new WxApiError(48001);
    if (queryParam(req, 'openid') !== grant.openid) throw new WxApiError(40003);
    const user = audience.get(grant.appId, grant.openid);
    res.json({
      openid: grant.openid,
      nickname: user?.nickname ?? '微信用户',
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/sim/132',
      privilege: [],
      ...(user?.unionid === undefined ? {} : { unionid: user.unionid }),
    });
  });

  return router;
}
