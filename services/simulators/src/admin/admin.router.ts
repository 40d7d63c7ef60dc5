import { isAppError } from '@mpstack/common/errors';
import { parseXml } from '@mpstack/common/wechat';
import express, { type Request, type Response, Router } from 'express';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import { conversationOf, sinceOf } from '../chat/conversation.js';
import type { AdjustableClock } from '../clock.js';
import type { SimulatorState } from '../simulator-state.js';
import { defaultLimits, type SimAccount, type SimLimits, type SimUser } from '../types.js';
import type { InteractionKind } from '../user/audience-store.js';
import { addFaultControls } from './fault-controls.js';
import { addKfControls } from './kf-controls.js';
import { addSubscribeControls } from './subscribe-controls.js';
import { addTemplateControls } from './template-controls.js';

export interface AdminRouterDeps {
  readonly state: SimulatorState;
  /** Present only when the simulator runs on its own clock; otherwise clock moves are refused. */
  readonly adjustableClock?: AdjustableClock;
  /** The event pushes (receipts), which `/_sim/callbacks` holds and releases. */
  readonly callbacks?: Pick<CallbackDispatcher, 'hold' | 'release' | 'status' | 'pushEvent'>;
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function accountOf(state: SimulatorState, req: Request, res: Response): SimAccount | undefined {
  const key = String(req.params.account);
  const account = state.accounts.byAppId(key) ?? state.accounts.byId(key);
  if (account === undefined) fail(res, 404, 'not_found', `no simulated account ${key}`);
  return account;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function toUser(value: unknown): SimUser | undefined {
  if (!isRecord(value) || typeof value.openid !== 'string' || value.openid === '') return undefined;
  const { openid, nickname, unionid, isBlocking, wechatId } = value;
  return {
    openid,
    ...(typeof nickname === 'string' ? { nickname } : {}),
    ...(typeof unionid === 'string' ? { unionid } : {}),
    ...(typeof isBlocking === 'boolean' ? { isBlocking } : {}),
    ...(typeof wechatId === 'string' && wechatId !== '' ? { wechatId } : {}),
  };
}

/** The known, finite numeric limits of a body; anything else is ignored. */
function pickLimits(body: unknown): Partial<SimLimits> {
  if (!isRecord(body)) return {};
  const entries = Object.keys(defaultLimits)
    .map((name) => [name, body[name]] as const)
    .filter((entry): entry is readonly [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]));
  return Object.fromEntries(entries) as Partial<SimLimits>;
}

/** Test and developer controls under `/_sim`: audience, clock, inboxes, sends, reset. */
export function createAdminRouter(deps: AdminRouterDeps): Router {
  const router = Router();
  router.use('/_sim', express.json());
  addStateRoutes(router, deps);
  addAccountRoutes(router, deps.state);
  addTemplateControls(router, deps.state, (req, res) => accountOf(deps.state, req, res));
  addFaultControls(router, deps.state, (req, res) => accountOf(deps.state, req, res));
  addKfControls(router, deps.state, (req, res) => accountOf(deps.state, req, res));
  addSettingRoutes(router, deps.state);
  if (deps.callbacks !== undefined) {
    addCallbackRoutes(router, deps.callbacks);
    addSubscribeControls(router, deps.state, deps.callbacks, (req, res) => accountOf(deps.state, req, res));
  }
  return router;
}

/**
 * The event pushes' queue: `GET /_sim/callbacks` (held, waiting, in flight), `POST
 * /_sim/callbacks/hold` — receipts queue instead of being posted, as when WeChat delivers them
 * late — and `POST /_sim/callbacks/release` (they go, in order, at the usual concurrency).
 */
function addCallbackRoutes(router: Router, callbacks: NonNullable<AdminRouterDeps['callbacks']>): void {
  router.get('/_sim/callbacks', (_req: Request, res: Response) => {
    res.json(callbacks.status());
  });
  router.post('/_sim/callbacks/:action', (req: Request, res: Response) => {
    const action = String(req.params.action);
    if (action === 'hold') callbacks.hold();
    else if (action === 'release') callbacks.release();
    else {
      fail(res, 404, 'not_found', `no callback action ${action}; hold or release`);
      return;
    }
    res.json(callbacks.status());
  });
}

/** Account settings of the MP console the simulator checks against: the 网页授权域名. */
function addSettingRoutes(router: Router, state: SimulatorState): void {
  router.put('/_sim/accounts/:account/oauth-domains', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    const body: unknown = req.body;
    const domains = isRecord(body) ? body.domains : undefined;
    const isList = Array.isArray(domains) && domains.every((d) => typeof d === 'string' && /^[^\s/]+$/.test(d));
    if (domains !== null && !isList) {
      fail(
        res,
        400,
        'bad_request',
        '{ domains: ["app.example.com", "127.0.0.1:3000"] } or { domains: null } (no check)',
      );
      return;
    }
    const updated = state.accounts.setOAuthDomains(account.appId, domains === null ? undefined : (domains as string[]));
    res.json({ oauthDomains: updated?.oauthDomains ?? null });
  });
}

