import type { Clock } from '../clock.js';
import { beijingDay, opaqueToken } from '../shared/ids.js';
import { QuotaCounter } from '../shared/quota-counter.js';

/** force_refresh=true: "每天限用 20 次且需间隔 30 秒" (api_getstableaccesstoken, 注意事项). */
export const stableForceDailyLimit = 20;
export const stableForceMinIntervalMs = 30_000;

interface TokenRecord {
  readonly appId: string;
  readonly source: 'token' | 'stable';
  readonly expiresAt: number;
  revokedAt?: number;
}

/**
 * The token rules (`SimLimits`): lifetime 7200 s (getAccessToken doc); a superseded
 * /cgi-bin/token keeps working 5 min and stable_token renews 5 min before expiry (same
 * docs). A test shortens them to run several lifetimes in seconds.
 */
export interface TokenLimits {
  readonly tokenDailyQuota: number;
  readonly tokenLifetimeMs: number;
  readonly tokenOverlapMs: number;
}

/** What the store saw, per appid: how many tokens it issued and how many it refused. */
export interface TokenStats {
  /** Successful calls of `/cgi-bin/token` and `/cgi-bin/stable_token` (a refresh as the caller sees it). */
  fetches: number;
  /** Tokens issued by `/cgi-bin/token` and `/cgi-bin/stable_token` (a returned current token is not counted). */
  issued: number;
  /** Forced stable_token refreshes that issued a token. */
  forced: number;
  /** API calls refused by errcode (40001, 40014, 41001, 42001). */
  readonly refused: Record<number, number>;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
}

/** Why a token was refused: 41001 missing, 40014 malformed, 40001 unknown/superseded, 42001 expired. */
export type TokenCheck = { readonly appId: string } | { readonly errcode: 40001 | 40014 | 41001 | 42001 };

const wellFormed = /^[A-Za-z0-9_-]{20,1024}$/;

