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

/** How many of the latest template sends (all accounts) the store keeps whole, by default. */
export const defaultKeptTemplateSends = 20_000;

/** An account's template sends since the last reset: how many, and how many per openid. */
export interface TemplateSendCounts {
  readonly total: number;
  readonly perOpenid: ReadonlyMap<string, number>;
}

interface Counts {
  total: number;
  readonly perOpenid: Map<string, number>;
}

/**
 * Each account's private templates (模板库 → 我的模板), the template sends, their daily quota
 * and the msgid per `appId:openid:client_msg_id`.
 *
 * The sends are kept whole (their request, their delivery event's outcome) only for the latest
 * `keptSends` of them, and counted per account and openid for as long as the simulator runs: a
 * push to 1,000,000 followers kept ~1 KB a send (and the heap needed 8 GB), while the exactly-once
 * checks only need the counts.
 */
export class TemplateStore {
  /** The latest sends, oldest first from `nextSlot` once full (a ring). */
  private readonly sends: TemplateSendRecord[] = [];
  private nextSlot = 0;
  private readonly counts = new Map<string, Counts>();
  private readonly privateTemplates = new Map<string, SimTemplate[]>();
  readonly quota = new QuotaCounter();
  readonly clientIds = new IdempotencyMap<number>();

  constructor(private readonly keptSends: number = defaultKeptTemplateSends) {}

  add(record: TemplateSendRecord): void {
    if (this.sends.length < this.keptSends) {
      this.sends.push(record);
    } else if (this.keptSends > 0) {
      this.sends[this.nextSlot] = record;
      this.nextSlot = (this.nextSlot + 1) % this.keptSends;
    }
    let counts = this.counts.get(record.appId);
    if (counts === undefined) {
      counts = { total: 0, perOpenid: new Map() };
      this.counts.set(record.appId, counts);
    }
    counts.total += 1;
    counts.perOpenid.set(record.openid, (counts.perOpenid.get(record.openid) ?? 0) + 1);
  }

  /** The latest sends kept (`keptSends` of all accounts), oldest first. */
  list(appId?: string): readonly TemplateSendRecord[] {
    const ordered =
      this.nextSlot === 0 ? this.sends : [...this.sends.slice(this.nextSlot), ...this.sends.slice(0, this.nextSlot)];
    return ordered.filter((record) => appId === undefined || record.appId === appId);
  }

  /** Every send of the account since the last reset, counted (also those no longer kept whole). */
  countsOf(appId: string): TemplateSendCounts {
    return this.counts.get(appId) ?? { total: 0, perOpenid: new Map() };
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
    this.nextSlot = 0;
    this.counts.clear();
    this.privateTemplates.clear();
    this.quota.reset();
    this.clientIds.clear();
  }
}
