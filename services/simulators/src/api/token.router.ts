import { type Request, type Response, Router } from 'express';
import type { ApiRouterDeps } from './api.types.js';
import { authorizedAccount, credentialedAccount, jsonBody, queryParam, sendOk } from './api-http.js';
import { WxApiError } from './wx-errors.js';

const ticketTypes: ReadonlySet<string> = new Set(['jsapi', 'wx_card']);

/** `/cgi-bin/token`, `/cgi-bin/stable_token` and `/cgi-bin/ticket/getticket`. */
export function createTokenRouter({ state }: ApiRouterDeps): Router {
  const router = Router();

  router.get('/cgi-bin/token', (req: Request, res: Response) => {
    const account = credentialedAccount(
      state,
      queryParam(req, 'grant_type'),
      queryParam(req, 'appid'),
      queryParam(req, 'secret'),
    );
    const issued = state.tokens.fetchToken(account.appId);
    if (issued === 45009) throw new WxApiError(45009);
    res.json({ access_token: issued.token, expires_in: issued.expiresIn });
  });

  // "该接口仅支持 POST JSON 形式的调用" (api_getstableaccesstoken).
  router.post('/cgi-bin/stable_token', (req: Request, res: Response) => {
    const body = jsonBody(req);
    const account = credentialedAccount(state, body.grant_type, body.appid, body.secret);
    const isForce = body.force_refresh === true || body.force_refresh === 'true';
    const issued = state.tokens.fetchStableToken(account.appId, isForce);
    if (issued === 45009) throw new WxApiError(45009);
    res.json({ access_token: issued.token, expires_in: issued.expiresIn });
  });

  router.get('/cgi-bin/ticket/getticket', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    const type = queryParam(req, 'type') ?? '';
    if (!ticketTypes.has(type)) throw new WxApiError(40097);
    const issued = state.tokens.ticket(account.appId, type);
    sendOk(res, { ticket: issued.token, expires_in: issued.expiresIn });
  });

  return router;
}
