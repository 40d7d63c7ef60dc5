import express, { type Express, Router } from 'express';
import { createAdminRouter } from '../admin/admin.router.js';
import type { AdjustableClock, Clock } from '../clock.js';
import type { FetchLike } from '../sender/sender.types.js';
import { SimulatorState } from '../state/simulator-state.js';
import type { SimAccount, SimLimits } from '../types.js';
import { wxErrorHandler } from './api-http.js';
import { CallbackDispatcher } from './callback-dispatcher.js';
import { createKefuRouter } from './kefu.router.js';
import { createKfAccountRouter } from './kf-account.router.js';
import { createMassRouter } from './mass.router.js';
import { createMenuRouter } from './menu.router.js';
import { createOAuthRouter } from './oauth.router.js';
import { createQrCodeRouter } from './qrcode.router.js';
import { createTemplateRouter } from './template.router.js';
import { createTokenRouter } from './token.router.js';
import { createUserRouter } from './user.router.js';

export interface WechatApiDeps {
  readonly clock: Clock;
  readonly accounts: readonly SimAccount[];
  /** Shared state; created from `accounts`, `clock` and `limits` when omitted. */
  readonly state?: SimulatorState;
  readonly limits?: Partial<SimLimits>;
  /** Where asynchronous events are pushed: `<callbackBaseUrl>/wx/<account id>`. */
  readonly callbackBaseUrl?: string;
  /** Per-delivery timeout of those pushes (WeChat: 5 s). */
  readonly callbackTimeoutMs?: number;
  readonly fetchImpl?: FetchLike;
  /** The simulator's own clock; enables `/_sim/clock`. Must be the source of `clock`. */
  readonly adjustableClock?: AdjustableClock;
  /** Created when omitted; pass one to drain pending pushes on shutdown. */
  readonly callbacks?: CallbackDispatcher;
}

/** The parts of the simulated API, for composing into a larger app. */
export interface WechatApi {
  readonly router: Router;
  readonly state: SimulatorState;
  readonly callbacks: CallbackDispatcher;
}

/** Builds the simulated `api.weixin.qq.com` (plus `/_sim` controls) as a router. No side effects. */
export function createWechatApi(deps: WechatApiDeps): WechatApi {
  const state =
    deps.state ??
    new SimulatorState({ clock: deps.clock, accounts: deps.accounts, ...(deps.limits ? { limits: deps.limits } : {}) });
  const callbacks =
    deps.callbacks ??
    new CallbackDispatcher({
      clock: deps.clock,
      ...(deps.callbackBaseUrl === undefined ? {} : { callbackBaseUrl: deps.callbackBaseUrl }),
      ...(deps.callbackTimeoutMs === undefined ? {} : { timeoutMs: deps.callbackTimeoutMs }),
      ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }),
    });
  const routerDeps = { state, clock: deps.clock, callbacks };
  const router = Router();
  // WeChat parses POST bodies as JSON whatever their Content-Type; routes parse the text.
  router.use(['/cgi-bin', '/customservice'], express.text({ type: () => true, limit: '2mb' }));
  for (const create of [
    createTokenRouter,
    createTemplateRouter,
    createKefuRouter,
    createMassRouter,
    createMenuRouter,
    createUserRouter,
    createOAuthRouter,
    createQrCodeRouter,
    createKfAccountRouter,
  ]) {
    router.use(create(routerDeps));
  }
  router.use(
    createAdminRouter({
      state,
      ...(deps.adjustableClock === undefined ? {} : { adjustableClock: deps.adjustableClock }),
    }),
  );
  router.use(wxErrorHandler(deps.clock));
  return { router, state, callbacks };
}

/** The simulated WeChat API as a standalone express app. */
export function createWechatApiApp(deps: WechatApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(createWechatApi(deps).router);
  return app;
}
