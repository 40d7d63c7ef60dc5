import express, { type Express } from 'express';
import { createWechatApi, type WechatApiDeps } from './api/wechat-api.app.js';
import { createPhoneRouter } from './phone/phone.router.js';
import { SimulatorState } from './state/simulator-state.js';

export interface SimulatorAppDeps extends WechatApiDeps {
  /** The mpstack ingress: the phone posts to `<ingressBaseUrl>/wx/<account id>`; default callback base too. */
  readonly ingressBaseUrl: string;
  /** Per-delivery timeout of the phone's messages (WeChat: 5 s). */
  readonly deliveryTimeoutMs?: number;
}

/**
 * The whole simulator on one port: the WeChat API (`/cgi-bin`, `/sns`, `/connect`), the
 * phone page (`/phone`) and the controls (`/_sim`), sharing one {@link SimulatorState}.
 * Builds only; listening is the caller's business.
 */
export function createSimulatorApp(deps: SimulatorAppDeps): Express {
  // The API owns the state and the callback dispatcher; the phone page shares them.
  const api = createWechatApi({ ...deps, callbackBaseUrl: deps.callbackBaseUrl ?? deps.ingressBaseUrl });
  const { state } = api;
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(
    createPhoneRouter({
      state,
      clock: deps.clock,
      ingressBaseUrl: deps.ingressBaseUrl,
      ...(deps.deliveryTimeoutMs === undefined ? {} : { timeoutMs: deps.deliveryTimeoutMs }),
      ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }),
    }),
  );
  app.use(api.router);
  return app;
}
