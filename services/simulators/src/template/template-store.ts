import type { CallbackOutcome } from '../callbacks/callback-state.js';
import { IdempotencyMap } from '../shared/idempotency-map.js';
import { QuotaCounter } from '../shared/quota-counter.js';
import type { SimTemplate } from '../types.js';

/** One accepted template send and what happened to its delivery event. */
export interface TemplateSendRecord extends CallbackOutcome {
  readonly msgid: number;
  readonly appId: string;
  readonly openid: string;
  readonly templateId: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly at: number;
  /** The `Status` the delivery event carries. */
  readonly status: 'success' | 'failed:user block';
}

/** "≤ 25 templates in use" (PROTOCOL.md, Template messages); one more is 45026. */
export const maxTemplatesInUse = 25;

/**
 * Each account's private templates (模板库 → 我的模板), the template sends, their daily quota
 * and the msgid per `appId:openid:client_msg_id`.
 */
export class TemplateStore {
  private readonly sends: TemplateSendRecord[] = [];
  private readonly privateTemplates = new Map<string, SimTemplate[]>();
  readonly quota = new QuotaCounter();
  readonly clientIds = new IdempotencyMap<number>();

  add(record: TemplateSendRecord): void {
    this.sends.push(record);
  }

  list(appId?: string): readonly TemplateSendRecord[] {
    return this.sends.filter((record) => appId === undefined || record.appId === appId);
  }

  /** The account's templates in the order they were added. */
  templatesOf(appId: string): readonly SimTemplate[] {
    return this.privateTemplates.get(appId) ?? [];
  }

  template(appId: string, templateId: string): SimTemplate | undefined {
    return this.templatesOf(appId).find((template) => template.templateId === templateId);
  }

  /** Adds (or replaces, same id) a template; false when the account already has 25 others. */
  addTemplate(appId: string, template: SimTemplate): boolean {
    const others = this.templatesOf(appId).filter((t) => t.templateId !== template.templateId);
    if (others.length >= maxTemplatesInUse) return false;
    const existing = this.templatesOf(appId);
    const index = existing.findIndex((t) => t.templateId === template.templateId);
    const next = index < 0 ? [...existing, template] : existing.map((t, i) => (i === index ? template : t));
    this.privateTemplates.set(appId, next);
    return true;
  }

  deleteTemplate(appId: string, templateId: string): boolean {
    const existing = this.templatesOf(appId);
    const next = existing.filter((template) => template.templateId !== templateId);
    this.privateTemplates.set(appId, next);
    return next.length !== existing.length;
  }

  reset(): void {
    this.sends.length = 0;
    this.privateTemplates.clear();
    this.quota.reset();
    this.clientIds.clear();
  }
}
