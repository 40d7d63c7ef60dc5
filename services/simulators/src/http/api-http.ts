import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock.js';
import type { RouteInfo } from './routes.js';
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

/**
 * What WeChat answers for a path it does not serve: HTTP 200 and errcode 48001 "api
 * unauthorized", the answer clients report for a mistyped or wrong-product API path (e.g. a
 * mini-program URL called with an Official Account token). A known path called with the other
 * method gets 43001 "require GET method" / 43002 "require POST method".
 */
export function unknownPathHandler(routes: readonly RouteInfo[], clock: Clock): RequestHandler {
  const methodsByPath = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    const methods = methodsByPath.get(path) ?? new Set<string>();
    methods.add(method);
    methodsByPath.set(path, methods);
  }
  return (req, res) => {
    const methods = methodsByPath.get(req.path);
    const errcode = methods === undefined ? 48001 : methods.has('POST') ? 43002 : 43001;
    res.status(200).json(wxErrorBody(new WxApiError(errcode), clock));
  };
}
