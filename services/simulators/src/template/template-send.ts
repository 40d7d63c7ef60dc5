import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { Clock } from '../clock.js';
import { WxApiError } from '../http/wx-errors.js';
import { beijingDay, numericId } from '../shared/ids.js';
import type { SimAccount, SimLimits } from '../types.js';
import type { AudienceStore, UserRecord } from '../user/audience-store.js';
import { checkTemplateData } from './template-library.js';
import type { TemplateSendRecord, TemplateStore } from './template-store.js';

export const templateSendPath = '/cgi-bin/message/template/send';

export interface TemplateSendDeps {
  readonly audience: AudienceStore;
  readonly templates: TemplateStore;
  readonly limits: () => SimLimits;
  readonly clock: Clock;
  readonly callbacks: CallbackDispatcher;
}

/** The fields of a successful template send's answer. */
export type TemplateSent = { readonly msgid: number };

/** A template send for an authorised account and its JSON body ({@link createTemplateSend}). */
export type TemplateSend = (account: SimAccount, body: Readonly<Record<string, unknown>>) => TemplateSent;

/** "对于同一个 openid + client_msg_id，只发送一条消息，10 分钟有效" (template send doc). */
export const templateClientMsgIdWindowMs = 600_000;

/** The follower a send goes to (its openid is the audience's string: the send counters share it). */
function recipient(audience: AudienceStore, account: SimAccount, touser: unknown): UserRecord {
  if (typeof touser !== 'string' || touser === '') throw new WxApiError(40003);
  const user = audience.get(account.appId, touser);
  if (user === undefined) throw new WxApiError(40003);
  if (!user.isSubscribed) throw new WxApiError(43004);
  return user;
}

/**
 * `POST /cgi-bin/message/template/send` for an authorised account and its JSON body: 40037 a
 * template the account does not have, 47003 a field missing or over its rule's limit
 * (template-library.ts), 40003 unknown openid, 43004 not following, 45009 past the daily
 * quota. A repeated `client_msg_id` for the same user within 10 min returns the first msgid
 * without sending again. The delivery result follows as a `TEMPLATESENDJOBFINISH` push to the
 * account's callback URL, scheduled to leave after the answer.
 */
export function createTemplateSend({ audience, templates, limits, clock, callbacks }: TemplateSendDeps): TemplateSend {
  return (account, body) => {
    const templateId = body.template_id;
    const template = typeof templateId === 'string' ? templates.template(account.appId, templateId) : undefined;
    if (template === undefined) throw new WxApiError(40037);
    checkTemplateData(template, body.data);
    const user = recipient(audience, account, body.touser);
    const { openid } = user;
    const now = clock();
    const clientKey =
      typeof body.client_msg_id === 'string' && body.client_msg_id !== ''
        ? `${account.appId}:${openid}:${body.client_msg_id}`
        : undefined;
    const earlier =
      clientKey === undefined ? undefined : templates.clientIds.find(clientKey, now, templateClientMsgIdWindowMs);
    if (earlier !== undefined) return { msgid: earlier.value };
    const { templateDailyQuota } = limits();
    if (!templates.quota.take(`template:${account.appId}`, beijingDay(now), templateDailyQuota)) {
      throw new WxApiError(45009);
    }
    const record: TemplateSendRecord = {
      msgid: numericId(),
      appId: account.appId,
      openid,
      templateId: template.templateId,
      request: body,
      at: now,
      status: user.isBlocking ? 'failed:user block' : 'success',
      callback: 'pending',
      callbackStatuses: [],
    };
    templates.add(record);
    if (clientKey !== undefined)
      templates.clientIds.remember(clientKey, record.msgid, now, templateClientMsgIdWindowMs);
    callbacks.templateFinished(account, record);
    return { msgid: record.msgid };
  };
}
