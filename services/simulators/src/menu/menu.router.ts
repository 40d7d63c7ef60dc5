import { type Request, type Response, Router } from 'express';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { numericId } from '../shared/ids.js';
import type { TagStore } from '../tags/tag-store.js';
import type { AudienceStore } from '../user/audience-store.js';
import type { MenuStore, StoredMenu } from './menu-store.js';
import { validateMenu } from './menu-validation.js';

export interface MenuRouterDeps {
  readonly authorize: Authorize;
  readonly menus: MenuStore;
  readonly audience: AudienceStore;
  readonly tags: TagStore;
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

/**
 * Whether a conditional menu's rule picks the follower. tag_id: the follower carries the tag.
 * Rules naming sex / region / language stopped matching with the 2021 privacy change
 * (addConditionalMenu notes). client_platform_type does not narrow here: a simulated follower
 * has no phone platform, so the rule is taken as met.
 */
function matches(rule: Readonly<Record<string, unknown>> | undefined, tagIds: readonly number[]): boolean {
  if (rule === undefined) return false;
  const isSet = (value: unknown): boolean => value !== undefined && value !== null && value !== '';
  if (retiredMatchRules.some((name) => isSet(rule[name]))) return false;
  return !isSet(rule.tag_id) || tagIds.some((id) => String(id) === String(rule.tag_id));
}

/**
 * `menu/trymatch`: the menu a follower (openid or WeChat ID) would see — the newest matching
 * conditional menu, else the default one — as `button` only (tryMatchMenu notes). A user the
 * account does not have as a follower → 65302; no menu at all → 46003, as menu/get answers.
 */
function addTryMatchRoute(router: Router, { authorize, menus, audience, tags }: MenuRouterDeps): void {
  router.post('/cgi-bin/menu/trymatch', (req: Request, res: Response) => {
    const account = authorize(req);
    const userId = jsonBody(req).user_id;
    const user = typeof userId === 'string' && userId !== '' ? audience.find(account.appId, userId) : undefined;
    if (user?.isSubscribed !== true) throw new WxApiError(65302);
    const { menu, conditional } = menus.get(account.appId);
    if (menu === undefined) throw new WxApiError(46003);
    const tagIds = tags.tagsOf(account.appId, user.openid);
    const shown: StoredMenu = conditional.findLast((candidate) => matches(candidate.matchrule, tagIds)) ?? menu;
    res.json({ button: shown.button });
  });
}

/** `menu/delconditional` (65301 for an unknown menuid, string or number) and `get_current_selfmenu_info`. */
function addMenuReadRoutes(router: Router, { authorize, menus }: Pick<MenuRouterDeps, 'authorize' | 'menus'>): void {
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

/** `/cgi-bin/menu/create|get|delete|addconditional|delconditional|trymatch`, `get_current_selfmenu_info`. */
export function createMenuRouter(deps: MenuRouterDeps): Router {
  const { authorize, menus } = deps;
  const router = Router();
  addMenuReadRoutes(router, deps);
  addTryMatchRoute(router, deps);

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
