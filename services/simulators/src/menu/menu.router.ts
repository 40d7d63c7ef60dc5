import { type Request, type Response, Router } from 'express';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { numericId } from '../shared/ids.js';
import type { MenuStore } from './menu-store.js';
import { validateMenu } from './menu-validation.js';

export interface MenuRouterDeps {
  readonly authorize: Authorize;
  readonly menus: MenuStore;
}

/** Rules refused since the 2021-09-26 privacy announcement (65320, api.json addConditionalMenu). */
const retiredMatchRules = ['sex', 'country', 'province', 'city', 'language'] as const;

/** `/cgi-bin/menu/create|get|delete|addconditional`. */
export function createMenuRouter({ authorize, menus }: MenuRouterDeps): Router {
  const router = Router();

  router.post('/cgi-bin/menu/create', (req: Request, res: Response) => {
    const account = authorize(req);
    const button = validateMenu(jsonBody(req));
    menus.setDefault(account.appId, { button, menuid: numericId() });
    sendOk(res);
  });

  // No menu → 46003; `conditionalmenu` only when personalised menus exist (api.json getMenu).
  router.get('/cgi-bin/menu/get', (req: Request, res: Response) => {
    const account = authorize(req);
    const { menu, conditional } = menus.get(account.appId);
    if (menu === undefined) throw new WxApiError(46003);
    res.json({
      menu: conditional.length > 0 ? menu : { button: menu.button },
      ...(conditional.length > 0 ? { conditionalmenu: conditional } : {}),
    });
  });

  router.get('/cgi-bin/menu/delete', (req: Request, res: Response) => {
    const account = authorize(req);
    menus.delete(account.appId);
    sendOk(res);
  });

  // "A default menu must exist first" → 65303.
  router.post('/cgi-bin/menu/addconditional', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const button = validateMenu(body);
    const matchrule = body.matchrule;
    if (matchrule === null || typeof matchrule !== 'object') throw new WxApiError(40097);
    const rule = matchrule as Record<string, unknown>;
    if (retiredMatchRules.some((name) => rule[name] !== undefined && rule[name] !== '')) throw new WxApiError(65320);
    if (menus.get(account.appId).menu === undefined) throw new WxApiError(65303);
    const menuid = numericId();
    menus.addConditional(account.appId, { button, matchrule: rule, menuid });
    res.json({ menuid: String(menuid) });
  });

  return router;
}
