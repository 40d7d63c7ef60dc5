import { type Request, type Response, Router } from 'express';
import type { AccountDirectory } from '../accounts.js';
import { jsonBody, queryParam, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { SimAccount } from '../types.js';
import type { TokenStore } from './token-store.js';

const ticketTypes: ReadonlySet<string> = new Set(['jsapi', 'wx_card']);

export interface TokenRouterDeps {
  readonly accounts: AccountDirectory;
  readonly tokens: TokenStore;
  readonly authorize: Authorize;
}

/**
 * grant_type / appid / secret checks shared by `/cgi-bin/token` and `/cgi-bin/stable_token`
 * (api.json errcodes: 40002, 41002, 41004, 40013, 40125).
 */
function credentialedAccount(
  accounts: AccountDirectory,
  grantType: unknown,
  appId: unknown,
  secret: unknown,
): SimAccount {
  if (grantType !== 'client_credential') throw new WxApiError(40002);
  if (typeof appId !== 'string' || appId === '') throw new WxApiError(41002);
  if (typeof secret !== 'string' || secret === '') throw new WxApiError(41004);
  const account = accounts.byAppId(appId);
  if (account === undefined) throw new WxApiError(40013);
  if (account.appSecret !== secret) throw new WxApiError(40125);
  return account;
}

/**
 * The simulator pushes from, and is reached at, this machine: the addresses
 * `getcallbackip` / `get_api_domain_ip` report (WeChat: its current egress / API IPs).
 */
const loopback = ['127.0.0.1'];

/** `/cgi-bin/token`, `/cgi-bin/stable_token`, `/cgi-bin/ticket/getticket`, `getcallbackip`, `get_api_domain_ip`. */
export function createTokenRouter({ accounts, tokens, authorize }: TokenRouterDeps): Router {
  const router = Router();

  router.get('/cgi-bin/token', (req: Request, res: Response) => {
    const account = credentialedAccount(
      accounts,
      queryParam(req, 'grant_type'),
      queryParam(req, 'appid'),
      queryParam(req, 'secret'),
    );
    const issued = tokens.fetchToken(account.appId);
    if (issued === 45009) throw new WxApiError(45009);
    res.json({ access_token: issued.token, expires_in: issued.expiresIn });
  });

  // "该接口仅支持 POST JSON 形式的调用" (api_getstableaccesstoken).
  router.post('/cgi-bin/stable_token', (req: Request, res: Response) => {
    const body = jsonBody(req);
    const account = credentialedAccount(accounts, body.grant_type, body.appid, body.secret);
    const isForce = body.force_refresh === true || body.force_refresh === 'true';
    const issued = tokens.fetchStableToken(account.appId, isForce);
    if (issued === 45009) throw new WxApiError(45009);
    res.json({ access_token: issued.token, expires_in: issued.expiresIn });
  });

  router.get('/cgi-bin/ticket/getticket', (req: Request, res: Response) => {
    const account = authorize(req);
    const type = queryParam(req, 'type') ?? '';
    if (!ticketTypes.has(type)) throw new WxApiError(40097);
    const issued = tokens.ticket(account.appId, type);
    sendOk(res, { ticket: issued.token, expires_in: issued.expiresIn });
  });

  router.get('/cgi-bin/getcallbackip', (req: Request, res: Response) => {
    authorize(req);
    res.json({ ip_list: loopback });
  });

  router.get('/cgi-bin/get_api_domain_ip', (req: Request, res: Response) => {
    authorize(req);
    res.json({ ip_list: loopback });
  });

  return router;
}
