import type { IncomingMessage, RequestListener } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type Request, Router } from 'express';
import { createAdminRouter } from './admin/admin.router.js';
import { CallbackDispatcher } from './callbacks/callback-dispatcher.js';
import { AdjustableClock, type Clock } from './clock.js';
import { createDatacubeRouter } from './datacube/datacube.router.js';
import { faultMiddleware } from './faults/fault.middleware.js';
import { FaultGate } from './faults/fault-gate.js';
import { createHomeRouter } from './home/home.router.js';
import { fieldsOf, unknownPathHandler, wxErrorHandler } from './http/api-http.js';
import { type Authorize, tokenAuthorizer, tokenChecker } from './http/authorize.js';
import { type HotCall, withHotPath } from './http/hot-path.js';
import { type RouteInfo, routesOf } from './http/routes.js';
import { createKefuRouter } from './kefu/kefu.router.js';
import { createKfAccountRouter } from './kf-account/kf-account.router.js';
import { createKfSessionRouter, endLapsedSessions } from './kf-session/kf-session.router.js';
import { createMailboxRouter } from './mailbox/mailbox.router.js';
import { Mailbox } from './mailbox/mailbox-store.js';
import { createMassRouter } from './mass/mass.router.js';
import { createMediaRouter, multipartPaths } from './media/media.router.js';
import { createMenuRouter } from './menu/menu.router.js';
import { createOAuthRouter } from './oauth/oauth.router.js';
import { createOpenApiRouter, type OpenApiRouterDeps } from './openapi/openapi.router.js';
import { createPhoneRouter } from './phone/phone.router.js';
import { createQrCodeRouter } from './qrcode/qrcode.router.js';
import type { FetchLike } from './sender/sender.types.js';
import { SimulatorState } from './simulator-state.js';
import { createSubscribeRouter } from './subscribe/subscribe.router.js';
import { createTagsRouter } from './tags/tags.router.js';
import { createTemplateRouter } from './template/template.router.js';
import { createTemplateSend, templateSendPath } from './template/template-send.js';
import { createTokenRouter } from './token/token.router.js';
import { callbackUrlOf, type SimAccount, type SimLimits } from './types.js';
import { createUserRouter } from './user/user.router.js';

export interface SimulatorOptions {
  readonly accounts: readonly SimAccount[];
  /**
   * The simulator's clock. An {@link AdjustableClock} (the default: real time) can be moved
   * through `/_sim/clock`; a plain function cannot (clock moves are refused with 409).
   */
  readonly clock?: AdjustableClock | Clock;
  readonly limits?: Partial<SimLimits>;
  /** How many of the latest template sends `/_sim` lists whole (every send is counted); 20,000 by default. */
  readonly keptTemplateSends?: number;
  /**
   * The mpstack ingress, e.g. `http://127.0.0.1:8080`: the phone's messages and the API's
   * asynchronous events go to `<ingressBaseUrl>/wx/<account id>` (or the account's
   * `callbackUrl`). Without it the phone cannot send and events are skipped.
   */
  readonly ingressBaseUrl?: string;
  /** Per-delivery timeout of messages and events pushed to the account (WeChat: 5 s). */
  readonly deliveryTimeoutMs?: number;
  /**
   * Event pushes (delivery receipts) in flight at once, 32 by default. WeChat does not publish
   * how many it keeps open towards a developer server; with one push in flight per connection,
   * the receipts' pace is this number divided by the platform's answer time.
   */
  readonly deliveryConcurrency?: number;
  readonly fetchImpl?: FetchLike;
  /** What the simulator's SMTP server received (the mailbox page); a new one by default. */
  readonly mailbox?: Mailbox;
}

