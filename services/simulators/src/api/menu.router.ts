import { type Request, type Response, Router } from 'express';
import { numericId } from '../state/ids.js';
import type { ApiRouterDeps } from './api.types.js';
import { authorizedAccount, jsonBody, sendOk } from './api-http.js';
import { validateMenu } from './menu-validation.js';
import { WxApiError } from './wx-errors.js';

/** Rules refused since the 2021-09-26 privacy announcement (65320, api.json addConditionalMenu). */
const retiredMatchRules = ['sex', 'country', 'province', 'city', 'language'] as const;

/** `/cgi-bin/menu/create|get|delete|addconditional`. */
export function createMenuRouter({ state }: ApiRouterDeps): Router {
  const router = Router();

  router.post('/cgi-bin/menu/create', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    const button = validateMenu(jsonBody(req));
    state.menus.setDefault(account.appId, { button, menuid: numericId() });
    sendOk(res);
  });

  // No menu → 46003; `conditionalmenu` only when personalised menus exist (api.json getMenu).
  router.get('/cgi-bin/menu/get', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    const { menu, conditional } = state.menus.get(account.appId);
    if (menu === undefined) throw new WxApiError(46003);
    res.json({
      menu: conditional.length > 0 ? menu : { button: menu.button },
      ...(conditional.length > 0 ? { conditionalmenu: conditional } : {}),
    });
  });

  router.get('/cgi-bin/menu/delete', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    state.menus.delete(account.appId);
    sendOk(res);
  });

  // "A default menu must exist first" → 65303.
  router.post('/cgi-bin/menu/addconditional', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    const body = jsonBody(req);
    const button = validateMenu(body);
    const matchrule = body.matchrule;
    if (matchrule === null || typeof matchrule !== 'object') throw new WxApiError(40097);
    const rule = matchrule as Record<string, unknown>;
    if (retiredMatchRules.some((name) => rule[name] !== undefined && rule[name] !== '')) throw new WxApiError(65320);
    if (state.menus.get(account.appId).menu === undefined) throw new WxApiError(65303);
    const menuid = numericId();
    state.menus.addConditional(account.appId, { button, matchrule: rule, menuid });
    res.json({ menuid: String(menuid) });
  });

  return router;
}
