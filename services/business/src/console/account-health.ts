import { AppError, ErrorCode } from '@mpstack/common/errors';
import {
  type CredentialHealth,
  type FollowerTag,
  type QuotaUsage,
  type RateFamily,
  type RateSetting,
  WeChatApiError,
  WeChatLocalRefusal,
  WeChatUnavailableError,
} from '@mpstack/common/wechat-api';
import { type AccountClient, requireClient } from '../wechat/account-client.js';

/** An account's standing with WeChat, for the console: quotas, buckets, the shared token. */
export interface AccountHealthView {
  readonly account: string;
  readonly appId: string;
  readonly token: CredentialHealth;
  readonly quotas: readonly QuotaUsage[];
  /** What paces each family's sends: the account's own rate (the console's), else the deployment's. */
  readonly rates: Readonly<Record<RateFamily, RateSetting>>;
  /** The deployment's buckets (`MPSTACK_WECHAT_RATE_*`), for the families the account has no rate of its own. */
  readonly defaultRates: Readonly<Record<RateFamily, RateSetting>>;
  readonly hostsCoolingDown: readonly string[];
}

/** What "check connection" found: a token and an authenticated call, or the reason it failed. */
export type ConnectionCheck =
  | { readonly ok: true; readonly latencyMs: number; readonly token: CredentialHealth }
  | {
      readonly ok: false;
      readonly latencyMs: number;
      /** WeChat's errcode, when WeChat answered one (or the one a local refusal avoided). */
      readonly errcode?: number;
      readonly meaning?: string;
      readonly kind: string;
      readonly message: string;
    };

/** How long a push of `recipients` takes at the template bucket, and whether today's quota holds it. */
export interface PushEstimate {
  readonly account: string;
  readonly recipients: number;
  readonly rate: RateSetting;
  /** Seconds at the account's template rate (the burst sent at once); null when the rate is off (unbounded here). */
  readonly seconds: number | null;
  readonly quota: { readonly used: number; readonly limit: number; readonly remaining: number };
  /** More recipients than today's template quota has left: the push would pause with 45009. */
  readonly exceedsQuota: boolean;
}

const templateApi = 'sendTemplateMessage';

export class AccountHealth {
  constructor(
    private readonly options: {
      readonly client: AccountClient | undefined;
      readonly rates: Readonly<Record<RateFamily, RateSetting>>;
      readonly accountExists: (account: string) => Promise<boolean>;
      readonly now?: () => number;
    },
  ) {}

  async view(account: string): Promise<AccountHealthView> {
    const { client, appId } = await this.#resolve(account);
    const [token, quotas, rates] = await Promise.all([
      client.tokenHealth(appId),
      client.quotaUsage(appId),
      client.ratesOf(appId),
    ]);
    const hostsCoolingDown = client.hostsCoolingDown();
    return { account, appId, token, quotas, rates, defaultRates: this.options.rates, hostsCoolingDown };
  }

  /**
   * Gets the shared token (through its one writer: a reader never refreshes on its own) and
   * makes one authenticated call (`getcallbackip`), so a token WeChat refuses is found too;
   * the client's own 40001 handling replaces a refused token once, as for any call.
   */
  async check(account: string): Promise<ConnectionCheck> {
    const { client, appId } = await this.#resolve(account);
    const now = this.options.now ?? Date.now;
    const startedAt = now();
    try {
      await client.getAccessToken(appId);
      await client.call(appId, 'getCallbackIp');
      return { ok: true, latencyMs: now() - startedAt, token: await client.tokenHealth(appId) };
    } catch (error) {
      const latencyMs = now() - startedAt;
      if (error instanceof WeChatApiError) {
        return {
          ok: false,
          latencyMs,
          errcode: error.errcode,
          meaning: error.meaning,
          kind: error.kind,
          message: error.message,
        };
      }
      if (error instanceof WeChatLocalRefusal) {
        return { ok: false, latencyMs, errcode: error.errcode, kind: error.reason, message: error.message };
      }
      if (error instanceof WeChatUnavailableError) return { ok: false, latencyMs, ...refreshFailure(error.message) };
      throw error;
    }
  }

  async tags(account: string): Promise<readonly FollowerTag[]> {
    const { client, appId } = await this.#resolve(account);
    return client.getTags(appId);
  }

  async estimate(account: string, recipients: number): Promise<PushEstimate> {
    const { client, appId } = await this.#resolve(account);
    const usage = (await client.quotaUsage(appId)).find((q) => q.api === templateApi);
    const used = usage?.used ?? 0;
    const limit = usage?.limit ?? 0;
    const remaining = Math.max(0, limit - used);
    // The account's own template rate when it has one: the bucket its push will be paced by.
    const rate = (await client.ratesOf(appId)).template;
    return {
      account,
      recipients,
      rate,
      seconds: rate === 'off' ? null : Math.ceil(Math.max(0, recipients - rate.burst) / rate.perSecond),
      quota: { used, limit, remaining },
      exceedsQuota: usage !== undefined && recipients > remaining,
    };
  }

  async #resolve(account: string): Promise<{ client: AccountClient['client']; appId: string }> {
    const accounts = requireClient(this.options.client);
    if (!(await this.options.accountExists(account))) {
      throw new AppError(ErrorCode.notFound, `account "${account}" does not exist`);
    }
    return { client: accounts.client, appId: await accounts.appIdOf(account) };
  }
}

/**
 * A token the writer could not fetch reaches every reader as "unavailable" carrying the shared
 * failure reason, which the writer records as `<errcode> <meaning>` (shared-credential.ts): the
 * errcode is shown as WeChat's when it is there (40125 for a reset AppSecret, 40164 for an IP not
 * whitelisted).
 */
function refreshFailure(message: string): { kind: string; message: string; errcode?: number; meaning?: string } {
  const match = /the last refresh failed: (-?\d+) (.+)$/.exec(message);
  if (match === null) return { kind: 'unavailable', message };
  return { kind: 'token', message, errcode: Number(match[1]), meaning: match[2] as string };
}
