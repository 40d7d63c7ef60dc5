import { type Request, type Response, Router } from 'express';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { Clock } from '../clock.js';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { beijingDay, numericId } from '../shared/ids.js';
import type { SimAccount, SimLimits } from '../types.js';
import type { AudienceStore } from '../user/audience-store.js';
import type { TemplateSendRecord, TemplateStore } from './template-store.js';

export interface TemplateRouterDeps {
  readonly authorize: Authorize;
  readonly audience: AudienceStore;
  readonly templates: TemplateStore;
  readonly limits: () => SimLimits;
  readonly clock: Clock;
  readonly callbacks: CallbackDispatcher;
}

/** "对于同一个 openid + client_msg_id，只发送一条消息，10 分钟有效" (template send doc). */
export const templateClientMsgIdWindowMs = 600_000;

function recipient(audience: AudienceStore, account: SimAccount, touser: unknown): string {
  if (typeof touser !== 'string' || touser === '') throw new WxApiError(40003);
  const user = audience.get(account.appId, touser);
  if (user === undefined) throw new WxApiError(40003);
  if (!user.isSubscribed) throw new WxApiError(43004);
  return touser;
}

/**
 * `POST /cgi-bin/message/template/send`: 40037 unknown template, 40003 unknown openid,
 * 43004 not following, 45009 past the daily quota. A repeated `client_msg_id` for the same
 * user within 10 min returns the first msgid without sending again. The delivery result
 * follows as a `TEMPLATESENDJOBFINISH` push to the account's callback URL.
 */
export function createTemplateRouter({
  authorize,
  audience,
  templates,
  limits,
  clock,
  callbacks,
}: TemplateRouterDeps): Router {
  const router = Router();
  router.post('/cgi-bin/message/template/send', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || !(account.templateIds ?? []).includes(templateId)) {
      throw new WxApiError(40037);
    }
    const openid = recipient(audience, account, body.touser);
    const now = clock();
    const clientKey =
      typeof body.client_msg_id === 'string' && body.client_msg_id !== ''
        ? `${account.appId}:${openid}:${body.client_msg_id}`
        : undefined;
    const earlier =
      clientKey === undefined ? undefined : templates.clientIds.find(clientKey, now, templateClientMsgIdWindowMs);
    if (earlier !== undefined) {
      sendOk(res, { msgid: earlier.value });
      return;
    }
    const { templateDailyQuota } = limits();
    if (!templates.quota.take(`template:${account.appId}`, beijingDay(now), templateDailyQuota)) {
      throw new WxApiError(45009);
    }
    const user = audience.get(account.appId, openid);
    const record: TemplateSendRecord = {
      msgid: numericId(),
      appId: account.appId,
      openid,
      templateId,
      request: body,
      at: now,
      status: user?.isBlocking === true ? 'failed:user block' : 'success',
      callback: 'pending',
      callbackStatuses: [],
    };
    templates.add(record);
    if (clientKey !== undefined) templates.clientIds.remember(clientKey, record.msgid, now);
    sendOk(res, { msgid: record.msgid });
    callbacks.templateFinished(account, record);
  });
  return router;
}
