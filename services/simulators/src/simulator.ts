import express, { type Express, Router } from 'express';
import { createAdminRouter } from './admin/admin.router.js';
import { CallbackDispatcher } from './callbacks/callback-dispatcher.js';
import { AdjustableClock, type Clock } from './clock.js';
import { wxErrorHandler } from './http/api-http.js';
import { tokenAuthorizer } from './http/authorize.js';
import { createKefuRouter } from './kefu/kefu.router.js';
import { createKfAccountRouter } from './kf-account/kf-account.router.js';
import { createMassRouter } from './mass/mass.router.js';
import { createMenuRouter } from './menu/menu.router.js';
import { createOAuthRouter } from './oauth/oauth.router.js';
import { createPhoneRouter } from './phone/phone.router.js';
import { createQrCodeRouter } from './qrcode/qrcode.router.js';
import type { FetchLike } from './sender/sender.types.js';
import { SimulatorState } from './simulator-state.js';
import { createTemplateRouter } from './template/template.router.js';
import { createTokenRouter } from './token/token.router.js';
import type { SimAccount, SimLimits } from './types.js';
import { createUserRouter } from './user/user.router.js';

export interface SimulatorOptions {
  readonly accounts: readonly SimAccount[];
  /**
   * The simulator's clock. An {@link AdjustableClock} (the default: real time) can be moved
   * through `/_sim/clock`; a plain function cannot (clock moves are refused with 409).
   */
  readonly clock?: AdjustableClock | Clock;
  readonly limits?: Partial<SimLimits>;
  /**
   * The mpstack ingress, e.g. `http://127.0.0.1:8080`: the phone's messages and the API's
   * asynchronous events go to `<ingressBaseUrl>/wx/<account id>` (or the account's
   * `callbackUrl`). Without it the phone cannot send and events are skipped.
   */
  readonly ingressBaseUrl?: string;
  /** Per-delivery timeout of messages and events pushed to the account (WeChat: 5 s). */
  readonly deliveryTimeoutMs?: number;
  readonly fetchImpl?: FetchLike;
}

/** A composed simulator that does not listen yet: mount {@link Simulator.app} anywhere. */
export interface Simulator {
  /** The WeChat API (`/cgi-bin`, `/sns`, `/connect`, `/customservice`), `/phone`, `/_sim`, `/healthz`. */
  readonly app: Express;
  readonly state: SimulatorState;
  /** The adjustable clock, when the simulator runs on one. */
  readonly clock: AdjustableClock | undefined;
  readonly callbacks: CallbackDispatcher;
  /** Resolves when every event push scheduled so far has finished (call before closing the server). */
  drain(): Promise<void>;
}

/**
 * The simulator's composition root: builds the state, the event dispatcher and every feature
 * router, once. `startSimulator` listens on it; tests and a service shell mount `app`.
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const adjustableClock =
    options.clock === undefined
      ? new AdjustableClock()
      : options.clock instanceof AdjustableClock
        ? options.clock
        : undefined;
  const clock: Clock = adjustableClock?.now ?? (options.clock as Clock);
  const state = new SimulatorState({
    clock,
    accounts: options.accounts,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const timeout = options.deliveryTimeoutMs === undefined ? {} : { timeoutMs: options.deliveryTimeoutMs };
  const fetchImpl = options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl };
  const callbacks = new CallbackDispatcher({
    clock,
    ...(options.ingressBaseUrl === undefined ? {} : { callbackBaseUrl: options.ingressBaseUrl }),
    ...timeout,
    ...fetchImpl,
  });
  const limits = state.currentLimitsOf;
  const authorize = tokenAuthorizer(state.tokens, state.accounts);
  const { accounts, audience } = state;

  const api = Router();
  // WeChat parses POST bodies as JSON whatever their Content-Type; routes parse the text.
  api.use(['/cgi-bin', '/customservice'], express.text({ type: () => true, limit: '2mb' }));
  api.use(createTokenRouter({ accounts, tokens: state.tokens, authorize }));
  api.use(createTemplateRouter({ authorize, audience, templates: state.templates, limits, clock, callbacks }));
  api.use(createKefuRouter({ authorize, audience, inbox: state.inbox, clock }));
  api.use(createMassRouter({ authorize, audience, mass: state.mass, limits, clock, callbacks }));
  api.use(createMenuRouter({ authorize, menus: state.menus }));
  api.use(createUserRouter({ authorize, audience, limits }));
  api.use(createOAuthRouter({ accounts, audience, oauth: state.oauth }));
  api.use(createQrCodeRouter({ authorize, qrcodes: state.qrcodes, limits, clock }));
  api.use(createKfAccountRouter({ authorize, kfAccounts: state.kfAccounts, limits }));
  api.use(createAdminRouter({ state, ...(adjustableClock === undefined ? {} : { adjustableClock }) }));
  api.use(wxErrorHandler(clock));

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(
    createPhoneRouter({
      state,
      clock,
      ...(options.ingressBaseUrl === undefined ? {} : { ingressBaseUrl: options.ingressBaseUrl }),
      ...timeout,
      ...fetchImpl,
    }),
  );
  app.use(api);
  return { app, state, clock: adjustableClock, callbacks, drain: () => callbacks.drain() };
}
