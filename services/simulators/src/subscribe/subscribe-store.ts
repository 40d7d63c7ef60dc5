import type { CallbackOutcome } from '../callbacks/callback-state.js';

/** One of an account's private subscribe templates (我的模板 of 订阅通知). */
export interface SubscribeTemplate {
  readonly priTmplId: string;
  readonly tid: number;
  readonly title: string;
  readonly content: string;
  readonly example: string;
  readonly type: 2 | 3;
  readonly sceneDesc: string;
}

/** One accepted bizsend and what happened to its `subscribe_msg_sent_event`. */
export interface SubscribeSendRecord extends CallbackOutcome {
  /** 19 digits, above 2^53 as WeChat's are (api.json events: keep it a string). */
  readonly msgId: string;
  readonly appId: string;
  readonly openid: string;
  readonly templateId: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly at: number;
}

/**
 * "Private template cap: mini-program doc says 25 (200012); a Senparc enum text says 50 -
 * uncertain" (api.json subscribeAddTemplate): the simulator keeps the official doc's 25.
 */
export const maxSubscribeTemplates = 25;

/** How many of the latest bizsends (all accounts) the store keeps. */
const keptSends = 10_000;

/**
 * Each account's private subscribe templates, each follower's acceptances (one send credit per
 * "accept" of a one-time template: api.json subscribe_msg_popup_event) and the bizsends.
 */
export class SubscribeStore {
  private readonly templates = new Map<string, SubscribeTemplate[]>();
  /** Credits by `appId\nopenid\npriTmplId`. */
  private readonly credits = new Map<string, number>();
  private sends: SubscribeSendRecord[] = [];

  templatesOf(appId: string): readonly SubscribeTemplate[] {
    return this.templates.get(appId) ?? [];
  }

  template(appId: string, priTmplId: string): SubscribeTemplate | undefined {
    return this.templatesOf(appId).find((template) => template.priTmplId === priTmplId);
  }

  /** False when the account already has {@link maxSubscribeTemplates}. */
  addTemplate(appId: string, template: SubscribeTemplate): boolean {
    const list = this.templates.get(appId) ?? [];
    if (list.length >= maxSubscribeTemplates) return false;
    list.push(template);
    this.templates.set(appId, list);
    return true;
  }

  /** False when the account has no such template; its followers' credits for it go too. */
  deleteTemplate(appId: string, priTmplId: string): boolean {
    const list = this.templates.get(appId) ?? [];
    const index = list.findIndex((template) => template.priTmplId === priTmplId);
    if (index < 0) return false;
    list.splice(index, 1);
    const suffix = `\n${priTmplId}`;
    for (const key of [...this.credits.keys()]) {
      if (key.startsWith(`${appId}\n`) && key.endsWith(suffix)) this.credits.delete(key);
    }
    return true;
  }

  /** The follower accepted the template once more: one more send. */
  accept(appId: string, openid: string, priTmplId: string): number {
    const key = `${appId}\n${openid}\n${priTmplId}`;
    const credits = (this.credits.get(key) ?? 0) + 1;
    this.credits.set(key, credits);
    return credits;
  }

  /** The follower refused (or turned the template off): no send until accepted again. */
  reject(appId: string, openid: string, priTmplId: string): void {
    this.credits.delete(`${appId}\n${openid}\n${priTmplId}`);
  }

  creditsOf(appId: string, openid: string, priTmplId: string): number {
    return this.credits.get(`${appId}\n${openid}\n${priTmplId}`) ?? 0;
  }

  /** Takes one send credit; false when there is none (43101). */
  take(appId: string, openid: string, priTmplId: string): boolean {
    const key = `${appId}\n${openid}\n${priTmplId}`;
    const credits = this.credits.get(key) ?? 0;
    if (credits <= 0) return false;
    if (credits === 1) this.credits.delete(key);
    else this.credits.set(key, credits - 1);
    return true;
  }

  addSend(record: SubscribeSendRecord): void {
    this.sends.push(record);
    if (this.sends.length > keptSends) this.sends = this.sends.slice(-keptSends);
  }

  sendsOf(appId: string): readonly SubscribeSendRecord[] {
    return this.sends.filter((send) => send.appId === appId);
  }

  reset(): void {
    this.templates.clear();
    this.credits.clear();
    this.sends = [];
  }
}
