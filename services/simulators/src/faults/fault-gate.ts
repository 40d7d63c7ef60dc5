import type { Clock } from '../clock.js';
import { WxApiError, wxErrorBody } from '../http/wx-errors.js';
import { type RidLog, ridOfErrmsg } from '../openapi/rid-log.js';
import type { TokenStore } from '../token/token-store.js';
import type { CallInfo, Fault, FaultStore, HostName } from './fault-store.js';

export interface FaultGateDeps {
  readonly faults: FaultStore;
  readonly tokens: TokenStore;
  readonly clock: Clock;
  /** Where answers carrying a rid are recorded for `openapi/rid/get`. */
  readonly rids?: RidLog;
}

/** How the gate answers on the server that holds the exchange (Express, or the hot-call path). */
export interface Exchange {
  /** Sends a JSON body (HTTP 200) as it is: the API's answer channel, not intercepted again. */
  sendJson(body: unknown): void;
  /** Answers `status` with the front proxy's HTML page. */
  sendPage(status: number): void;
  /** Drops the connection without an answer. */
  drop(): void;
}

/** What of a request names the account and the user a call is about. */
export interface CallParts {
  readonly path: string;
  readonly host: HostName;
  query(name: string): string | undefined;
  /** The body's fields when it is a JSON object (none otherwise). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The request as received, read only when an answer carries a rid (for `openapi/rid/get`). */
  readonly request?: () => RawRequest;
}

/** What `openapi/rid/get` reports of the request itself. */
export interface RawRequest {
  /** The query string, without `?`. */
  readonly query: string;
  readonly body: string;
  readonly clientIp: string;
}

/** One counted call through the gate. */
export interface GatedCall {
  /** The API's answer: an after-phase fault answers instead, else it is sent and counted by errcode. */
  answer(body: unknown): void;
  /** Counts how the exchange ended when no answer went through the gate (first outcome wins). */
  settle(outcome: number | string | undefined): void;
  /** Runs the API unless an injected fault or a quota answers instead (after any injected delay). */
  run(api: () => void): void;
}

/** The page a front proxy answers a 5xx with: HTML, as nginx does, not WeChat's JSON. */
export function proxyPage(status: number): string {
  return `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/**
 * The fault controls in front of every API call, whichever server carries it: a host that is
 * down fails the call; then the call is counted, an injected fault may answer instead of the
 * API (before it runs, or after it took effect), and a quota set for the API answers
 * 45009 / 45011. Every answer is counted by its errcode.
 */
export class FaultGate {
  constructor(private readonly deps: FaultGateDeps) {}

  /** Which host a request reached: the listener's registered port, else a Host header `api2.…`. */
  hostOf(localPort: number | undefined, hostname: string | undefined): HostName {
    const byPort = this.deps.faults.hostOfPort(localPort);
    if (byPort !== undefined) return byPort;
    return /^api2\./i.test(hostname ?? '') ? 'api2' : 'api';
  }

  /** Answers for a host that is down (a 503 page, or a dropped connection); true when it did. */
  isDown(host: HostName, exchange: Exchange): boolean {
    const down = this.deps.faults.hostDown(host);
    if (down === undefined) return false;
    if (down === '503') exchange.sendPage(503);
    else exchange.drop();
    return true;
  }

  open(parts: CallParts, exchange: Exchange): GatedCall {
    const { faults, clock } = this.deps;
    const call = this.callOf(parts);
    const startedAt = clock();
    const counter = faults.count(call);
    const fault = faults.take(call);
    const isInjected = fault !== undefined && fault.effect.kind !== 'delay';
    let isSettled = false;
    const settle = (outcome: number | string | undefined): void => {
      if (isSettled) return;
      isSettled = true;
      counter.answered(outcome, isInjected);
      if (outcome === undefined || outcome === 0) faults.usage.count(call.api, call.appId);
    };
    const sendError = (body: unknown): void => {
      exchange.sendJson(body);
      this.remember(call, parts, body, startedAt);
    };
    const injectedAnswer = (): void => settle(applyEffect(fault as Fault, { ...exchange, sendJson: sendError }, clock));
    const answer = (body: unknown): void => {
      if (isInjected && fault.phase === 'after') {
        injectedAnswer();
        return;
      }
      const errcode = (body as { errcode?: unknown } | null)?.errcode;
      settle(typeof errcode === 'number' ? errcode : undefined);
      if (typeof errcode === 'number' && errcode !== 0) sendError(body);
      else exchange.sendJson(body);
    };
    const run = (api: () => void): void => {
      const proceed = (): void => {
        if (isInjected && fault.phase !== 'after') {
          injectedAnswer();
          return;
        }
        const quota = faults.takeQuota(call);
        if (quota !== 0) answer(wxErrorBody(new WxApiError(quota), clock));
        else api();
      };
      if (fault?.delayMs !== undefined && fault.delayMs > 0) setTimeout(proceed, fault.delayMs);
      else proceed();
    };
    return { answer, settle, run };
  }

  /** Records an answer whose errmsg carries a rid, with the request it answered. */
  private remember(call: CallInfo, parts: CallParts, body: unknown, startedAt: number): void {
    const { rids, clock } = this.deps;
    const errmsg = (body as { errmsg?: unknown } | null)?.errmsg;
    const rid = rids === undefined || typeof errmsg !== 'string' ? undefined : ridOfErrmsg(errmsg);
    if (rid === undefined) return;
    const request = parts.request?.();
    rids?.record({
      rid,
      appId: call.appId,
      invokeTime: Math.floor(startedAt / 1000),
      costInMs: clock() - startedAt,
      requestUrl: request?.query ?? '',
      requestBody: request?.body ?? '',
      responseBody: JSON.stringify(body),
      clientIp: request?.clientIp ?? '',
    });
  }

  /** The account (by its token, else its `appid`) and the user (`touser` / `openid`) a call is about. */
  private callOf(parts: CallParts): CallInfo {
    const { body } = parts;
    const appId =
      this.deps.tokens.ownerOf(parts.query('access_token')) ??
      parts.query('appid') ??
      (typeof body.appid === 'string' ? body.appid : '');
    const openid =
      parts.query('openid') ??
      (typeof body.touser === 'string' ? body.touser : undefined) ??
      (typeof body.openid === 'string' ? body.openid : undefined);
    return { api: parts.path, appId, host: parts.host, openid };
  }
}

/** A socket's remote address as WeChat shows a client IP: IPv4 without the `::ffff:` mapping. */
export function clientIpOf(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

/** Answers with the fault's effect; returns the outcome to count. */
function applyEffect(fault: Fault, exchange: Exchange, clock: Clock): string | number {
  const { effect } = fault;
  if (effect.kind === 'errcode') {
    exchange.sendJson(wxErrorBody(new WxApiError(effect.errcode), clock));
    return effect.errcode;
  }
  if (effect.kind === 'status') {
    exchange.sendPage(effect.status);
    return `http ${effect.status}`;
  }
  exchange.drop();
  return 'dropped';
}
