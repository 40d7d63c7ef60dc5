import { type AccountSendLimits, decodeAccountSendLimits } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';

/**
 * Each account's own send limits (`accounts.send_limits`) by AppID, as the WeChat client asks
 * for them at every flow-controlled call: read once and kept until the console announces a
 * change of any account (`forget`, on the accounts channel — heard within milliseconds, so
 * every replica's buckets follow at their next token) or for `maxAgeMs`, the backstop for an
 * announcement lost while Redis was away (the ingress reloads its accounts as often).
 */
export class AccountLimitsCache {
  readonly #entries = new Map<
    string,
    { readonly at: number; readonly limits: Promise<AccountSendLimits | undefined> }
  >();

  constructor(
    private readonly options: {
      readonly db: Db;
      readonly logger?: Logger;
      readonly maxAgeMs?: number;
      readonly now?: () => number;
    },
  ) {}

  /** The account's own limits; undefined when it has none (the deployment's apply). */
  of(appId: string): Promise<AccountSendLimits | undefined> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.#entries.get(appId);
    if (cached !== undefined && now - cached.at < (this.options.maxAgeMs ?? 60_000)) return cached.limits;
    const limits = this.#load(appId);
    this.#entries.set(appId, { at: now, limits });
    limits.catch(() => this.#entries.delete(appId));
    return limits;
  }

  /** An account changed (its limits, or its AppID: the AppID it had is not known here): read all again. */
  forget(): void {
    this.#entries.clear();
  }

  async #load(appId: string): Promise<AccountSendLimits | undefined> {
    const row = await this.options.db
      .selectFrom('accounts')
      .select(['id', 'send_limits'])
      .where('app_id', '=', appId)
      .executeTakeFirst();
    try {
      return decodeAccountSendLimits(row?.send_limits);
    } catch (error) {
      // Written around the console (by hand): the deployment's limits rather than none at all.
      this.options.logger?.warn(
        { err: error, account: row?.id },
        "the account's send limits do not parse; the deployment's rates and quotas apply",
      );
      return undefined;
    }
  }
}
