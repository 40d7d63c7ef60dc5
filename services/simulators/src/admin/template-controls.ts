import express, { type Request, type Response, type Router } from 'express';
import { WxApiError } from '../http/wx-errors.js';
import type { SimulatorState } from '../simulator-state.js';
import { newTemplateId, templateFromLibrary, templateLibrary } from '../template/template-library.js';
import type { SimAccount, SimTemplate } from '../types.js';

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Keywords from JSON (an array) or the index page's form (one per line). */
function keywordList(value: unknown): unknown {
  return typeof value === 'string'
    ? value
        .split(/\r?\n|,/)
        .map((name) => name.trim())
        .filter(Boolean)
    : value;
}

/**
 * A template from a control body: `{ fromLibrary, keywords? }` adds one from the library as
 * api_add_template would; otherwise `{ title, content, templateId?, example?, primaryIndustry?,
 * deputyIndustry? }` is taken as written (content with `{{key.DATA}}` placeholders).
 */
function templateOf(body: Record<string, unknown>): SimTemplate | string {
  const id = text(body.templateId) ?? newTemplateId();
  const shortId = text(body.fromLibrary);
  if (shortId !== undefined) {
    try {
      return templateFromLibrary(shortId, keywordList(body.keywords), id);
    } catch (error) {
      return error instanceof WxApiError && error.errcode === 40246
        ? `keywords must be some of the library template's keywords`
        : `no library template ${shortId}; see GET /_sim/template-library`;
    }
  }
  const title = text(body.title);
  const content = text(body.content);
  if (title === undefined || content === undefined || !/\{\{\s*\w+\.DATA\s*\}\}/.test(content)) {
    return 'a template needs a title and content with {{key.DATA}} placeholders (or fromLibrary)';
  }
  return {
    templateId: id,
    title,
    content,
    example: text(body.example) ?? '',
    primaryIndustry: text(body.primaryIndustry) ?? 'IT科技',
    deputyIndustry: text(body.deputyIndustry) ?? '通信与运营商',
  };
}

/** A form post from the index page is answered with a redirect back to it; JSON otherwise. */
function isForm(req: Request): boolean {
  return req.is('application/x-www-form-urlencoded') !== false;
}

/**
 * `/_sim` template controls: list, add (as written or from the library), delete — what the
 * MP console's 模板消息 page does. The index page's forms post here.
 */
export function addTemplateControls(
  router: Router,
  state: SimulatorState,
  accountOf: (req: Request, res: Response) => SimAccount | undefined,
): void {
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.get('/_sim/template-library', (_req: Request, res: Response) => {
    res.json({ library: templateLibrary });
  });

  router.get('/_sim/accounts/:account/templates', (req: Request, res: Response) => {
    const account = accountOf(req, res);
    if (account !== undefined) res.json({ templates: state.templates.templatesOf(account.appId) });
  });

  router.post('/_sim/accounts/:account/templates', form, (req: Request, res: Response) => {
    const account = accountOf(req, res);
    if (account === undefined) return;
    const template = templateOf(isRecord(req.body) ? req.body : {});
    if (typeof template === 'string') {
      fail(res, 400, 'bad_request', template);
      return;
    }
    if (!state.templates.addTemplate(account.appId, template)) {
      fail(res, 409, 'conflict', 'the account already has 25 templates (WeChat: 45026)');
      return;
    }
    if (isForm(req)) res.redirect(303, `/#templates-${encodeURIComponent(account.id)}`);
    else res.status(201).json({ template });
  });

  const remove = (req: Request, res: Response): void => {
    const account = accountOf(req, res);
    if (account === undefined) return;
    const templateId = String(req.params.templateId);
    if (!state.templates.deleteTemplate(account.appId, templateId)) {
      fail(res, 404, 'not_found', `no template ${templateId}`);
      return;
    }
    if (isForm(req)) res.redirect(303, `/#templates-${encodeURIComponent(account.id)}`);
    else res.json({ deleted: templateId });
  };
  router.delete('/_sim/accounts/:account/templates/:templateId', remove);
  // HTML forms cannot send DELETE.
  router.post('/_sim/accounts/:account/templates/:templateId/delete', form, remove);
}
