import { WxApiError } from '../http/wx-errors.js';

/**
 * Menu limits (api.json createMenu; PROTOCOL.md "Menus"): 1–3 top buttons, 1–5 sub-buttons,
 * names ≤ 16 bytes (top) / ≤ 60 bytes (sub), key ≤ 128 bytes, url ≤ 1024 bytes, all UTF-8.
 * Errcodes are the ones api.json lists for menu/create: 40016 button count, 40017 sub-button
 * count or unknown type (wechatpy: INVALID_SUB_BUTTON_SIZE; WxJava: 不合法的按钮类型),
 * 40018 name, 40019 key, 40020 url size, 40054/40055 a top/sub url that is not http(s).
 * (The global table also has 40023–40027 for sub-buttons; api.json does not list them here.)
 */
export const menuLimits = {
  maxTopButtons: 3,
  maxSubButtons: 5,
  maxTopNameBytes: 16,
  maxSubNameBytes: 60,
  maxKeyBytes: 128,
  maxUrlBytes: 1024,
} as const;

const buttonTypes: ReadonlySet<string> = new Set([
  'click',
  'view',
  'miniprogram',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'media_id',
  'view_limited',
  'article_id',
  'article_view_limited',
]);

const keyedTypes: ReadonlySet<string> = new Set([
  'click',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
]);

type Button = Readonly<Record<string, unknown>>;

function bytes(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
}

function checkLeaf(button: Button, isSub: boolean): void {
  const type = button.type;
  if (typeof type !== 'string' || !buttonTypes.has(type)) throw new WxApiError(40017);
  if (keyedTypes.has(type)) {
    const keyBytes = bytes(button.key);
    if (keyBytes === 0 || keyBytes > menuLimits.maxKeyBytes) throw new WxApiError(40019);
  }
  if (type === 'view' || type === 'miniprogram') {
    const url = button.url;
    if (bytes(url) > menuLimits.maxUrlBytes) throw new WxApiError(40020);
    if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(url)) throw new WxApiError(isSub ? 40055 : 40054);
  }
}

function checkName(button: Button, maxBytes: number): void {
  const size = bytes(button.name);
  if (size === 0 || size > maxBytes) throw new WxApiError(40018);
}

function asButtons(value: unknown): readonly Button[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is Button => item !== null && typeof item === 'object');
}

/** Validates `{ button: [...] }`; returns the buttons normalised with `sub_button: []` as menu/get shows. */
export function validateMenu(body: Readonly<Record<string, unknown>>): readonly Button[] {
  const top = asButtons(body.button);
  if (top === undefined || top.length === 0 || top.length > menuLimits.maxTopButtons) throw new WxApiError(40016);
  return top.map((button) => {
    checkName(button, menuLimits.maxTopNameBytes);
    const subs = asButtons(button.sub_button) ?? [];
    if (subs.length === 0) {
      checkLeaf(button, false);
      return { ...button, sub_button: [] };
    }
    if (subs.length > menuLimits.maxSubButtons) throw new WxApiError(40017);
    for (const sub of subs) {
      checkName(sub, menuLimits.maxSubNameBytes);
      checkLeaf(sub, true);
    }
    return { name: button.name, sub_button: subs.map((sub) => ({ ...sub, sub_button: [] })) };
  });
}
