import type { Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock.js';
import { queryParam } from '../http/api-http.js';
import { WxApiError, wxErrorBody } from '../http/wx-errors.js';
import type { TokenStore } from '../token/token-store.js';
import type { CallInfo, Fault, FaultStore, HostName } from './fault-store.js';

export interface FaultMiddlewareDeps {
  readonly faults: FaultStore;
  readonly tokens: TokenStore;
  readonly clock: Clock;
}

/** The page a front proxy answers a 5xx with: HTML, as nginx does, not WeChat's JSON. */
function proxyPage(status: number): string {
  return `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** Which host a request reached: the listener's registered port, else a Host header `api2.…`. */
function hostOf(faults: FaultStore, req: Request): HostName {
  const byPort = faults.hostOfPort(req.socket.localPort);
  if (byPort !== undefined) return byPort;
  return /^api2\./i.test(req.hostname ?? '') ? 'api2' : 'api';
}

function bodyFields(req: Request): Record<string, unknown> {
  if (typeof req.body !== 'string' || req.body === '') return {};
  try {
    const parsed: unknown = JSON.parse(req.body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The account (by its token, else its `appid`) and the user (`touser` / `openid`) a call is about. */
function callOf(deps: FaultMiddlewareDeps, req: Request, host: HostName): CallInfo {
  const body = bodyFields(req);
  const appId =
    deps.tokens.ownerOf(queryParam(req, 'access_token')) ??
    queryParam(req, 'appid') ??
    (typeof body.appid === 'string' ? body.appid : '');
  const openid =
    queryParam(req, 'openid') ??
    (typeof body.touser === 'string' ? body.touser : undefined) ??
    (typeof body.openid === 'string' ? body.openid : undefined);
  return { api: req.path, appId, host, openid };
}

/** Answers with the fault's effect; returns the outcome to count. */
function applyEffect(fault: Fault, req: Request, res: Response, json: Response['json'], clock: Clock): string | number {
  const { effect } = fault;
  if (effect.kind === 'errcode') {
    json.call(res, wxErrorBody(new WxApiError(effect.errcode), clock));
    return effect.errcode;
  }
  if (effect.kind === 'status') {
    res.status(effect.status).type('text/html').send(proxyPage(effect.status));
    return `http ${effect.status}`;
  }
  req.socket.destroy();
  return 'dropped';
}

/**
 * In front of every API route: a host that is down fails the call; then the call is counted,
 * an injected fault may answer instead of the API (before it runs, or after it took effect),
 * and a quota set for the API answers 45009 / 45011. Everything the API answers through
 * `res.json` is counted by errcode.
 */
export function faultMiddleware(deps: FaultMiddlewareDeps): RequestHandler {
  const { faults, clock } = deps;
  return (req, res, next) => {
    const host = hostOf(faults, req);
    const down = faults.hostDown(host);
    if (down === '503') {
      res.status(503).type('text/html').send(proxyPage(503));
      return;
    }
    if (down !== undefined) {
      req.socket.destroy();
      return;
    }
    const call = callOf(deps, req, host);
    const counter = faults.count(call);
    const fault = faults.take(call);
    let isAnswered = false;
    const answered = (outcome: number | string | undefined): void => {
      if (isAnswered) return;
      isAnswered = true;
      counter.answered(outcome, fault !== undefined && fault.effect.kind !== 'delay');
    };
    const json = res.json;
    res.json = function (this: Response, body: unknown) {
      if (fault !== undefined && fault.phase === 'after' && fault.effect.kind !== 'delay') {
        answered(applyEffect(fault, req, res, json, clock));
        return res;
      }
      const errcode = (body as { errcode?: unknown } | null)?.errcode;
      answered(typeof errcode === 'number' ? errcode : undefined);
      return json.call(this, body);
    };
    res.on('finish', () => answered(res.statusCode >= 400 ? `http ${res.statusCode}` : undefined));
    res.on('close', () => answered(res.writableFinished ? undefined : 'dropped'));
    const proceed = (): void => {
      if (fault !== undefined && fault.phase !== 'after' && fault.effect.kind !== 'delay') {
        answered(applyEffect(fault, req, res, json, clock));
        return;
      }
      const quota = faults.takeQuota(call);
      if (quota !== 0) {
        res.json(wxErrorBody(new WxApiError(quota), clock));
        return;
      }
      next();
    };
    if (fault?.delayMs !== undefined && fault.delayMs > 0) setTimeout(proceed, fault.delayMs);
    else proceed();
  };
}
