import { randomBytes, randomInt } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { CallbackOutcome } from '../callbacks/callback-state.js';
import type { Clock } from '../clock.js';
import { jsonBody, queryParam, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { checkContentData } from '../template/template-library.js';
import { originalIdOf, type SimAccount } from '../types.js';
import type { AudienceStore } from '../user/audience-store.js';
import { subscribePopupEvent, subscribeSentEvent } from './subscribe-events.js';
import {
  chosenKeywords,
  publicSubscribeTemplate,
  publicSubscribeTemplates,
  subscribeCategories,
  subscribeContent,
} from './subscribe-library.js';
import type { SubscribeSendRecord, SubscribeStore } from './subscribe-store.js';

export interface SubscribeDeps {
  readonly authorize: Authorize;
  readonly audience: AudienceStore;
  readonly subscribe: SubscribeStore;
  readonly clock: Clock;
  readonly callbacks: Pick<CallbackDispatcher, 'pushEvent'>;
}

/** "sceneDesc <= 15 chars (required on the OA page …)" (api.json subscribeAddTemplate). */
const maxSceneDesc = 15;
/** "limit <= 30" (api.json subscribeGetPubTemplateTitles). */
const maxTitlesLimit = 30;

const digits = /^\d+$/;

/**
 * Subscribe messages (订阅通知): the public library (getcategory, getpubtemplatetitles,
 * getpubtemplatekeywords, from subscribe-library.ts), the account's templates (addtemplate,
 * deltemplate, gettemplate) and `message/subscribe/bizsend`, which needs one acceptance of
 * the template by the follower per send ({@link answerSubscribePopup}).
 */
export function createSubscribeRouter(deps: SubscribeDeps): Router {
  const router = Router();
  addLibraryRoutes(router, deps.authorize);
  addTemplateRoutes(router, deps);
  router.post('/cgi-bin/message/subscribe/bizsend', (req: Request, res: Response) => {
    const account = deps.authorize(req);
    bizsend(deps, account, jsonBody(req));
    sendOk(res);
  });
  return router;
}

function addLibraryRoutes(router: Router, authorize: Authorize): void {
  router.get('/wxaapi/newtmpl/getcategory', (req: Request, res: Response) => {
    authorize(req);
    sendOk(res, { data: subscribeCategories });
  });

  // ids missing 200018, not comma-separated numbers (the quoted "2,616" too) 200019, start 200016,
  // limit 1–30 200017 (api.json subscribeGetPubTemplateTitles).
  router.get('/wxaapi/newtmpl/getpubtemplatetitles', (req: Request, res: Response) => {
    authorize(req);
    const ids = queryParam(req, 'ids');
    if (ids === undefined || ids === '') throw new WxApiError(200018);
    if (!/^\d+(,\d+)*$/.test(ids)) throw new WxApiError(200019);
    const start = queryParam(req, 'start');
    if (start === undefined || !digits.test(start)) throw new WxApiError(200016);
    const limit = queryParam(req, 'limit');
    if (limit === undefined || !digits.test(limit) || Number(limit) < 1 || Number(limit) > maxTitlesLimit) {
      throw new WxApiError(200017);
    }
    const categories = new Set(ids.split(',').map(Number));
    const matching = publicSubscribeTemplates.filter((template) => categories.has(template.categoryId));
    const first = Number(start);
    sendOk(res, {
      count: matching.length,
      data: matching.slice(first, first + Number(limit)).map((template) => ({
        tid: template.tid,
        title: template.title,
        type: template.type,
        categoryId: String(template.categoryId),
      })),
    });
  });

  router.get('/wxaapi/newtmpl/getpubtemplatekeywords', (req: Request, res: Response) => {
    authorize(req);
    const template = publicSubscribeTemplate(queryParam(req, 'tid'));
    sendOk(res, {
      count: template.keywords.length,
      data: template.keywords.map(({ kid, name, example, rule }) => ({ kid, name, example, rule })),
    });
  });
}

function addTemplateRoutes(router: Router, { authorize, subscribe }: SubscribeDeps): void {
  // tid 200014, kidList 200020, sceneDesc 200021, more than 25 templates 200012.
  router.post('/wxaapi/newtmpl/addtemplate', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const template = publicSubscribeTemplate(body.tid);
    const keywords = chosenKeywords(template, body.kidList);
    const { sceneDesc } = body;
    if (typeof sceneDesc !== 'string' || sceneDesc.trim() === '' || [...sceneDesc].length > maxSceneDesc) {
      throw new WxApiError(200021);
    }
    const priTmplId = randomBytes(32).toString('base64url');
    const added = subscribe.addTemplate(account.appId, {
      priTmplId,
      tid: template.tid,
      title: template.title,
      type: template.type,
      sceneDesc,
      ...subscribeContent(keywords),
    });
    if (!added) throw new WxApiError(200012);
    sendOk(res, { priTmplId });
  });

  // The reference names no errcode for an id the account lacks: the template family's 40037.
  router.post('/wxaapi/newtmpl/deltemplate', (req: Request, res: Response) => {
    const account = authorize(req);
    const { priTmplId } = jsonBody(req);
    if (typeof priTmplId !== 'string' || !subscribe.deleteTemplate(account.appId, priTmplId)) {
      throw new WxApiError(40037);
    }
    sendOk(res);
  });

  router.get('/wxaapi/newtmpl/gettemplate', (req: Request, res: Response) => {
    const account = authorize(req);
    sendOk(res, {
      data: subscribe.templatesOf(account.appId).map(({ priTmplId, title, content, example, type }) => ({
        priTmplId,
        title,
        content,
        example,
        type,
      })),
    });
  });
}

