import type { EncryptMode } from '@mpstack/common/wechat';

/** How the account's callback is configured in the (simulated) WeChat console. */
export type EncryptionMode = EncryptMode;

/** A simulated WeChat user as one account sees it (an openid is per account). */
export interface SimUser {
  readonly openid: string;
  /** Shown by `/sns/userinfo`; may contain emoji, as real nicknames do. */
  readonly nickname?: string;
  readonly unionid?: string;
  /** Whether the user follows the account; defaults to true for configured users. */
  readonly isSubscribed?: boolean;
  /** A blocking user receives template sends with `Status` `failed:user block`. */
  readonly isBlocking?: boolean;
  /** The user's WeChat ID (微信号), which `menu/trymatch` takes as well as the openid. */
  readonly wechatId?: string;
}

/** One simulated Official Account: its credentials, console settings and audience. */
export interface SimAccount {
  /** Short name used in the ingress path `/wx/:account` (e.g. `demo`). */
  readonly id: string;
  readonly appId: string;
  readonly appSecret: string;
  /** The callback Token configured in the console. */
  readonly token: string;
  /** 43-character EncodingAESKey; required in `compatible` and `safe` mode. */
  readonly encodingAesKey?: string;
  readonly mode: EncryptionMode;
  /** The account's original id (`gh_…`), sent as `ToUserName`. Defaults to `gh_<id>`. */
  readonly originalId?: string;
  /**
   * Templates the account has in use (get_all_private_template lists them; a send to any
   * other id gets 40037). Managed at run time through api_add_template / del_private_template
   * and `/_sim/accounts/:account/templates`.
   */
  readonly templates?: readonly SimTemplate[];
  /** Shorthand for templates known by id only: each gets generic first/keyword1–3/remark content. */
  readonly templateIds?: readonly string[];
  readonly users?: readonly SimUser[];
  /**
   * 网页授权域名: the hosts a `/connect/oauth2/authorize` redirect_uri may point at (full
   * domain, no subdomains; an entry with `:port` also matches the port). Unset: not checked
   * (WeChat refuses every redirect until one is configured; the simulator stays open so
   * setups without the field keep working). Changeable through `/_sim/accounts/:account/oauth-domains`.
   */
  readonly oauthDomains?: readonly string[];
  /** Callback URL overriding `callbackBaseUrl + /wx/:id`. */
  readonly callbackUrl?: string;
}

/** A private template as `get_all_private_template` lists it. */
export interface SimTemplate {
  /** 43 characters of base64url in WeChat (any non-empty id is accepted here). */
  readonly templateId: string;
  readonly title: string;
  readonly primaryIndustry: string;
  readonly deputyIndustry: string;
  /** The text with its `{{key.DATA}}` placeholders: the keys template/send's `data` uses. */
  readonly content: string;
  readonly example: string;
}

/** The limits WeChat applies; each configurable because WeChat changed several over time. */
export interface SimLimits {
  /** `/cgi-bin/token` fetches a day (community-reported default 2000; PROTOCOL.md). */
  readonly tokenDailyQuota: number;
  /** access_token, stable_token and ticket lifetime (7200 s; tests shorten it to run several lifetimes). */
  readonly tokenLifetimeMs: number;
  /** How long a superseded /cgi-bin/token keeps working, and how early stable_token renews (5 min). */
  readonly tokenOverlapMs: number;
  /** Template sends a day (100 000 default; Template_Message_Interface doc). */
  readonly templateDailyQuota: number;
  /** Kefu messages per user message within 48 h (current doc: 5; 2021 rule: 20). */
  readonly kefuPerUserMessage: number;
  readonly kefuMessageWindowMs: number;
  /** Kefu messages after a menu click, follow or QR scan (doc: 3 within 1 min). */
  readonly kefuPerEvent: number;
  readonly kefuEventWindowMs: number;
  /** Mass-send requests a minute (Batch_Sends doc: 60). */
  readonly massPerMinute: number;
  /** Mass sends one user receives a month from a service account (Batch_Sends doc: 4). */
  readonly massPerUserMonthly: number;
  /** Page size of `/cgi-bin/user/get` (doc: 10 000). */
  readonly followersPageSize: number;
  /** Page size of `tags/members/getblacklist` (current doc: 1 000; older copies said 10 000). */
  readonly blacklistPageSize: number;
  /** Permanent parametric QR codes per account (doc: 100 000). */
  readonly permanentQrCodes: number;
  /** Customer-service accounts per official account (the 全局返回码 table's 61456: 10). */
  readonly kfAccounts: number;
  /** clear_quota resets per account a month, v1 and v2 together (clear_quota doc: 10; 48006 beyond). */
  readonly clearQuotaMonthly: number;
}

export const defaultLimits: SimLimits = Object.freeze({
  tokenDailyQuota: 2000,
  tokenLifetimeMs: 7200_000,
  tokenOverlapMs: 300_000,
  templateDailyQuota: 100_000,
  kefuPerUserMessage: 5,
  kefuMessageWindowMs: 48 * 3600_000,
  kefuPerEvent: 3,
  kefuEventWindowMs: 60_000,
  massPerMinute: 60,
  massPerUserMonthly: 4,
  followersPageSize: 10_000,
  blacklistPageSize: 1000,
  permanentQrCodes: 100_000,
  kfAccounts: 10,
  clearQuotaMonthly: 10,
});

/** The account's `gh_…` id, defaulted from its short name. */
/** Where WeChat POSTs the account's messages and events: its `callbackUrl`, else `<base>/wx/<id>`. */
export function callbackUrlOf(account: SimAccount, baseUrl: string): string {
  return account.callbackUrl ?? `${baseUrl.replace(/\/+$/, '')}/wx/${encodeURIComponent(account.id)}`;
}

export function originalIdOf(account: SimAccount): string {
  return account.originalId ?? `gh_${account.id}`;
}
