import express, { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import { sceneValue } from '../qrcode/qrcode-store.js';
import {
  clickEvent,
  locationMessage,
  scancodeEvent,
  scanEvent,
  subscribeEvent,
  textMessage,
  unsubscribeEvent,
  viewEvent,
} from '../sender/message-builders.js';
import { sendToAccount } from '../sender/send-to-account.js';
import type { FetchLike } from '../sender/sender.types.js';
import type { SimulatorState } from '../simulator-state.js';
import { callbackUrlOf, originalIdOf, type SimAccount } from '../types.js';
import { phonePage } from './phone-page.js';

export interface PhoneRouterDeps {
  readonly state: SimulatorState;
  readonly clock: Clock;
  /** The ingress the phone talks to: messages go to `<ingressBaseUrl>/wx/<account id>`. */
  readonly ingressBaseUrl?: string;
  /** Per-delivery timeout (WeChat: 5 s). */
  readonly timeoutMs?: number;
  readonly fetchImpl?: FetchLike;
}

/** What the phone can do; each maps to the XML a real phone would cause WeChat to push. */
export const phoneActions = [
  'text',
  'subscribe',
  'unsubscribe',
  'click',
  'view',
  'scancode_push',
  'scancode_waitmsg',
  'scan',
  'qrscan',
  'location',
] as const;
export type PhoneAction = (typeof phoneActions)[number];

interface PhoneRequest {
  readonly action: PhoneAction;
  readonly openid: string;
  readonly content: string;
  readonly eventKey: string;
}

function parseRequest(body: unknown): PhoneRequest | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { action = 'text', openid, content = '', eventKey = '' } = body as Record<string, unknown>;
  if (typeof openid !== 'string' || openid === '' || !phoneActions.includes(action as PhoneAction)) return undefined;
  return { action: action as PhoneAction, openid, content: String(content), eventKey: String(eventKey) };
}

/**
 * Scanning a parametric QR code (`content` = its ticket): a user who does not follow yet gets
 * the follow prompt and follows — `subscribe` with `EventKey` `qrscene_<scene>` — a follower
 * gets `SCAN` with the raw scene; both carry the `Ticket`. Undefined for an unknown or expired
 * ticket (WeChat shows the user the code has expired and pushes nothing).
 */
function qrScanXml(state: SimulatorState, account: SimAccount, request: PhoneRequest, createTime: number) {
  const code = state.qrcodes.resolve(request.content.trim());
  if (code === undefined || code.appId !== account.appId) return undefined;
  const parties = { from: request.openid, to: originalIdOf(account), createTime };
  const scene = sceneValue(code.scene);
  return state.audience.get(account.appId, request.openid)?.isSubscribed === true
    ? scanEvent({ ...parties, scene, ticket: code.ticket })
    : subscribeEvent({ ...parties, scene, ticket: code.ticket });
}

function buildXml(state: SimulatorState, account: SimAccount, request: PhoneRequest, createTime: number) {
  const parties = { from: request.openid, to: originalIdOf(account), createTime };
  switch (request.action) {
    case 'qrscan':
      return qrScanXml(state, account, request, createTime);
    case 'text':
      return textMessage({ ...parties, content: request.content });
    case 'subscribe':
      return request.eventKey === ''
        ? subscribeEvent(parties)
        : subscribeEvent({ ...parties, scene: request.eventKey });
    case 'unsubscribe':
      return unsubscribeEvent(parties);
    case 'click':
      return clickEvent({ ...parties, eventKey: request.eventKey });
    case 'view':
      return viewEvent({ ...parties, url: request.eventKey });
    case 'scancode_push':
    case 'scancode_waitmsg':
      return scancodeEvent({
        ...parties,
        event: request.action,
        eventKey: request.eventKey,
        scanResult: request.content,
      });
    case 'scan':
      return scanEvent({ ...parties, scene: request.eventKey });
    case 'location':
      return locationMessage({ ...parties, latitude: 23.134521, longitude: 113.358803, label: '广州市天河区' });
  }
}

/** A summary of one account for the page: users, the menu and the QR codes that can be scanned. */
function describeAccount(state: SimulatorState, account: SimAccount): Record<string, unknown> {
  const menu = state.menus.get(account.appId).menu;
  return {
    id: account.id,
    appId: account.appId,
    mode: account.mode,
    users: state.audience
      .list(account.appId)
      .map(({ openid, nickname, isSubscribed }) => ({ openid, nickname, isSubscribed })),
    menu: menu?.button ?? [],
    qrcodes: state.qrcodes.list(account.appId).map((code) => ({ ticket: code.ticket, scene: sceneValue(code.scene) })),
  };
}

/** `/phone`: a chat page plus the small JSON API it uses. */
export function createPhoneRouter(deps: PhoneRouterDeps): Router {
  const { state } = deps;
  const router = Router();
  router.use('/phone/api', express.json());

  router.get('/phone', (_req: Request, res: Response) => {
    res.type('text/html; charset=utf-8').send(phonePage);
  });

  router.get('/phone/api/accounts', (_req: Request, res: Response) => {
    res.json({ accounts: state.accounts.list().map((account) => describeAccount(state, account)) });
  });

  router.post('/phone/api/send', async (req: Request, res: Response) => {
    const account = state.accounts.byId(String((req.body as Record<string, unknown> | undefined)?.account ?? ''));
    const request = parseRequest(req.body);
    if (account === undefined || request === undefined) {
      res.status(400).json({
        error: {
          code: 'bad_request',
          message: `account, openid and action (${phoneActions.join('|')}) are required`,
        },
      });
      return;
    }
    const xml = buildXml(state, account, request, Math.floor(deps.clock() / 1000));
    if (xml === undefined) {
      res.status(400).json({ error: { code: 'qrcode_expired', message: '二维码已过期 (unknown or expired ticket)' } });
      return;
    }
    if (account.callbackUrl === undefined && deps.ingressBaseUrl === undefined) {
      res
        .status(409)
        .json({ error: { code: 'no_ingress', message: '模拟器没有配置接收消息的服务器 (no ingress URL)' } });
      return;
    }
    const report = await sendToAccount({
      url: callbackUrlOf(account, deps.ingressBaseUrl ?? ''),
      account,
      xml,
      clock: deps.clock,
      recorder: state,
      ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
      ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }),
    });
    res.json(report);
  });

  router.get('/phone/api/inbox', (req: Request, res: Response) => {
    const account = state.accounts.byId(String(req.query.account ?? '')) ?? state.accounts.list()[0];
    const since = Number(req.query.since ?? 0);
    const openid = String(req.query.openid ?? '');
    const messages =
      account === undefined ? [] : state.inboxOf(account.appId, openid, Number.isFinite(since) ? since : 0);
    res.json({ messages });
  });

  return router;
}