/** A composed simulator that does not listen yet: mount {@link Simulator.app} anywhere. */
export interface Simulator {
  /** The WeChat API (`/cgi-bin`, `/sns`, `/connect`, `/customservice`, `/datacube`), `/phone`, `/_sim`, `/healthz`. */
  readonly app: Express;
  /**
   * What the simulator's listeners serve: {@link Simulator.app}, with the hot API calls
   * (template sends) answered ahead of Express by the same handlers and fault controls.
   */
  readonly listener: RequestListener;
  readonly state: SimulatorState;
  /** The adjustable clock, when the simulator runs on one. */
  readonly clock: AdjustableClock | undefined;
  readonly callbacks: CallbackDispatcher;
  readonly mailbox: Mailbox;
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
    ...(options.keptTemplateSends === undefined ? {} : { keptTemplateSends: options.keptTemplateSends }),
  });
  const timeout = options.deliveryTimeoutMs === undefined ? {} : { timeoutMs: options.deliveryTimeoutMs };
  const fetchImpl = options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl };
  const callbacks = new CallbackDispatcher({
    clock,
    ...(options.ingressBaseUrl === undefined ? {} : { callbackBaseUrl: options.ingressBaseUrl }),
    ...timeout,
    ...fetchImpl,
    ...(options.deliveryConcurrency === undefined ? {} : { concurrency: options.deliveryConcurrency }),
    onCallback: (appId, isOk, elapsedMs) => state.datacube.recordCallback(appId, isOk, elapsedMs),
  });
  const limits = state.currentLimitsOf;
  const authorize = tokenAuthorizer(state.tokens, state.accounts);
  const checkToken = tokenChecker(state.tokens, state.accounts);
  const { accounts, audience } = state;
  const templateSend = createTemplateSend({ audience, templates: state.templates, limits, clock, callbacks });
  const hotCalls = new Map<string, HotCall>([
    [templateSendPath, ({ token, body }) => templateSend(checkToken(token), fieldsOf(body))],
  ]);

  const features: readonly { readonly title: string; readonly router: Router }[] = [
    {
      title: 'Access token, stable token, JS-SDK ticket',
      router: createTokenRouter({ accounts, tokens: state.tokens, authorize }),
    },
    { title: 'Users', router: createUserRouter({ authorize, audience, limits, tags: state.tags }) },
    { title: 'User tags', router: createTagsRouter({ authorize, audience, tags: state.tags, limits }) },
    {
      title: 'Customer-service messages',
      router: createKefuRouter({ authorize, audience, chats: state.chats, clock, media: state.media }),
    },
    {
      title: 'Template messages',
      router: createTemplateRouter({ authorize, templates: state.templates, send: templateSend }),
    },
    {
      title: 'Subscribe messages (订阅通知)',
      router: createSubscribeRouter({ authorize, audience, subscribe: state.subscribe, clock, callbacks }),
    },
    {
      title: 'Mass messages',
      router: createMassRouter({
        ...{ authorize, audience, mass: state.mass, limits, clock, callbacks },
        ...{ tags: state.tags, media: state.media },
      }),
    },
    { title: 'Menus', router: createMenuRouter({ authorize, menus: state.menus, audience, tags: state.tags }) },
    { title: 'Web authorisation (OAuth)', router: createOAuthRouter({ accounts, audience, oauth: state.oauth }) },
    { title: 'Parametric QR codes', router: createQrCodeRouter({ authorize, qrcodes: state.qrcodes, limits, clock }) },
    ...customerServiceFeatures(state, authorize, clock),
    { title: 'Temporary media and article images', router: createMediaRouter({ authorize, media: state.media }) },
    { title: 'Analytics (datacube)', router: createDatacubeRouter({ authorize, datacube: state.datacube, clock }) },
    { title: 'API management', router: createOpenApiRouter(openApiDeps(state, options, authorize, () => features)) },
  ];
  // Before every feature (and the unknown-path answer): hosts down, injected faults, quotas, counters.
  const gate = new FaultGate({ faults: state.faults, tokens: state.tokens, rids: state.openapi.rids, clock });
  const api = apiRouter(features, gate, clock);
  const admin = createAdminRouter({ state, callbacks, ...(adjustableClock === undefined ? {} : { adjustableClock }) });
  const phone = createPhoneRouter({
    state,
    clock,
    ...(options.ingressBaseUrl === undefined ? {} : { ingressBaseUrl: options.ingressBaseUrl }),
    ...timeout,
    ...fetchImpl,
    ...(options.deliveryConcurrency === undefined ? {} : { concurrency: options.deliveryConcurrency }),
  });
  const mailbox = options.mailbox ?? new Mailbox();
  const mailboxRouter = createMailboxRouter({ mailbox });
  const groups = [
    ...features.map(({ title, router }) => ({ title, routes: routesOf(router) })),
    { title: 'Phone page', routes: routesOf(phone) },
    { title: 'Mailbox (what the platform e-mailed)', routes: routesOf(mailboxRouter) },
    { title: 'Simulator controls (/_sim)', routes: routesOf(admin) },
  ];

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(
    createHomeRouter({
      accounts,
      groups,
      templatesOf: (appId) => state.templates.templatesOf(appId),
      ...(options.ingressBaseUrl === undefined ? {} : { ingressBaseUrl: options.ingressBaseUrl }),
    }),
  );
  app.use(phone);
  app.use(mailboxRouter);
  app.use(admin);
  app.use(api);
  const routes = groups.flatMap((group) => group.routes);
  addFallbacks(app, routes, clock);
  const listener = withHotPath({ calls: hotCalls, gate, clock, fallback: app });
  return { app, listener, state, clock: adjustableClock, callbacks, mailbox, drain: () => callbacks.drain() };
}

