import { type Request, type Response, Router } from 'express';
import type { ChatStore } from '../chat/chat-store.js';
import type { Clock } from '../clock.js';
import { jsonBody, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import { requireMedia } from '../media/media-check.js';
import type { MediaStore } from '../media/media-store.js';
import type { AudienceStore } from '../user/audience-store.js';

export interface KefuRouterDeps {
  readonly authorize: Authorize;
  readonly audience: AudienceStore;
  readonly chats: ChatStore;
  readonly clock: Clock;
  /** Temporary media: an image, voice or video names a file uploaded to the account (else 40007). */
  readonly media: MediaStore;
}

const kefuTypes: ReadonlySet<string> = new Set([
  'text',
  'image',
  'voice',
  'video',
  'music',
  'news',
  'mpnews',
  'mpnewsarticle',
  'msgmenu',
  'wxcard',
  'miniprogrampage',
]);

/** "news/mpnews limited to 1 article since 2018-10-12; more → 45008" (api.json sendCustomMessage). */
export const maxKefuArticles = 1;

function articleCount(body: Record<string, unknown>): number {
  const news = body.news as { articles?: unknown } | undefined;
  return Array.isArray(news?.articles) ? news.articles.length : 0;
}

/**
 * `POST /cgi-bin/message/custom/typing` shows or hides 'typing…' (see {@link AudienceStore.setTyping});
 * `POST /cgi-bin/message/custom/send`: checks the message, then the user's kefu window
 * (45015 none open or unfollowed, 45047 quota used), and drops accepted messages into the
 * user's inbox, which the phone page shows.
 */
export function createKefuRouter({ authorize, audience, chats, clock, media }: KefuRouterDeps): Router {
  const router = Router();
  router.post('/cgi-bin/message/custom/send', (req: Request, res: Response) => {
    const account = authorize(req);
    const body = jsonBody(req);
    const { touser, msgtype } = body;
    if (typeof touser !== 'string' || touser === '') throw new WxApiError(40003);
    if (typeof msgtype !== 'string' || !kefuTypes.has(msgtype) || typeof body[msgtype] !== 'object') {
      throw new WxApiError(40008);
    }
    if (msgtype === 'news' && articleCount(body) > maxKefuArticles) throw new WxApiError(45008);
    requireMedia(media, account.appId, msgtype, body);
    const verdict = audience.consumeKefu(account.appId, touser);
    if (verdict !== 0) throw new WxApiError(verdict);
    const { touser: _recipient, ...message } = body;
    chats.deliverKefu(account.appId, touser, clock(), message);
    // "Sending an actual customer-service message cancels the indicator" (api.json customTyping).
    audience.setTyping(account.appId, touser, false);
    sendOk(res);
  });
  router.post('/cgi-bin/message/custom/typing', (req: Request, res: Response) => {
    const account = authorize(req);
    const { touser, command } = jsonBody(req);
    if (typeof touser !== 'string' || touser === '') throw new WxApiError(40003);
    if (command !== 'Typing' && command !== 'CancelTyping') throw new WxApiError(45072);
    const verdict = audience.setTyping(account.appId, touser, command === 'Typing');
    if (verdict !== 0) throw new WxApiError(verdict);
    sendOk(res);
  });
  return router;
}
