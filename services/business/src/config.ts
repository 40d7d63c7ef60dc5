import {
  checkRedisTopology,
  commonConfigOf,
  commonEnvSchema,
  type Environment,
  intFromEnv,
  loadConfig,
  type RedisTopology,
} from '@mpstack/common/config';
import { type RateSetting, type WeChatApiConfig, wechatApiConfigFromEnv } from '@mpstack/common/wechat-api';
import { z } from 'zod';
import type { AccountType } from './mass/mass.service.js';

const businessEnvSchema = commonEnvSchema
  .extend({
    MPSTACK_BUSINESS_PORT: intFromEnv(8083, 0, 65535),
    /** Push tickets (chunks) one worker handles at once. */
    MPSTACK_PUSH_PREFETCH: intFromEnv(4, 1, 64),
    /** Recipients per push ticket. */
    MPSTACK_PUSH_CHUNK: intFromEnv(500, 1, 10_000),
    /** Recipients claimed and sent together (their sends run concurrently; the rate limit paces them). */
    MPSTACK_PUSH_BATCH: intFromEnv(100, 1, 1000),
    /** How long a claim keeps other workers off a recipient left `sending` (ms). */
    MPSTACK_PUSH_LEASE_MS: intFromEnv(60_000, 1000, 3_600_000),
    /** Most recipients one upload may hold. */
    MPSTACK_PUSH_MAX_RECIPIENTS: intFromEnv(1_000_000, 1, 10_000_000),
    /**
     * Sends per second a push is announced to run at when the template rate limit is off
     * (with a limit, the limit): how long the operator expects its surge of replies to last.
     */
    MPSTACK_PUSH_EXPECTED_RATE: intFromEnv(250, 1, 100_000),
    /** Single sends one worker executes at once. */
    MPSTACK_SEND_PREFETCH: intFromEnv(64, 1, 1000),
    MPSTACK_RECEIPT_PREFETCH: intFromEnv(200, 1, 5000),
    /** Scheduler tick (ms) and how long a running push may make no progress before its tickets are sent again. */
    MPSTACK_BUSINESS_TICK_MS: intFromEnv(1000, 50, 60_000),
    MPSTACK_PUSH_STALL_MS: intFromEnv(60_000, 1000, 3_600_000),
    /** `account:subscription,other:service`; an account not listed is a service account (服务号). */
    MPSTACK_ACCOUNT_TYPES: z.string().default(''),
    MPSTACK_SMTP_URL: z.string().optional(),
    MPSTACK_OPERATOR_EMAIL: z.string().optional(),
    MPSTACK_MAIL_FROM: z.string().default('mpstack <mpstack@localhost>'),
    /** This service's own API as the operator reaches it (the failure report's link when no console URL is set). */
    MPSTACK_BUSINESS_PUBLIC_URL: z.string().url().optional(),
    /**
     * The console's public URL (`https://wx.example.com/admin/`): the push e-mail links the
     * failure report through it (signed in, with the console's permissions). The operator sets it.
     */
    MPSTACK_CONSOLE_URL: z.string().url().optional(),
    MPSTACK_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0.01),
  })
  .superRefine(checkRedisTopology)
  .superRefine((env, ctx) => {
    for (const entry of env.MPSTACK_ACCOUNT_TYPES.split(',').filter((e) => e.trim() !== '')) {
      if (!/^[^:]+:(subscription|service)$/.test(entry.trim())) {
        ctx.addIssue({
          code: 'custom',
          path: ['MPSTACK_ACCOUNT_TYPES'],
          message: `"${entry}" is not account:subscription or account:service`,
        });
      }
    }
  });

export interface BusinessConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly redis: RedisTopology | undefined;
  readonly amqpUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly keyPrefix: string;
  readonly push: {
    readonly prefetch: number;
    readonly chunkSize: number;
    readonly batchSize: number;
    readonly leaseMs: number;
    readonly maxRecipients: number;
    readonly stallMs: number;
    /** Sends per second a push is announced to run at (the template rate limit if one is set). */
    readonly expectedRate: number;
    /** `MPSTACK_PUSH_EXPECTED_RATE`: the rate announced for an account whose template rate is off. */
    readonly unlimitedRate: number;
  };
  readonly sendPrefetch: number;
  readonly receiptPrefetch: number;
  readonly tickMs: number;
  readonly accountTypes: Readonly<Record<string, AccountType>>;
  readonly mail: {
    readonly smtpUrl: string | undefined;
    readonly to: string | undefined;
    readonly from: string;
  };
  readonly publicUrl: string | undefined;
  readonly consoleUrl: string | undefined;
  readonly traceSampleRatio: number;
  /** The WeChat API client's settings (`MPSTACK_WECHAT_*`: base URLs, token mode, rates, quotas). */
  readonly wechat: WeChatApiConfig;
}

/** The only place the business service reads the environment. */
export function loadBusinessConfig(env: Environment): BusinessConfig {
  const e = loadConfig(businessEnvSchema, env);
  const wechat = wechatApiConfigFromEnv(env);
  const accountTypes = Object.fromEntries(
    e.MPSTACK_ACCOUNT_TYPES.split(',')
      .filter((entry) => entry.trim() !== '')
      .map((entry) => entry.trim().split(':') as [string, AccountType]),
  );
  return Object.freeze({
    port: e.MPSTACK_BUSINESS_PORT,
    ...commonConfigOf(e),
    push: {
      prefetch: e.MPSTACK_PUSH_PREFETCH,
      chunkSize: e.MPSTACK_PUSH_CHUNK,
      batchSize: e.MPSTACK_PUSH_BATCH,
      leaseMs: e.MPSTACK_PUSH_LEASE_MS,
      maxRecipients: e.MPSTACK_PUSH_MAX_RECIPIENTS,
      stallMs: e.MPSTACK_PUSH_STALL_MS,
      expectedRate: expectedRateOf(wechat.rates.template, e.MPSTACK_PUSH_EXPECTED_RATE),
      unlimitedRate: e.MPSTACK_PUSH_EXPECTED_RATE,
    },
    sendPrefetch: e.MPSTACK_SEND_PREFETCH,
    receiptPrefetch: e.MPSTACK_RECEIPT_PREFETCH,
    tickMs: e.MPSTACK_BUSINESS_TICK_MS,
    accountTypes,
    mail: { smtpUrl: e.MPSTACK_SMTP_URL, to: e.MPSTACK_OPERATOR_EMAIL, from: e.MPSTACK_MAIL_FROM },
    publicUrl: e.MPSTACK_BUSINESS_PUBLIC_URL,
    consoleUrl: e.MPSTACK_CONSOLE_URL,
    traceSampleRatio: e.MPSTACK_TRACE_SAMPLE_RATIO,
    wechat,
  });
}

/** The sends per second of a template bucket, or `fallback` when it is off. */
export function expectedRateOf(limit: RateSetting, fallback: number): number {
  return limit === 'off' ? fallback : limit.perSecond;
}
