import type { SimAccount } from './types.js';

/**
 * The simulated accounts, looked up by AppID (the API) or short id (the phone, `/_sim`). The
 * AppSecret can change at run time (a reset in the MP console), so callers look an account
 * up on each use instead of keeping it.
 */
export class AccountDirectory {
  private current: SimAccount[];

  constructor(private readonly configured: readonly SimAccount[]) {
    this.current = [...configured];
  }

  list(): readonly SimAccount[] {
    return this.current;
  }

  byAppId(appId: string): SimAccount | undefined {
    return this.current.find((account) => account.appId === appId);
  }

  byId(id: string): SimAccount | undefined {
    return this.current.find((account) => account.id === id);
  }

  /** Replaces the account's AppSecret; undefined for an unknown account. */
  setSecret(appId: string, appSecret: string): SimAccount | undefined {
    return this.update(appId, { appSecret });
  }

  /** Replaces the account's 网页授权域名 (undefined: no check). */
  setOAuthDomains(appId: string, oauthDomains: readonly string[] | undefined): SimAccount | undefined {
    const account = this.byAppId(appId);
    if (account === undefined) return undefined;
    const { oauthDomains: _previous, ...rest } = account;
    return this.update(appId, oauthDomains === undefined ? rest : { ...rest, oauthDomains }, true);
  }

  private update(appId: string, changes: Partial<SimAccount>, isWhole = false): SimAccount | undefined {
    const index = this.current.findIndex((account) => account.appId === appId);
    const account = this.current[index];
    if (account === undefined) return undefined;
    const updated = isWhole ? (changes as SimAccount) : { ...account, ...changes };
    this.current = this.current.map((candidate, i) => (i === index ? updated : candidate));
    return updated;
  }

  /** Back to the configured accounts (their original secrets). */
  reset(): void {
    this.current = [...this.configured];
  }
}
