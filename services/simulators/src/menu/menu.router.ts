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

/**
 * A button as get_current_selfmenu_info shows it: sub-buttons under `sub_button.list`
 * (getCurrentSelfmenuInfo notes); API-made buttons keep their API types.
 */
function selfmenuButton(button: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { sub_button: subButton, ...rest } = button;
  // Leaves carry `sub_button: []` in menu/get's shape; here only a group has a sub_button.
  if (!Array.isArray(subButton) || subButton.length === 0) return { ...rest };
  return { ...rest, sub_button: { list: subButton.map((sub) => selfmenuButton(sub as Record<string, unknown>)) } };
}

/** `menu/delconditional` (65301 for an unknown menuid, string or number) and `get_current_selfmenu_info`. */
function addMenuReadRoutes(router: Router, { authorize, menus }: MenuRouterDeps): void {
  router.post('/cgi-bin/menu/delconditional', (req: Request, res: Response) => {
    const account = authorize(req);
    const menuid = jsonBody(req).menuid;
    const id = typeof menuid === 'number' || (typeof menuid === 'string' && /^\d+$/.test(menuid)) ? Number(menuid) : -1;
    if (!menus.deleteConditional(account.appId, id)) throw new WxApiError(65301);
    sendOk(res);
  });

  // The live default menu; no conditional menus here. Without a menu: is_menu_open 0.
  router.get('/cgi-bin/get_current_selfmenu_info', (req: Request, res: Response) => {
    const account = authorize(req);
    const { menu } = menus.get(account.appId);
    res.json({
      is_menu_open: menu === undefined ? 0 : 1,
      selfmenu_info: { button: (menu?.button ?? []).map(selfmenuButton) },
    });
  });
}

/** `/cgi-bin/menu/create|get|delete|addconditional|delconditional`, `get_current_selfmenu_info`. */
export function createMenuRouter({ authorize, menus }: MenuRouterDeps): Router {
  const router = Router();
  addMenuReadRoutes(router, { authorize, menus });

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
