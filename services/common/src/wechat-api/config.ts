import { z } from 'zod';

/** Flow-controlled API families: each has its token bucket per appid, shared by every replica. */
export type RateFamily = 'template' | 'kefu' | 'mass';

/** A token bucket (`perSecond`, `burst`) or `off` (no limit). */
export type RateSetting = { readonly perSecond: number; readonly burst: number } | 'off';

/** How the access_token is fetched: `stable` (`/cgi-bin/stable_token`, the default) or `token` (`/cgi-bin/token`). */
export type TokenMode = 'stable' | 'token';

export interface WeChatApiConfig {
  /**
   * Base URLs in failover order: `https://api.weixin.qq.com`, then `https://api2.weixin.qq.com`
   * (then optional regional hosts). The simulator's URL in development and tests.
   */
  readonly bases: readonly string[];
  readonly tokenMode: TokenMode;
  /**
   * A token with less than this left is refreshed (by the one writer). Below WeChat's 300 s:
   * stable_token hands out a new token only in its last 5 minutes.
   */
  readonly refreshAheadMs: number;
  /** How long a replica reuses the token it read before asking the store again. */
  readonly localCacheMs: number;
  /** How long a reader waits for the writer's new token before failing (unavailable). */
  readonly tokenWaitMs: number;
  /** How long a writer may take; past it another replica takes the refresh over. */
  readonly refreshLeaseMs: number;
  /** A host that failed (network error, 5xx) is skipped this long, then tried again. */
  readonly hostCooldownMs: number;
  /** Per request: connect + headers + body. */
  readonly requestTimeoutMs: number;
  /** Calls answered −1 or 45011 are tried at most this many times in all. */
  readonly maxAttempts: number;
  readonly rates: Readonly<Record<RateFamily, RateSetting>>;
  /** Daily quotas per API name, overriding the defaults (WeChat's documented limits). */
  readonly dailyQuotas: Readonly<Record<string, number>>;
  /** Refuse customer-service sends outside the window the ingress recorded (`enforce`) or send anyway (`off`). */
  readonly serviceWindow: 'enforce' | 'off';
  /** Prefix of every coordination key (the deployment's `MPSTACK_KEY_PREFIX` is added by the adapter). */
  readonly keyNamespace: string;
}

export const defaultWeChatApiConfig: WeChatApiConfig = Object.freeze<WeChatApiConfig>({
  bases: ['https://api.weixin.qq.com', 'https://api2.weixin.qq.com'],
  tokenMode: 'stable',
  refreshAheadMs: 240_000,
  localCacheMs: 1_000,
  tokenWaitMs: 15_000,
  refreshLeaseMs: 10_000,
  hostCooldownMs: 30_000,
  requestTimeoutMs: 5_000,
  maxAttempts: 4,
  // Template sends: WeChat states no per-second limit, only the daily quota: off by default.
  // Mass sends: 60 requests a minute (Batch_Sends doc). Customer service: off by default.
  rates: { template: 'off', kefu: 'off', mass: { perSecond: 1, burst: 60 } },
  dailyQuotas: {},
  serviceWindow: 'enforce',
  keyNamespace: 'wx:',
});

const rateSchema = z
  .string()
  .trim()
  .transform((value, ctx): RateSetting | undefined => {
    if (value === '') return undefined;
    if (value === 'off') return 'off';
    const match = /^(\d+(?:\.\d+)?)(?:\/s)?(?::(\d+))?$/.exec(value);
    const perSecond = Number(match?.[1]);
    if (match === null || !(perSecond > 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}": a rate is "off" or "<per second>[:<burst>]", e.g. 500:1000`,
      });
      return z.NEVER;
    }
    return { perSecond, burst: match[2] === undefined ? Math.max(1, Math.ceil(perSecond)) : Number(match[2]) };
  })
  .optional();

const msFromSeconds = (min: number, max: number) => z.coerce.number().min(min).max(max).optional();