function invalid(field: string): WxApiError {
  return new WxApiError(47003, {}, `argument invalid! ${field}`);
}

/** `page` a string; `miniprogram` `{ appid, pagepath }` strings (api.json subscribeBizSend, SDK shape). */
function checkLinks(body: Readonly<Record<string, unknown>>): void {
  if (body.page !== undefined && typeof body.page !== 'string') throw invalid('page is not a string');
  const { miniprogram } = body;
  if (miniprogram === undefined) return;
  if (miniprogram === null || typeof miniprogram !== 'object' || Array.isArray(miniprogram)) {
    throw invalid('miniprogram is not an object');
  }
  const { appid, pagepath } = miniprogram as Record<string, unknown>;
  if (typeof appid !== 'string' || appid === '') throw invalid('miniprogram.appid is missing');
  if (pagepath !== undefined && typeof pagepath !== 'string') throw invalid('miniprogram.pagepath is not a string');
}

/** A MsgID like WeChat's receipts carry: 19 digits, above 2^53. */
function subscribeMsgId(): string {
  return `17${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/**
 * A bizsend: 40037 a template the account does not have (template-message ids are not
 * subscribe ids), 47003 a field missing or over its rule's limit (template-library.ts) or a bad
 * page / miniprogram, 40003 an openid the account does not know, 43101 no acceptance left (each
 * accept of a one-time template allows one send). Followers and non-followers alike receive it
 * (服务通知), so no 43004. The receipt follows as `subscribe_msg_sent_event`.
 */
function bizsend(
  { audience, subscribe, clock, callbacks }: SubscribeDeps,
  account: SimAccount,
  body: Readonly<Record<string, unknown>>,
): void {
  const templateId = body.template_id;
  const template = typeof templateId === 'string' ? subscribe.template(account.appId, templateId) : undefined;
  if (template === undefined) throw new WxApiError(40037);
  checkContentData(template.content, body.data);
  checkLinks(body);
  const { touser } = body;
  if (typeof touser !== 'string' || touser === '' || audience.get(account.appId, touser) === undefined) {
    throw new WxApiError(40003);
  }
  if (!subscribe.take(account.appId, touser, template.priTmplId)) throw new WxApiError(43101);
  const now = clock();
  const record: SubscribeSendRecord = {
    msgId: subscribeMsgId(),
    appId: account.appId,
    openid: touser,
    templateId: template.priTmplId,
    request: body,
    at: now,
    callback: 'pending',
    callbackStatuses: [],
  };
  subscribe.addSend(record);
  const xml = subscribeSentEvent(
    { from: touser, to: originalIdOf(account), createTime: Math.floor(now / 1000) },
    { templateId: template.priTmplId, msgId: record.msgId, errorCode: 0, errorStatus: 'success' },
  );
  callbacks.pushEvent(account, record, xml);
}

/** What a follower answered in one subscribe popup. */
export interface PopupAnswer {
  readonly templateId: string;
  readonly status: 'accept' | 'reject';
}

/**
 * A follower answers the subscribe popup (an H5 page's wx-open-subscribe, scene 1, or an
 * article's, scene 2): each accept is one send credit, a reject takes them all; the account
 * gets `subscribe_msg_popup_event` with one List per template. Unknown templates are refused.
 */
export function answerSubscribePopup(
  deps: Pick<SubscribeDeps, 'subscribe' | 'clock' | 'callbacks'>,
  account: SimAccount,
  openid: string,
  answers: readonly PopupAnswer[],
  scene: 1 | 2,
): CallbackOutcome | string {
  const unknown = answers.find((answer) => deps.subscribe.template(account.appId, answer.templateId) === undefined);
  if (unknown !== undefined) return `no subscribe template ${unknown.templateId}`;
  for (const answer of answers) {
    if (answer.status === 'accept') deps.subscribe.accept(account.appId, openid, answer.templateId);
    else deps.subscribe.reject(account.appId, openid, answer.templateId);
  }
  const outcome: CallbackOutcome = { callback: 'pending', callbackStatuses: [] };
  const xml = subscribePopupEvent(
    { from: openid, to: originalIdOf(account), createTime: Math.floor(deps.clock() / 1000) },
    answers.map((answer) => ({ ...answer, scene })),
  );
  deps.callbacks.pushEvent(account, outcome, xml);
  return outcome;
}