/** Reset, clock and limits. */
function addStateRoutes(router: Router, { state, adjustableClock }: AdminRouterDeps): void {
  router.post('/_sim/reset', (_req: Request, res: Response) => {
    state.reset();
    res.json({ ok: true });
  });

  router.get('/_sim/clock', (_req: Request, res: Response) => {
    res.json({ now: state.clock(), isAdjustable: adjustableClock !== undefined });
  });

  router.post('/_sim/clock/:action', (req: Request, res: Response) => {
    if (adjustableClock === undefined) {
      fail(res, 409, 'conflict', 'the simulator runs on an injected clock it cannot move');
      return;
    }
    const body: unknown = req.body;
    const value = isRecord(body) ? Number(req.params.action === 'set' ? body.now : body.ms) : Number.NaN;
    if (!Number.isFinite(value) || (req.params.action !== 'set' && req.params.action !== 'advance')) {
      fail(res, 400, 'bad_request', 'POST /_sim/clock/advance {ms} or /_sim/clock/set {now}');
      return;
    }
    const now = req.params.action === 'set' ? adjustableClock.set(value) : adjustableClock.advance(value);
    res.json({ now });
  });

  router.patch('/_sim/limits', (req: Request, res: Response) => {
    res.json(state.setLimits(pickLimits(req.body)));
  });
}

/** Per-account controls: followers, blocking, interactions, inboxes and sends. */
function addAccountRoutes(router: Router, state: SimulatorState): void {
  router.post('/_sim/accounts/:account/followers', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    const body: unknown = req.body;
    const raw = isRecord(body) && Array.isArray(body.users) ? body.users : [body];
    const users = raw.map(toUser);
    if (users.some((user) => user === undefined)) {
      fail(res, 400, 'bad_request', 'each user needs an openid');
      return;
    }
    const added = users.flatMap((user) => (user === undefined ? [] : [state.addFollower(account.appId, user)]));
    res.json({ users: added });
  });

  // How many tokens the account was issued and how many calls were refused for a token (40001 …):
  // what a client's token sharing is judged by.
  router.get('/_sim/accounts/:account/tokens', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    res.json(state.tokens.stats(account.appId));
  });

  router.post('/_sim/accounts/:account/users/:openid/blocking', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    const body: unknown = req.body;
    const isBlocking = !isRecord(body) || body.isBlocking !== false;
    res.json(state.setBlocking(account.appId, String(req.params.openid), isBlocking));
  });

  router.post('/_sim/accounts/:account/users/:openid/interactions', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    const body: unknown = req.body;
    const kind: InteractionKind = isRecord(body) && body.kind === 'event' ? 'event' : 'message';
    state.recordInteraction(account.appId, String(req.params.openid), kind);
    res.json({ ok: true, kind });
  });

  // What a user did outside the simulator (e.g. `mpstack sim send`): the plaintext XML the user's
  // action produced, so the simulator learns what WeChat would — follow state, kefu windows.
  router.post(
    '/_sim/accounts/:account/inbound',
    express.text({ type: () => true, limit: '64kb' }),
    (req: Request, res: Response) => {
      const account = accountOf(state, req, res);
      if (account === undefined) return;
      try {
        const fields = parseXml(typeof req.body === 'string' ? req.body : '');
        if (!fields.FromUserName || !fields.MsgType) {
          fail(res, 400, 'bad_request', 'the message needs FromUserName and MsgType');
          return;
        }
        state.recordInbound(account.appId, fields);
        res.json({ recorded: true, openid: fields.FromUserName, msgType: fields.MsgType });
      } catch (error) {
        fail(res, 400, 'bad_request', isAppError(error) ? error.message : 'the body must be the plaintext message XML');
      }
    },
  );

  router.get('/_sim/accounts/:account/inbox/:openid', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    res.json({ messages: state.inboxOf(account.appId, String(req.params.openid), sinceOf(req)) });
  });

  // The user's whole conversation (what they sent, passive replies, customer-service messages), in order.
  router.get('/_sim/accounts/:account/chat/:openid', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    res.json(conversationOf(state, account, String(req.params.openid), sinceOf(req)));
  });

  // The latest sends whole (the simulator keeps a bounded number), and how many there were in all.
  router.get('/_sim/accounts/:account/template-sends', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    res.json({ sends: state.templateSends(account.appId), total: state.templateSendCounts(account.appId).total });
  });

  // Every send since the last reset counted per openid: what exactly-once checks compare.
  router.get('/_sim/accounts/:account/template-sends/per-openid', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account === undefined) return;
    const { total, perOpenid } = state.templateSendCounts(account.appId);
    res.json({ total, perOpenid: Object.fromEntries(perOpenid) });
  });

  router.get('/_sim/accounts/:account/mass-sends', (req: Request, res: Response) => {
    const account = accountOf(state, req, res);
    if (account !== undefined) res.json({ sends: state.massSends(account.appId) });
  });
}
