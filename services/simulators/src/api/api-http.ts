import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import type { SimulatorState } from '../state/simulator-state.js';
import type { SimAccount } from '../types.js';
import { WxApiError, wxErrorBody } from './wx-errors.js';

/** A query parameter as one string (the first when repeated). */
export function queryParam(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/**
 * The JSON body of a POST. WeChat reads the body as JSON whatever the Content-Type, so it
 * arrives here as text: empty → 44002, not a JSON object → 47001.
 */
export function jsonBody(req: Request): Record<string, unknown> {
  const raw: unknown = req.body;
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  if (text.trim() === '') throw new WxApiError(44002);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WxApiError(47001);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new WxApiError(47001);
  return parsed as Record<string, unknown>;
}

/** The account an `access_token` belongs to: 41001 missing, 40014 malformed, 40001 invalid, 42001 expired. */
export function authorizedAccount(req: Request, state: SimulatorState): SimAccount {
  const check = state.tokens.check(queryParam(req, 'access_token'));
  if ('errcode' in check) throw new WxApiError(check.errcode);
  const account = state.accountByAppId(check.appId);
  if (account === undefined) throw new WxApiError(40001);
  return account;
}

/**
 * grant_type / appid / secret checks shared by `/cgi-bin/token` and `/cgi-bin/stable_token`
 * (api.json errcodes: 40002, 41002, 41004, 40013, 40125).
 */
export function credentialedAccount(
  state: SimulatorState,
  grantType: unknown,
  appId: unknown,
  secret: unknown,
): SimAccount {
  if (grantType !== 'client_credential') throw new WxApiError(40002);
  if (typeof appId !== 'string' || appId === '') throw new WxApiError(41002);
  if (typeof secret !== 'string' || secret === '') throw new WxApiError(41004);
  const account = state.accountByAppId(appId);
  if (account === undefined) throw new WxApiError(40013);
  if (account.appSecret !== secret) throw new WxApiError(40125);
  return account;
}

/** A success body: errcode 0 / errmsg "ok" plus the endpoint's fields. */
export function sendOk(res: Response, fields: Readonly<Record<string, unknown>> = {}, errmsg = 'ok'): void {
  res.json({ errcode: 0, errmsg, ...fields });
}

/** WeChat answers every API error with HTTP 200 and `{errcode, errmsg}`; unexpected ones are -1. */
export function wxErrorHandler(clock: Clock): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const wxError = error instanceof WxApiError ? error : new WxApiError(-1);
    res.status(200).json(wxErrorBody(wxError, clock));
  };
}
