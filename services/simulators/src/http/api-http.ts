import { parse as parseQuery } from 'node:querystring';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock.js';
import type { RouteInfo } from './routes.js';
import { WxApiError, wxErrorBody } from './wx-errors.js';

/** A query parameter as one string (the first when repeated). */
export function queryParam(req: Request, name: string): string | undefined {
  return firstParam(req.query as Record<string, unknown>, name);
}

/** A parameter of a parsed query string (`querystring.parse`, as Express's) as one string. */
export function firstParam(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = query[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/**
 * A query string's parameters as `querystring.parse` + {@link firstParam} read them (the first
 * value of a repeated name, `''` for a name without `=`), found by scanning the string: parsing
 * a query whose access_token is ~180 characters cost ~1.6 µs a call, the most of any step of a
 * template send's own work. A query with `%` or `+` (to decode), or long enough to reach
 * querystring's 1,000-pair limit, is parsed by querystring itself.
 */
export function queryParams(search: string): (name: string) => string | undefined {
  if (search.length >= 1000 || search.includes('%') || search.includes('+')) {
    const query = parseQuery(search);
    return (name) => firstParam(query, name);
  }
  return (name) => {
    for (let start = 0; start <= search.length; ) {
      const amp = search.indexOf('&', start);
      const end = amp < 0 ? search.length : amp;
      // querystring skips empty pairs (`&&`).
      if (end > start && search.startsWith(name, start)) {
        const after = start + name.length;
        if (after === end) return '';
        if (search.charCodeAt(after) === 0x3d /* = */) return search.slice(after + 1, end);
      }
      start = end + 1;
    }
    return undefined;
  };
}

/** A POST body read once: its JSON object, or the errcode WeChat answers for it instead. */
export type JsonBody = { readonly fields: Record<string, unknown> } | { readonly errcode: 44002 | 47001 };

/** Any character `String#trim` keeps (it removes whitespace and line terminators, as `\s` matches). */
const nonBlank = /\S/;

/** WeChat reads the body as JSON whatever the Content-Type: empty → 44002, not a JSON object → 47001. */
export function parseJsonBody(text: string): JsonBody {
  if (!nonBlank.test(text)) return { errcode: 44002 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { errcode: 47001 };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { errcode: 47001 };
  return { fields: parsed as Record<string, unknown> };
}

/** The body's fields, or its {@link parseJsonBody} errcode thrown. */
export function fieldsOf(body: JsonBody): Record<string, unknown> {
  if ('errcode' in body) throw new WxApiError(body.errcode);
  return body.fields;
}

/** The body's fields when it is a JSON object, else none (for routing a call, not answering it). */
export function fieldsOrEmpty(body: JsonBody): Readonly<Record<string, unknown>> {
  return 'fields' in body ? body.fields : {};
}

/** The text of a request's body (it arrives as text: WeChat ignores the Content-Type). */
export function bodyText(req: Request): string {
  const raw: unknown = req.body;
  return typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
}

/**
 * The JSON body of a POST. WeChat reads the body as JSON whatever the Content-Type, so it
 * arrives here as text: empty → 44002, not a JSON object → 47001.
 */
export function jsonBody(req: Request): Record<string, unknown> {
  return fieldsOf(parseJsonBody(bodyText(req)));
}

/** A success body: errcode 0 / errmsg "ok" plus the endpoint's fields. */
export function sendOk(res: Response, fields: Readonly<Record<string, unknown>> = {}, errmsg = 'ok'): void {
  res.json(okBody(fields, errmsg));
}

/** The body {@link sendOk} sends. */
export function okBody(fields: Readonly<Record<string, unknown>> = {}, errmsg = 'ok'): Record<string, unknown> {
  return { errcode: 0, errmsg, ...fields };
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
