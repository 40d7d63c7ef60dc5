import {
  clickEvent,
  locationMessage,
  scancodeEvent,
  scanEvent,
  subscribeEvent,
  textMessage,
  unsubscribeEvent,
  viewEvent,
} from '@mpstack/common/wechat';
import express, { type Request, type Response, Router } from 'express';
import type { ChatContent } from '../chat/chat-store.js';
import { conversationOf, sinceOf } from '../chat/conversation.js';
import type { Clock } from '../clock.js';
import { sceneValue } from '../qrcode/qrcode-store.js';
import { sendToAccount } from '../sender/send-to-account.js';
import type { DeliveryAttempt, FetchLike } from '../sender/sender.types.js';
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
  /** How the chat shows the user's action (e.g. 点击菜单「查账单」); the server words it when absent. */
  readonly label: string | undefined;
  readonly clientId: string | undefined;
}

/** WeChat openids are 28 characters of base64url; the simulator takes any such word up to 64. */
const openidPattern = /^[A-Za-z0-9_-]{1,64}$/;
const maxLabelLength = 200;

function optionalText(value: unknown, maxLength: number): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, maxLength) : undefined;
}

/** The request, or what is wrong with it in words the person at the phone reads. */
function parseRequest(body: unknown): PhoneRequest | { readonly problem: string } {
  if (body === null || typeof body !== 'object') return { problem: '请求格式不对：需要 JSON 对象' };
  const { action = 'text', openid, content = '', eventKey = '', label, clientId } = body as Record<string, unknown>;
  if (typeof openid !== 'string' || openid.trim() === '')
    return { problem: '请先填写用户 openid（用户在这个公众号下的标识）' };
  if (!openidPattern.test(openid)) return { problem: 'openid 只能包含字母、数字、_ 和 -，最长 64 个字符' };
  if (!phoneActions.includes(action as PhoneAction)) return { problem: `不支持的操作：${String(action)}` };
  return {
    action: action as PhoneAction,
    openid,
    content: String(content),
    eventKey: String(eventKey),
    label: optionalText(label, maxLabelLength),
    clientId: optionalText(clientId, 64),
  };
}

/** How the chat shows an action of the user (a text is shown as itself). */
function actionLabel(request: PhoneRequest): string {
  switch (request.action) {
    case 'text':
      return request.content;
    case 'subscribe':
      return '关注了公众号';
    case 'unsubscribe':
      return '取消关注了公众号';
    case 'click':
      return `点击菜单 ${request.eventKey}`;
    case 'view':
      return `打开 ${request.eventKey}`;
    case 'scancode_push':
    case 'scancode_waitmsg':
      return `扫一扫：${request.content}`;
    case 'scan':
    case 'qrscan':
      return '扫描二维码';
    case 'location':
      return '发送了位置：广州市天河区';
  }
}

/** What a user who does not follow the account may still do: follow, directly or by scanning a code. */
const actionsWithoutFollowing: ReadonlySet<PhoneAction> = new Set(['subscribe', 'qrscan']);

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

type SendCheck =
  | { readonly account: SimAccount; readonly request: PhoneRequest; readonly xml: string }
  | { readonly status: number; readonly error: { readonly code: string; readonly message: string } };

/** What the phone asked to send, as the XML WeChat would push, or why it cannot be sent. */
function checkSend(deps: PhoneRouterDeps, body: unknown): SendCheck {
  const { state } = deps;
  const fail = (status: number, code: string, message: string): SendCheck => ({ status, error: { code, message } });
  const accountId = String((body as Record<string, unknown> | undefined)?.account ?? '');
  const account = state.accounts.byId(accountId);
  if (account === undefined)
    return fail(400, 'bad_request', `没有这个公众号：${accountId === '' ? '（未选择）' : accountId}`);
  const request = parseRequest(body);
  if ('problem' in request) return fail(400, 'bad_request', request.problem);
  const user = state.audience.get(account.appId, request.openid);
  if (user?.isSubscribed !== true && !actionsWithoutFollowing.has(request.action)) {
    // WeChat: a user who does not follow the account cannot send it anything; the chat offers 关注.
    const message =
      user === undefined ? '你还没有关注这个公众号，关注后才能发消息' : '你已取消关注这个公众号，重新关注后才能发消息';
    return fail(409, 'not_following', message);
  }
  const xml = buildXml(state, account, request, Math.floor(deps.clock() / 1000));
  if (xml === undefined) return fail(400, 'qrcode_expired', '二维码已过期（ticket 不存在或已失效）');
  if (account.callbackUrl === undefined && deps.ingressBaseUrl === undefined) {
    return fail(409, 'no_ingress', '模拟器没有配置接收消息的服务器（ingress URL）');
  }
  return { account, request, xml };
}

/** The user's side of the exchange as the chat keeps it. */
function userEntry(request: PhoneRequest): ChatContent {
  return {
    from: 'user',
    kind: request.action === 'text' ? 'text' : 'action',
    text: request.action === 'text' ? request.content : (request.label ?? actionLabel(request)),
    ...(request.clientId === undefined ? {} : { clientId: request.clientId }),
  };
}

function deliveriesLine(deliveries: readonly DeliveryAttempt[]): string {
  const tries = deliveries.map(
    (d) => `${d.status === null ? (d.isTimedOut ? 'timeout' : 'error') : d.status} ${d.elapsedMs}ms`,
  );
  return `deliveries: ${tries.join(', ')}`;
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
    const checked = checkSend(deps, req.body);
    if ('error' in checked) {
      res.status(checked.status).json({ error: checked.error });
      return;
    }
    const { account, request, xml } = checked;
    const chat = (content: ChatContent): void => {
      state.chats.append(account.appId, request.openid, deps.clock(), content);
    };
    chat(userEntry(request));
    const report = await sendToAccount({
      url: callbackUrlOf(account, deps.ingressBaseUrl ?? ''),
      account,
      xml,
      clock: deps.clock,
      recorder: state,
      onDelivery: ({ status, elapsedMs }) =>
        state.datacube.recordCallback(account.appId, status !== null && status >= 200 && status < 300, elapsedMs),
      ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
      ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }),
    });
    const view = report.userSees;
    if (view.kind === 'reply') chat({ from: 'account', via: 'reply', reply: view.reply });
    if (view.kind === 'error') chat({ from: 'system', tone: 'error', text: view.text, detail: view.reason });
    chat({ from: 'system', tone: 'debug', text: deliveriesLine(report.deliveries) });
    res.json(report);
  });

  // Customer-service messages only (kept for older pages); the page reads the whole conversation below.
  router.get('/phone/api/inbox', (req: Request, res: Response) => {
    const account = state.accounts.byId(String(req.query.account ?? '')) ?? state.accounts.list()[0];
    const openid = String(req.query.openid ?? '');
    const messages = account === undefined ? [] : state.inboxOf(account.appId, openid, sinceOf(req));
    res.json({ messages });
  });

  // The user's conversation with the account, in order, and whether the user follows it.
  router.get('/phone/api/conversation', (req: Request, res: Response) => {
    const account = state.accounts.byId(String(req.query.account ?? ''));
    if (account === undefined) {
      res
        .status(404)
        .json({ error: { code: 'not_found', message: `没有这个公众号：${String(req.query.account ?? '')}` } });
      return;
    }
    res.json(conversationOf(state, account, String(req.query.openid ?? ''), sinceOf(req)));
  });

  return router;
}
