import type { Logger } from '@mpstack/common/logging';
import { decodeAesKey } from '@mpstack/common/wechat';
import type { Account, AccountSource } from './account.types.js';

export interface AccountRegistryOptions {
  readonly load: () => Promise<readonly AccountSource[]>;
  readonly logger: Logger;
}

/**
 * Every account of this deployment, held in memory so the webhook does no database round
 * trip per request. Reloaded on an invalidation message (pub/sub, any replica) and
 * periodically as a safety net.
 */
export class AccountRegistry {
  private accounts = new Map<string, Account>();
  private reloadedAt: number | undefined;

  constructor(private readonly options: AccountRegistryOptions) {}

  get(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  get size(): number {
    return this.accounts.size;
  }

  has(id: string): boolean {
    return this.accounts.has(id);
  }

  /** When the last reload finished (ms since the epoch); undefined before the first. */
  get lastReloadAt(): number | undefined {
    return this.reloadedAt;
  }

  async reload(): Promise<void> {
    const sources = await this.options.load();
    const next = new Map<string, Account>();
    for (const source of sources) {
      try {
        next.set(source.id, toAccount(source));
      } catch (error) {
        this.options.logger.error({ account: source.id, err: error }, 'account skipped: invalid EncodingAESKey');
      }
    }
    this.accounts = next;
    this.reloadedAt = Date.now();
  }
}

export function toAccount(source: AccountSource): Account {
  const keys = [source.encodingAesKey, source.previousEncodingAesKey]
    .filter((key): key is string => key !== undefined && key !== '')
    .map(decodeAesKey);
  return Object.freeze({
    id: source.id,
    appId: source.appId,
    token: source.token,
    mode: source.encryptMode,
    aesKeys: Object.freeze(keys),
    disabled: source.disabled === true,
  });
}
