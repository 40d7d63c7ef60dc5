import type { Clock } from '../clock.js';
import { opaqueToken } from '../shared/ids.js';

/** A code is good for one exchange within 5 min (snsOAuth2AccessToken notes, api.json). */
export const oauthCodeLifetimeMs = 300_000;
export const snsTokenLifetimeMs = 7200_000;
/** refresh_token lives 30 days for 公众号 (snsOAuth2RefreshToken notes). */
export const refreshTokenLifetimeMs = 30 * 86_400_000;

export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo';

export interface SnsGrant {
  readonly appId: string;
  readonly openid: string;
  readonly scope: OAuthScope;
}

interface Expiring extends SnsGrant {
  readonly expiresAt: number;
}

export interface SnsTokens extends SnsGrant {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

/** Web-authorisation codes and the per-user (sns) tokens they are exchanged for. */
export class OAuthStore {
  private readonly codes = new Map<string, Expiring & { isUsed: boolean }>();
  private readonly accessTokens = new Map<string, Expiring>();
  private readonly refreshTokens = new Map<string, Expiring>();

  constructor(private readonly clock: Clock) {}

  issueCode(grant: SnsGrant): string {
    const code = opaqueToken('081').slice(0, 32);
    this.codes.set(code, { ...grant, expiresAt: this.clock() + oauthCodeLifetimeMs, isUsed: false });
    return code;
  }

  /** Exchanges a code once: 40029 unknown/expired/other app, 40163 already used. */
  exchangeCode(appId: string, code: string): SnsTokens | 40029 | 40163 {
    const entry = this.codes.get(code);
    if (entry === undefined || entry.appId !== appId || this.clock() >= entry.expiresAt) return 40029;
    if (entry.isUsed) return 40163;
    entry.isUsed = true;
    const refreshToken = opaqueToken('82');
    this.refreshTokens.set(refreshToken, { ...pick(entry), expiresAt: this.clock() + refreshTokenLifetimeMs });
    return this.issueAccess(pick(entry), refreshToken);
  }

  /** 40030 unknown refresh_token, 42002 expired. */
  refresh(appId: string, refreshToken: string): SnsTokens | 40030 | 42002 {
    const entry = this.refreshTokens.get(refreshToken);
    if (entry === undefined || entry.appId !== appId) return 40030;
    if (this.clock() >= entry.expiresAt) return 42002;
    return this.issueAccess(pick(entry), refreshToken);
  }

  /** 40001 unknown, 42001 expired. */
  checkAccess(accessToken: string): SnsGrant | 40001 | 42001 {
    const entry = this.accessTokens.get(accessToken);
    if (entry === undefined) return 40001;
    if (this.clock() >= entry.expiresAt) return 42001;
    return pick(entry);
  }

  reset(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }

  private issueAccess(grant: SnsGrant, refreshToken: string): SnsTokens {
    const accessToken = opaqueToken('83');
    this.accessTokens.set(accessToken, { ...grant, expiresAt: this.clock() + snsTokenLifetimeMs });
    return { ...grant, accessToken, refreshToken, expiresIn: snsTokenLifetimeMs / 1000 };
  }
}

function pick(grant: SnsGrant): SnsGrant {
  return { appId: grant.appId, openid: grant.openid, scope: grant.scope };
}