/**
 * Owns the base access tokens of every account. `/cgi-bin/token` and `/cgi-bin/stable_token`
 * issue from separate lineages ("与 getAccessToken 获取的调用凭证完全隔离"), but a token
 * of either kind authorises every API call.
 */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly latestToken = new Map<string, string>();
  private readonly latestStable = new Map<string, string>();
  private readonly lastForceAt = new Map<string, number>();
  private readonly tickets = new Map<string, { ticket: string; expiresAt: number }>();
  private readonly quota = new QuotaCounter();
  private readonly counts = new Map<string, TokenStats>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: () => TokenLimits,
  ) {}

  /** Issued and refused tokens of one account since the start (or the last reset). */
  stats(appId: string): TokenStats {
    let stats = this.counts.get(appId);
    if (stats === undefined) {
      stats = { fetches: 0, issued: 0, forced: 0, refused: {} };
      this.counts.set(appId, stats);
    }
    return stats;
  }

  /**
   * `/cgi-bin/token`: a new token per call; the previous one keeps working for 5 min
   * (or until its own expiry if sooner). Returns 45009 past the daily quota.
   */
  fetchToken(appId: string): IssuedToken | 45009 {
    const now = this.clock();
    const limits = this.limits();
    if (!this.quota.take(`token:${appId}`, beijingDay(now), limits.tokenDailyQuota)) return 45009;
    const previous = this.tokens.get(this.latestToken.get(appId) ?? '');
    if (previous !== undefined) previous.revokedAt = Math.min(previous.expiresAt, now + limits.tokenOverlapMs);
    const token = this.issue(appId, 'token', now);
    this.latestToken.set(appId, token);
    this.stats(appId).fetches += 1;
    return { token, expiresIn: Math.ceil(limits.tokenLifetimeMs / 1000) };
  }

  /**
   * `/cgi-bin/stable_token`. Normal mode returns the current token until 5 min before its
   * expiry, then a new one while the old stays valid to its end, so `expires_in ≥ 300`.
   * force_refresh revokes the current token at once; more than 20 a day → 45009. Within
   * 30 s of the previous forced refresh the mini-game edition of the same doc says the call
   * "不会刷新" (is not refreshed), so the current token is returned unchanged, no error.
   */
  fetchStableToken(appId: string, isForceRefresh: boolean): IssuedToken | 45009 {
    const now = this.clock();
    const current = this.currentStable(appId, now);
    if (isForceRefresh) {
      const lastForce = this.lastForceAt.get(appId);
      const isTooSoon = lastForce !== undefined && now - lastForce < stableForceMinIntervalMs;
      if (isTooSoon && current !== undefined) return this.fetched(appId, current);
      if (!this.quota.take(`stable-force:${appId}`, beijingDay(now), stableForceDailyLimit)) return 45009;
      this.lastForceAt.set(appId, now);
      this.stats(appId).forced += 1;
      const previous = this.tokens.get(this.latestStable.get(appId) ?? '');
      if (previous !== undefined) previous.revokedAt = now;
    } else if (current !== undefined && current.expiresIn > this.limits().tokenOverlapMs / 1000) {
      return this.fetched(appId, current);
    }
    const token = this.issue(appId, 'stable', now);
    this.latestStable.set(appId, token);
    this.stats(appId).fetches += 1;
    return { token, expiresIn: Math.ceil(this.limits().tokenLifetimeMs / 1000) };
  }

  /** Checks an access_token given to a protected endpoint. */
  check(token: string | undefined): TokenCheck {
    const result = this.judge(token);
    if ('errcode' in result) {
      const appId = this.tokens.get(token ?? '')?.appId ?? '';
      const { refused } = this.stats(appId);
      refused[result.errcode] = (refused[result.errcode] ?? 0) + 1;
    }
    return result;
  }

  /** The account a token was issued to (valid or not), without judging or counting the call. */
  ownerOf(token: string | undefined): string | undefined {
    return this.tokens.get(token ?? '')?.appId;
  }

  /** Revokes every token of the account at once (its AppSecret was reset): the next call gets 40001. */
  revokeAll(appId: string): void {
    const now = this.clock();
    for (const record of this.tokens.values()) {
      if (record.appId === appId && (record.revokedAt === undefined || record.revokedAt > now)) record.revokedAt = now;
    }
    this.latestToken.delete(appId);
    this.latestStable.delete(appId);
  }

  /** `getticket`: the same ticket while valid (the doc says to cache it; its quota is small). */
  ticket(appId: string, type: string): IssuedToken {
    const now = this.clock();
    const key = `${appId}:${type}`;
    let entry = this.tickets.get(key);
    if (entry === undefined || now >= entry.expiresAt) {
      entry = {
        ticket: opaqueToken('sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy'),
        expiresAt: now + this.limits().tokenLifetimeMs,
      };
      this.tickets.set(key, entry);
    }
    return { token: entry.ticket, expiresIn: Math.ceil((entry.expiresAt - now) / 1000) };
  }

  /** clear_quota: the account's daily counts (token fetches, forced stable_token refreshes) back to 0. */
  clearDaily(appId: string): void {
    this.quota.clearWhere((key) => key === `token:${appId}` || key === `stable-force:${appId}`);
  }

  reset(): void {
    for (const map of [this.tokens, this.latestToken, this.latestStable, this.lastForceAt, this.tickets]) map.clear();
    this.counts.clear();
    this.quota.reset();
  }

  private fetched(appId: string, issued: IssuedToken): IssuedToken {
    this.stats(appId).fetches += 1;
    return issued;
  }

  private judge(token: string | undefined): TokenCheck {
    if (token === undefined || token === '') return { errcode: 41001 };
    if (!wellFormed.test(token)) return { errcode: 40014 };
    const record = this.tokens.get(token);
    const now = this.clock();
    if (record === undefined || (record.revokedAt !== undefined && now >= record.revokedAt)) return { errcode: 40001 };
    if (now >= record.expiresAt) return { errcode: 42001 };
    return { appId: record.appId };
  }

  private currentStable(appId: string, now: number): IssuedToken | undefined {
    const token = this.latestStable.get(appId);
    const record = this.tokens.get(token ?? '');
    if (token === undefined || record === undefined || record.revokedAt !== undefined || now >= record.expiresAt) {
      return undefined;
    }
    return { token, expiresIn: Math.ceil((record.expiresAt - now) / 1000) };
  }

  private issue(appId: string, source: TokenRecord['source'], now: number): string {
    const token = opaqueToken(source === 'token' ? '93' : '94');
    this.tokens.set(token, { appId, source, expiresAt: now + this.limits().tokenLifetimeMs });
    this.stats(appId).issued += 1;
    return token;
  }
}
