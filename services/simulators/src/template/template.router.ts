import { type Request, type Response, Router } from 'express';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { Clock } from '../clock.js';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { beijingDay, numericId } from '../shared/ids.js';
import type { SimAccount, SimLimits } from '../types.js';
import type { AudienceStore } from '../user/audience-store.js';
import { checkTemplateData, newTemplateId, templateFromLibrary } from './template-library.js';
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
 * `POST /cgi-bin/message/template/send`: 40037 a template the account does not have, 47003 a
 * field missing or over its rule's limit (template-library.ts), 40003 unknown openid,
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
  addLibraryRoutes(router, authorize, templates);
  router.post('/cgi-bin/message/template/send', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const templateId = body.template_id;
    const template = typeof templateId === 'string' ? templates.template(account.appId, templateId) : undefined;
    if (template === undefined) throw new WxApiError(40037);
    checkTemplateData(template, body.data);
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
      templateId: template.templateId,
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

/** The industries `get_industry` reports until `api_set_industry` changes them. */
const defaultIndustry = {
  primary_industry: { first_class: 'IT科技', second_class: '通信与运营商' },
  secondary_industry: { first_class: 'IT科技', second_class: '互联网|电子商务' },
};

/**
 * The template library: `get_all_private_template`, `api_add_template` (from the simulator's
 * library, template-library.ts; 45026 past 25 templates), `del_private_template` (an id the
 * account does not have: 40037), and the industry pair, which the simulator does not check
 * templates against.
 */
function addLibraryRoutes(router: Router, authorize: Authorize, templates: TemplateStore): void {
  router.get('/cgi-bin/template/get_all_private_template', (req: Request, res: Response) => {
    const account = authorize(req);
    res.json({
      template_list: templates.templatesOf(account.appId).map((template) => ({
        template_id: template.templateId,
        title: template.title,
        primary_industry: template.primaryIndustry,
        deputy_industry: template.deputyIndustry,
        content: template.content,
        example: template.example,
      })),
    });
  });

  router.post('/cgi-bin/template/api_add_template', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const template = templateFromLibrary(body.template_id_short, body.keyword_name_list, newTemplateId());
    if (!templates.addTemplate(account.appId, template)) throw new WxApiError(45026);
    sendOk(res, { template_id: template.templateId });
  });

  router.post('/cgi-bin/template/del_private_template', (req: Request, res: Response) => {
    const account = authorize(req);
    const templateId = jsonBody(req).template_id;
    if (typeof templateId !== 'string' || !templates.deleteTemplate(account.appId, templateId)) {
      throw new WxApiError(40037);
    }
    sendOk(res);
  });

  router.get('/cgi-bin/template/get_industry', (req: Request, res: Response) => {
    authorize(req);
    res.json(defaultIndustry);
  });

  // Success only: the simulator keeps no industry (the ids are not checked against a table).
  router.post('/cgi-bin/template/api_set_industry', (req: Request, res: Response) => {
    authorize(req);
    const body = jsonBody(req);
    if (typeof body.industry_id1 !== 'string' && typeof body.industry_id1 !== 'number') throw new WxApiError(47001);
    sendOk(res);
  });
}
