import type { Clock } from '../clock.js';

/**
 * errmsg texts as the real API words them (errcodes.json examples, WxJava/wechatpy
 * tables). Clients must match on errcode only, which the ` rid: …` suffix enforces.
 */
const errmsgs: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40008: 'invalid message type',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40016: 'invalid button size',
  40017: 'invalid button type',
  40018: 'invalid button name size',
  40019: 'invalid button key size',
  40020: 'invalid button url size',
  40029: 'invalid code',
  40030: 'invalid refresh_token',
  40037: 'invalid template_id',
  40053: 'invalid action info, please check document',
  40054: 'invalid button url domain',
  40055: 'invalid sub button url domain',
  40092: 'invalid remark name',
  40097: 'invalid args',
  40004: 'invalid media type',
  40005: 'invalid file type',
  40007: 'invalid media_id',
  40009: 'invalid image size',
  40010: 'invalid voice size',
  40011: 'invalid video size',
  40012: 'invalid thumb size',
  40032: 'invalid openid list size',
  40059: 'invalid msg id',
  40060: 'invalid article idx',
  40152: 'invalid group id',
  40246: 'invalid keyword_name_list',
  45026: 'template num exceeds limit',
  45028: 'has no masssend quota',
  45056: 'too many tags now, no need to add new',
  45057: "can't delete the tag that has too many fans",
  45058: "can't modify sys tag",
  45059: 'can not tagging one user too much',
  45113: 'product message and card message are no longer supported',
  45157: 'invalid tag name',
  45158: 'tag name too long',
  45159: 'invalid tag id',
  47003: 'argument invalid!',
  43101: 'user refuse to accept the msg',
  // Subscribe-template errors: the reference gives their meaning, not their errmsg — the simulator's wording.
  200012: 'private template count reaches the limit',
  200014: 'invalid tid',
  200016: 'invalid start',
  200017: 'invalid limit',
  200018: 'missing ids',
  200019: 'invalid ids',
  200020: 'invalid kidList',
  200021: 'invalid sceneDesc',
  65301: 'invalid menuid',
  40125: 'invalid appsecret',
  40130: 'invalid openid list size, at least two openid',
  40163: 'code been used',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41005: 'media data missing',
  41008: 'missing code',
  42001: 'access_token expired',
  42002: 'refresh_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  43004: 'require subscribe',
  44001: 'empty media data',
  44002: 'empty post data',
  45008: 'article size out of limit',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit, must slower, retry next minute',
  45015: 'response out of time limit or subscription is canceled',
  45047: 'out of response count limit',
  // No errmsg example in the reference: errcodes.json's English glosses.
  45072: 'bad command',
  45080: 'no user interaction in the last 30 s',
  45081: 'typing indicator already active',
  45065: 'clientmsgid exist',
  45066: 'same clientmsgid retry too fast',
  45067: 'clientmsgid size out of limit',
  46003: 'menu no exist',
  47001: 'data format error',
  48001: 'api unauthorized',
  49003: 'not match openid with appid',
  61500: 'date format error',
  61501: 'date range error',
  65302: 'no such user',
  48006: 'forbid to clear quota because of reaching the limit',
  40201: 'invalid check url',
  40202: 'invalid check action',
  40203: 'invalid check operator',
  45083: 'speed out of range',
  45084: 'no speed',
  76001: 'rid not found',
  76002: 'rid is error',
  76003: 'rid does not belong to this account',
  76021: 'cgi_path not found',
  76022: 'token does not match the api',
  65303: 'there is no selfmenu, please create selfmenu first',
  65401: 'invalid custom service account',
  65403: 'invalid nickname',
  65404: 'invalid custom service account',
  65405: 'account count exceeded the limit',
  65406: 'custom service account already exists',
  65407: 'the wechat user have been one of your workers',
  65408: 'you have already invited the wechat user',
  65409: 'wechat account invalid',
  65411: 'a effective invitation to bind the custom service account exists',
  65412: 'the custom service account have been bound by a wechat user',
  65413: 'no effective session for the customer',
  65414: 'another worker is serving the customer',
  65415: 'the worker is not online',
  65416: 'param invalid, please check',
  65417: 'it is too long from the starttime to endtime',
  65320: 'matchrule contains sex, country, province, city or language, which are no longer supported',
};

/**
 * A WeChat API failure: errcode plus any extra fields the real response carries
 * (45065 returns the existing `msgid`). Knows nothing about HTTP: WeChat answers
 * errors with HTTP 200, and {@link wxErrorBody} renders them.
 */
export class WxApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly extra: Readonly<Record<string, unknown>> = {},
    /** An errmsg naming the culprit, as 47003 "errmsg 会提示具体是哪个字段出错" does. */
    errmsg?: string,
  ) {
    super(errmsg ?? errmsgs[errcode] ?? 'unknown error');
    this.name = 'WxApiError';
  }
}

/** A request id shaped like WeChat's: `<hex seconds>-<hex>-<hex>`. */
export function requestId(clock: Clock): string {
  const seconds = Math.floor(clock() / 1000)
    .toString(16)
    .padStart(8, '0');
  const random = (): string =>
    Math.floor(Math.random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return `${seconds}-${random()}-${random()}`;
}

/** The JSON WeChat returns for an error, errmsg carrying the ` rid: …` suffix. */
export function wxErrorBody(error: WxApiError, clock: Clock): Record<string, unknown> {
  return { errcode: error.errcode, errmsg: `${error.message} rid: ${requestId(clock)}`, ...error.extra };
}
