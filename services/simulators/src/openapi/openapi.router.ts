import { type Request, type Response, Router } from 'express';
import type { AccountDirectory } from '../accounts.js';
import type { Clock } from '../clock.js';
import type { FaultStore } from '../faults/fault-store.js';
import { bodyText, jsonBody, parseJsonBody, queryParam, sendOk } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { OAuthStore } from '../oauth/oauth-store.js';
import { beijingMonth } from '../shared/ids.js';
import type { SimAccount, SimLimits } from '../types.js';
import { apiQuotaOf } from './api-quota.js';
import { addCallbackCheckRoute } from './callback-check.js';
import type { OpenApiStore } from './openapi-store.js';
import { ridRetentionMs } from './rid-log.js';

export interface OpenApiRouterDeps {
  readonly authorize: Authorize;
  readonly accounts: AccountDirectory;
  readonly faults: FaultStore;
  readonly openapi: OpenApiStore;
  readonly oauth: OAuthStore;
  readonly limits: () => SimLimits;
  readonly clock: Clock;
  /** Sets every daily count of the account back to 0 (SimulatorState.clearDailyQuotas). */
  readonly clearDailyQuotas: (appId: string) => void;
  /** Whether the simulator serves an API path: `openapi/quota/get` answers 76021 for any other. */
  readonly isServed: (path: string) => boolean;
  /** Where the account's messages are pushed (its `callbackUrl`, else the ingress's); undefined → 40201. */
  readonly callbackUrlOf: (account: SimAccount) => string | undefined;
}

/** What the simulator issues in errmsgs (wx-errors.ts `requestId`); anything else is 76002. */
const ridShape = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/**
 * One clear_quota of the account's monthly budget (10 by default, v1 and v2 together), then
 * every daily count back to 0; 48006 once the month's budget is spent.
 */
function clearQuota({ openapi, limits, clock, clearDailyQuotas }: OpenApiRouterDeps, account: SimAccount): void {
  const month = beijingMonth(clock());
  if (!openapi.clears.take(`clear:${account.appId}`, month, limits().clearQuotaMonthly)) throw new WxApiError(48006);
  clearDailyQuotas(account.appId);
}

/** clear_quota/v2's credentials: the body's, else the query's (the doc's table and example disagree). */
function credentialOf(req: Request, body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name] ?? queryParam(req, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `clear_quota` (token; 40013 for an appid not the token's) and `clear_quota/v2` (appid + appsecret, no token). */
function addClearRoutes(router: Router, deps: OpenApiRouterDeps): void {
  router.post('/cgi-bin/clear_quota', (req: Request, res: Response) => {
    const account = deps.authorize(req);
    if (jsonBody(req).appid !== account.appId) throw new WxApiError(40013);
    clearQuota(deps, account);
    sendOk(res);
  });

  router.post('/cgi-bin/clear_quota/v2', (req: Request, res: Response) => {
    // The credentials may all be in the query: an empty body is no 44002 here.
    const parsed = parseJsonBody(bodyText(req));
    if ('errcode' in parsed && parsed.errcode === 47001) throw new WxApiError(47001);
    const body = 'fields' in parsed ? parsed.fields : {};
    const appId = credentialOf(req, body, 'appid');
    if (appId === undefined) throw new WxApiError(41002);
    const secret = credentialOf(req, body, 'appsecret');
    if (secret === undefined) throw new WxApiError(41004);
    const account = deps.accounts.byAppId(appId);
    if (account === undefined) throw new WxApiError(40013);
    if (account.appSecret !== secret) throw new WxApiError(40125);
    clearQuota(deps, account);
    sendOk(res);
  });
}

/**
 * `openapi/quota/get` (76021 a cgi_path the simulator does not serve, or not a bare path;
 * 76022 a user's OAuth token) and `openapi/rid/get` (76002 empty or malformed, 76001 unknown,
 * evicted or older than 7 days, 76003 another account's).
 */
function addLookupRoutes(router: Router, deps: OpenApiRouterDeps): void {
  router.post('/cgi-bin/openapi/quota/get', (req: Request, res: Response) => {
    const token = queryParam(req, 'access_token');
    if (token !== undefined && typeof deps.oauth.checkAccess(token) === 'object') throw new WxApiError(76022);
    const account = deps.authorize(req);
    const path = jsonBody(req).cgi_path;
    if (typeof path !== 'string' || !path.startsWith('/') || !deps.isServed(path)) throw new WxApiError(76021);
    sendOk(res, apiQuotaOf(deps.faults, deps.limits(), path, account.appId));
  });

  router.post('/cgi-bin/openapi/rid/get', (req: Request, res: Response) => {
    const account = deps.authorize(req);
    const rid = jsonBody(req).rid;
    if (typeof rid !== 'string' || !ridShape.test(rid)) throw new WxApiError(76002);
    const record = deps.openapi.rids.find(rid);
    if (record === undefined || deps.clock() - record.invokeTime * 1000 > ridRetentionMs) throw new WxApiError(76001);
    if (record.appId !== account.appId) throw new WxApiError(76003);
    sendOk(res, {
      request: {
        invoke_time: record.invokeTime,
        cost_in_ms: record.costInMs,
        request_url: record.requestUrl,
        request_body: record.requestBody,
        response_body: record.responseBody,
        client_ip: record.clientIp,
      },
    });
  });
}

/** API management: clear_quota (v1, v2), openapi/quota/get, openapi/rid/get, callback/check. */
export function createOpenApiRouter(deps: OpenApiRouterDeps): Router {
  const router = Router();
  addClearRoutes(router, deps);
  addLookupRoutes(router, deps);
  addCallbackCheckRoute(router, deps);
  return router;
}
