/** What the business service answers for the console's outbound pages (services/business/src/console, templates, mass). */

export interface TemplateField {
  readonly key: string;
  readonly label: string;
}

export interface CatalogTemplate {
  readonly templateId: string;
  readonly title: string;
  readonly primaryIndustry: string;
  readonly deputyIndustry: string;
  readonly content: string;
  readonly example: string;
  readonly fields: readonly TemplateField[];
  readonly syncedAt: number;
}

export interface TemplateList {
  readonly account: string;
  readonly syncedAt?: number;
  readonly templates: readonly CatalogTemplate[];
}

export type RateSetting = { readonly perSecond: number; readonly burst: number } | 'off';

export interface TokenHealth {
  readonly isUsable: boolean;
  readonly remainingMs: number;
  readonly ageMs?: number;
  readonly isStale: boolean;
  readonly generation: number;
  readonly failure?: string;
}

export interface QuotaUsage {
  readonly api: string;
  readonly used: number;
  readonly limit: number;
  readonly day: string;
}

export interface AccountHealth {
  readonly account: string;
  readonly appId: string;
  readonly token: TokenHealth;
  readonly quotas: readonly QuotaUsage[];
  /** What paces each family's sends: the account's own rate (the accounts page's), else the deployment's. */
  readonly rates: Readonly<Record<'template' | 'kefu' | 'mass', RateSetting>>;
  /** The deployment's rates (`MPSTACK_WECHAT_RATE_*`). */
  readonly defaultRates: Readonly<Record<'template' | 'kefu' | 'mass', RateSetting>>;
  readonly hostsCoolingDown: readonly string[];
}

export type ConnectionCheck =
  | { readonly ok: true; readonly latencyMs: number; readonly token: TokenHealth }
  | {
      readonly ok: false;
      readonly latencyMs: number;
      readonly errcode?: number;
      readonly meaning?: string;
      readonly kind: string;
      readonly message: string;
    };

export interface PushEstimate {
  readonly recipients: number;
  readonly rate: RateSetting;
  readonly seconds: number | null;
  readonly quota: { readonly used: number; readonly limit: number; readonly remaining: number };
  readonly exceedsQuota: boolean;
}

export interface FollowerTag {
  readonly id: number;
  readonly name: string;
  readonly count: number;
}

export interface MassSend {
  readonly id: number;
  readonly account: string;
  readonly target: 'all' | 'tag';
  readonly tagId: number | null;
  readonly msgtype: string;
  readonly content: Readonly<Record<string, unknown>>;
  readonly state: 'scheduled' | 'sending' | 'submitted' | 'finished' | 'failed' | 'cancelled' | 'deleted';
  readonly scheduledAt: number;
  readonly msgId: string | null;
  readonly errcode: number | null;
  readonly errmsg: string | null;
  readonly finishStatus: string | null;
  readonly counts: { total: number; filter: number; sent: number; error: number } | null;
  readonly createdAt: number;
}

/** A customer-service send (services/business/src/kefu): its status and, when it failed, why. */
export interface KefuSend {
  readonly id: number;
  readonly account: string;
  readonly openId: string;
  readonly msgtype: string;
  readonly message: Readonly<Record<string, unknown>>;
  readonly status: 'queued' | 'sending' | 'sent' | 'failed' | 'unknown';
  readonly errcode: number | null;
  readonly errmsg: string | null;
  /** The local refusal (`window_closed`, `window_exhausted`, `quota_reached`): never sent. */
  readonly reason: string | null;
  readonly attempts: number;
  readonly sentAt: number | null;
  readonly createdAt: number;
}