/** Customer-service accounts, and their sessions and message records (getonlinekflist counts the sessions). */
function customerServiceFeatures(
  state: SimulatorState,
  authorize: Authorize,
  clock: Clock,
): readonly { readonly title: string; readonly router: Router }[] {
  const { kfAccounts, kfSessions: sessions, audience, chats } = state;
  const sessionDeps = { authorize, kfAccounts, sessions, audience, chats, clock };
  const acceptedCases = (appId: string, kfAccount: string): number => {
    endLapsedSessions(sessionDeps, appId);
    return sessions.list(appId).filter((session) => session.kfAccount === kfAccount).length;
  };
  return [
    {
      title: 'Customer-service accounts',
      router: createKfAccountRouter({ authorize, kfAccounts, limits: state.currentLimitsOf, clock, acceptedCases }),
    },
    { title: 'Customer-service sessions and message records', router: createKfSessionRouter(sessionDeps) },
  ];
}

/**
 * What the API-management router needs; `features` is read on first use (the router is one of
 * them): the paths they serve are the cgi_paths `openapi/quota/get` knows.
 */
function openApiDeps(
  state: SimulatorState,
  options: SimulatorOptions,
  authorize: Authorize,
  features: () => readonly { readonly router: Router }[],
): OpenApiRouterDeps {
  let paths: ReadonlySet<string> | undefined;
  const { ingressBaseUrl } = options;
  return {
    ...{ authorize, accounts: state.accounts, faults: state.faults, openapi: state.openapi, oauth: state.oauth },
    limits: state.currentLimitsOf,
    clock: state.clock,
    clearDailyQuotas: (appId) => state.clearDailyQuotas(appId),
    isServed: (path) => {
      paths ??= new Set(features().flatMap(({ router }) => routesOf(router).map((route) => route.path)));
      return paths.has(path);
    },
    callbackUrlOf: (account) =>
      ingressBaseUrl === undefined && account.callbackUrl === undefined
        ? undefined
        : callbackUrlOf(account, ingressBaseUrl ?? ''),
  };
}

/** The API host: every feature behind the body reader and the fault gate, errors as WeChat answers them. */
function apiRouter(features: readonly { readonly router: Router }[], gate: FaultGate, clock: Clock): Router {
  const api = Router();
  // OPTIONS is no WeChat method: a known path answers 43001 / 43002 as for any wrong method,
  // not Express's automatic "GET, HEAD" text.
  const wrongMethod = unknownPathHandler(
    features.flatMap(({ router }) => routesOf(router)),
    clock,
  );
  api.use((req, res, next) => (req.method === 'OPTIONS' ? wrongMethod(req, res, next) : next()));
  // WeChat parses POST bodies as JSON whatever their Content-Type; routes parse the text.
  // Uploads are multipart (up to 10 MB): their router streams them itself.
  const isTextBody = (req: IncomingMessage): boolean =>
    !multipartPaths.has(((req as Partial<Request>).originalUrl ?? '').split('?', 1)[0] ?? '');
  api.use(['/cgi-bin', '/customservice', '/wxaapi', '/datacube'], express.text({ type: isTextBody, limit: '2mb' }));
  api.use(faultMiddleware(gate));
  for (const feature of features) api.use(feature.router);
  api.use(wxErrorHandler(clock));
  return api;
}

/**
 * Unknown paths and errors: JSON always, never Express's HTML — the simulator's own pages
 * (`/_sim`, `/phone`) in their error shape, everything else as the API host WeChat is.
 */
function addFallbacks(app: Express, routes: readonly RouteInfo[], clock: Clock): void {
  app.use(['/_sim', '/phone', '/mailbox'], (req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no ${req.method} ${req.originalUrl}; see /` } });
  });
  app.use(unknownPathHandler(routes, clock));
  // A body the controls or the phone cannot parse: their JSON error, not Express's HTML page.
  app.use(['/_sim', '/phone'], ((error, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown }).status;
    const isClientError = typeof status === 'number' && status >= 400 && status < 500;
    res.status(isClientError ? status : 500).json({
      error: {
        code: isClientError ? 'bad_request' : 'internal',
        message: error instanceof Error ? error.message : String(error),
      },
    });
  }) satisfies ErrorRequestHandler);
  // Anything else that failed outside a feature router (a malformed request line): WeChat's -1.
  app.use(wxErrorHandler(clock));
}