/**
 * The client's environment (README, "The WeChat API client"):
 * `MPSTACK_WECHAT_API_BASES` (comma-separated base URLs in failover order),
 * `MPSTACK_WECHAT_TOKEN_MODE` (`stable` | `token`), `MPSTACK_WECHAT_REFRESH_AHEAD_SECONDS`,
 * `MPSTACK_WECHAT_HOST_COOLDOWN_SECONDS`, `MPSTACK_WECHAT_RATE_TEMPLATE|KEFU|MASS` (`off` or
 * `<per second>[:<burst>]`), `MPSTACK_WECHAT_DAILY_QUOTAS` (`api=limit,…`),
 * `MPSTACK_WECHAT_KEFU_WINDOW` (`enforce` | `off`).
 */
export const wechatApiEnvSchema = z.object({
  MPSTACK_WECHAT_API_BASES: z
    .string()
    .trim()
    .transform((value) =>
      value === ''
        ? undefined
        : value
            .split(',')
            .map((base) => base.trim().replace(/\/+$/, ''))
            .filter((base) => base !== ''),
    )
    .pipe(
      z
        .array(z.url({ protocol: /^https?$/ }))
        .min(1)
        .optional(),
    )
    .optional(),
  MPSTACK_WECHAT_TOKEN_MODE: z.enum(['stable', 'token']).optional(),
  MPSTACK_WECHAT_REFRESH_AHEAD_SECONDS: msFromSeconds(1, 3_600),
  MPSTACK_WECHAT_HOST_COOLDOWN_SECONDS: msFromSeconds(0, 3_600),
  MPSTACK_WECHAT_RATE_TEMPLATE: rateSchema,
  MPSTACK_WECHAT_RATE_KEFU: rateSchema,
  MPSTACK_WECHAT_RATE_MASS: rateSchema,
  MPSTACK_WECHAT_DAILY_QUOTAS: z
    .string()
    .trim()
    .transform((value, ctx) => {
      const quotas: Record<string, number> = {};
      for (const entry of value.split(',').filter((e) => e.trim() !== '')) {
        const [api, limit] = entry.split('=').map((part) => part.trim());
        if (api === undefined || api === '' || !/^\d+$/.test(limit ?? '')) {
          ctx.addIssue({ code: 'custom', message: `"${entry}": expected <api name>=<limit per day>` });
          return z.NEVER;
        }
        quotas[api] = Number(limit);
      }
      return quotas;
    })
    .optional(),
  MPSTACK_WECHAT_KEFU_WINDOW: z.enum(['enforce', 'off']).optional(),
});

/** The client's configuration from the environment, every unset variable at its default. */
export function wechatApiConfigFromEnv(env: Readonly<Record<string, string | undefined>>): WeChatApiConfig {
  const parsed = wechatApiEnvSchema.parse(env);
  const d = defaultWeChatApiConfig;
  return {
    ...d,
    bases: parsed.MPSTACK_WECHAT_API_BASES ?? d.bases,
    tokenMode: parsed.MPSTACK_WECHAT_TOKEN_MODE ?? d.tokenMode,
    refreshAheadMs: (parsed.MPSTACK_WECHAT_REFRESH_AHEAD_SECONDS ?? d.refreshAheadMs / 1000) * 1000,
    hostCooldownMs: (parsed.MPSTACK_WECHAT_HOST_COOLDOWN_SECONDS ?? d.hostCooldownMs / 1000) * 1000,
    rates: {
      template: parsed.MPSTACK_WECHAT_RATE_TEMPLATE ?? d.rates.template,
      kefu: parsed.MPSTACK_WECHAT_RATE_KEFU ?? d.rates.kefu,
      mass: parsed.MPSTACK_WECHAT_RATE_MASS ?? d.rates.mass,
    },
    dailyQuotas: parsed.MPSTACK_WECHAT_DAILY_QUOTAS ?? d.dailyQuotas,
    serviceWindow: parsed.MPSTACK_WECHAT_KEFU_WINDOW ?? d.serviceWindow,
  };
}
