import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import type { Exchange, FaultGate } from '../faults/fault-gate.js';
import { clientIpOf, proxyPage } from '../faults/fault-gate.js';
import { fieldsOrEmpty, type JsonBody, okBody, parseJsonBody, queryParams } from './api-http.js';
import { WxApiError, wxErrorBody } from './wx-errors.js';

/** What a hot call gets: the query's `access_token` and the body read once. */
export interface HotRequest {
  readonly token: string | undefined;
  readonly body: JsonBody;
}

/** A hot API call: the fields of its success answer, or a thrown {@link WxApiError}. */
export type HotCall = (request: HotRequest) => Readonly<Record<string, unknown>>;

export interface HotPathDeps {
  /** The POST calls served here, by exact path; the same functions their Express routes call. */
  readonly calls: ReadonlyMap<string, HotCall>;
  readonly gate: FaultGate;
  readonly clock: Clock;
  /** Everything else (Express), and a hot call whose body is more than UTF-8 text of a known length. */
  readonly fallback: RequestListener;
}

/** Express's text body limit on the API (`express.text({ limit: '2mb' })`). */
const bodyLimit = 2 * 1024 * 1024;
const utf8Charset = /;\s*charset\s*=\s*"?utf-?8"?\s*(;|$)/i;

/**
 * The API calls a throughput run makes thousands of times a second (template sends), served
 * ahead of Express: the same fault gate, token check and handler as their Express route, and
 * the same answers (less Express's ETag, which WeChat does not send), without the router,
 * the body-parser chain and the second parse of the body. A request the Express route would
 * read differently — chunked, compressed, another charset, over the limit, an unusual URL —
 * goes to Express.
 */
export function withHotPath(deps: HotPathDeps): RequestListener {
  return (req, res) => {
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    const call = req.method === 'POST' ? deps.calls.get(path) : undefined;
    if (call === undefined || url.includes('#') || !isPlainBody(req)) {
      deps.fallback(req, res);
      return;
    }
    // Bytes decoded once at the end (a body is one chunk or a few): no string decoder on the stream.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    req.on('end', () => {
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
      // Express's decoder drops a byte-order mark; so does this path.
      const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      serve(deps, call, { req, res, path, search: mark < 0 ? '' : url.slice(mark + 1), text: body });
    });
  };
}

/** A body Express's text parser would read as it arrives: a known length within the limit, UTF-8, not compressed. */
function isPlainBody(req: IncomingMessage): boolean {
  const { headers } = req;
  const length = Number(headers['content-length']);
  if (!(length <= bodyLimit) || headers['transfer-encoding'] !== undefined) return false;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = headers['content-type'];
  return type === undefined || !/charset/i.test(type) || utf8Charset.test(type);
}

interface HotExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly search: string;
  readonly text: string;
}

function serve({ gate, clock }: HotPathDeps, call: HotCall, { req, res, path, search, text }: HotExchange): void {
  const exchange: Exchange = {
    sendJson: (body) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body)),
    sendPage: (status) => send(res, status, 'text/html; charset=utf-8', proxyPage(status)),
    drop: () => req.socket.destroy(),
  };
  const host = gate.hostOf(req.socket.localPort, req.headers.host);
  if (gate.isDown(host, exchange)) return;
  const query = queryParams(search);
  const body = parseJsonBody(text);
  const request = () => ({ query: search, body: text, clientIp: clientIpOf(req.socket.remoteAddress) });
  const gated = gate.open({ path, host, query, body: fieldsOrEmpty(body), request }, exchange);
  res.on('close', () => {
    const status = res.statusCode >= 400 ? `http ${res.statusCode}` : undefined;
    gated.settle(res.writableFinished ? status : 'dropped');
  });
  gated.run(() => {
    let answer: Record<string, unknown>;
    try {
      answer = okBody(call({ token: query('access_token'), body }));
    } catch (error) {
      answer = wxErrorBody(error instanceof WxApiError ? error : new WxApiError(-1), clock);
    }
    gated.answer(answer);
  });
}

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, ['Content-Type', type, 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}
