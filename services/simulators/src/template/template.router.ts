import { type Request, type Response, Router } from 'express';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { newTemplateId, templateFromLibrary } from './template-library.js';
import { type createTemplateSend, type TemplateSend, templateSendPath } from './template-send.js';
import type { TemplateStore } from './template-store.js';

export interface TemplateRouterDeps {
  readonly authorize: Authorize;
  readonly templates: TemplateStore;
  /** The send itself ({@link createTemplateSend}), which the hot path calls too. */
  readonly send: TemplateSend;
}

/**
 * The template routes: `message/template/send` ({@link createTemplateSend}, also served ahead
 * of Express for throughput, simulator.ts) and the template library.
 */
export function createTemplateRouter({ authorize, templates, send }: TemplateRouterDeps): Router {
  const router = Router();
  addLibraryRoutes(router, authorize, templates);
  router.post(templateSendPath, (req: Request, res: Response) => {
    const account = authorize(req);
    sendOk(res, send(account, jsonBody(req)));
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
