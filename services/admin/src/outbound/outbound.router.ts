import { pipeline } from 'node:stream/promises';
import type { Logger } from '@mpstack/common/logging';
import { type Request, type Response, Router } from 'express';
import { ApiFailure } from '../api-error.js';
import { searchParams } from '../logs/logs.router.js';
import { requirePermission } from '../session/session.router.js';
import type { BusinessAnswer, BusinessClient } from './business-client.js';

export interface OutboundRouterOptions {
  readonly client: BusinessClient;
  readonly logger: Logger;
  /**
   * Who is calling, read before the request is passed on (a streamed upload's socket is gone
   * after it), and how a write the business service accepted is recorded in the audit trail.
   */
  readonly audit: (req: Request) => (action: string, target: string, after: unknown) => Promise<void>;
}

/** Reads: every role that may read the logs (a push's receipts are message outcomes). */
const readPermission = 'logs:read';
/** Writes: operators and super-admins. */
const writePermission = 'pushes:write';

/** Admin path below `/outbound` → the business service's path below `/api` (GET). */
const reads = [
  '/pushes',
  '/pushes/:id',
  '/pushes/:id/failures.csv',
  '/sends',
  '/sends/failures.csv',
  '/sends/:id',
  '/kefu-sends',
  '/kefu-sends/:id',
  '/mass',
  '/mass/:id',
  '/templates',
  '/tags',
  '/health',
  '/estimate',
] as const;

/** JSON writes: path, audit action, and the audit target of a path's id. */
const writes: ReadonlyArray<readonly [path: string, action: string, kind: string]> = [
  ['/pushes', 'outbound.push-create', 'push'],
  ['/pushes/:id/preview', 'outbound.push-preview', 'push'],
  ['/pushes/:id/start', 'outbound.push-start', 'push'],
  ['/pushes/:id/pause', 'outbound.push-pause', 'push'],
  ['/pushes/:id/resume', 'outbound.push-resume', 'push'],
  ['/pushes/:id/cancel', 'outbound.push-cancel', 'push'],
  ['/sends', 'outbound.send', 'send'],
  ['/kefu-sends', 'outbound.kefu-send', 'kefu-send'],
  ['/mass', 'outbound.mass-create', 'mass'],
  ['/mass/:id/preview', 'outbound.mass-preview', 'mass'],
  ['/mass/:id/cancel', 'outbound.mass-cancel', 'mass'],
  ['/mass/:id/delete', 'outbound.mass-delete', 'mass'],
  // Calls WeChat for the account (a template list, a token and getcallbackip): operators only.
  ['/templates/sync', 'outbound.templates-sync', 'account'],
  ['/health/check', 'outbound.connection-check', 'account'],
];

/**
 * The business service's API (issue 11: sends, pushes, mass sends) passed through under
 * `/outbound`, the role's permission checked before anything is sent: reads for every role
 * that reads the logs, writes for `pushes:write` (CSRF and Origin as every write, by the
 * session middleware in front). An upload of recipients is streamed on as it arrives; a
 * failure report is streamed back. Accepted writes are audited.
 */
export function createOutboundRouter(options: OutboundRouterOptions): Router {
  const router = Router();
  for (const path of reads) {
    router.get(`/outbound${path}`, async (req, res) => {
      requirePermission(req, readPermission);
      const answer = await options.client.call({
        method: 'GET',
        path: upstreamPath(path, req),
        query: searchParams(req),
      });
      await passOn(answer, res, options.logger);
    });
  }
  for (const [path, action, kind] of writes) {
    router.post(`/outbound${path}`, async (req, res) => {
      requirePermission(req, writePermission);
      const audit = options.audit(req);
      const answer = await options.client.call({ method: 'POST', path: upstreamPath(path, req), json: req.body ?? {} });
      const text = await readAll(answer);
      const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      const asked = (req.body ?? {}) as Record<string, unknown>;
      const id =
        kind === 'account'
          ? asked['account']
          : ((req.params as Record<string, string | undefined>)['id'] ?? body['id'] ?? '');
      const after = auditedAfter(path, asked, body);
      await audit(action, `${kind}:${String(id ?? '')}`, after);
      res.status(answer.status).json(body);
    });
  }
  router.put('/outbound/pushes/:id/recipients', async (req, res) => {
    requirePermission(req, writePermission);
    const audit = options.audit(req);
    const pushId = String(req.params['id']);
    const contentType = req.get('content-type') ?? 'application/octet-stream';
    if (req.body !== undefined || /json/i.test(contentType)) {
      throw new ApiFailure('unsupported_media_type', 'send the recipients as a CSV or XLSX file, not JSON');
    }
    const answer = await options.client.call({
      method: 'PUT',
      path: upstreamPath('/pushes/:id/recipients', req),
      stream: { body: req, contentType },
    });
    const text = await readAll(answer);
    const report = JSON.parse(text) as unknown;
    const { accepted, rejected, duplicates } = (report ?? {}) as Record<string, unknown>;
    await audit('outbound.push-upload', `push:${pushId}`, {
      accepted,
      rejected,
      duplicates,
    });
    res.status(answer.status).json(report);
  });
  return router;
}

/** What the audit keeps of an accepted write: a preview's request, a check's verdict, a kefu send's follower and type (not its text). */
function auditedAfter(path: string, asked: Record<string, unknown>, body: Record<string, unknown>): unknown {
  if (path.endsWith('/preview')) return asked;
  if (path === '/health/check') return { ok: body['ok'] };
  if (path === '/kefu-sends') {
    const message = asked['message'] as { msgtype?: unknown } | undefined;
    return { account: asked['account'], openId: asked['openId'], msgtype: message?.msgtype };
  }
  return undefined;
}

/** The path with its `:id` checked (a positive integer) and filled in. */
function upstreamPath(path: string, req: Request): string {
  if (!path.includes(':id')) return path;
  const id = String(req.params['id'] ?? '');
  if (!/^[1-9]\d{0,15}$/.test(id)) {
    throw new ApiFailure('invalid_request', 'not an id', { problems: ['id: a positive integer'] });
  }
  return path.replace(':id', id);
}

async function readAll(answer: BusinessAnswer): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Streams a 2xx answer on with its type (JSON or a CSV download). */
async function passOn(answer: BusinessAnswer, res: Response, logger: Logger): Promise<void> {
  for (const header of ['content-type', 'content-length', 'content-disposition']) {
    const value = answer.headers[header];
    if (typeof value === 'string') res.setHeader(header, value);
  }
  res.status(answer.status);
  await pipeline(answer.body, res).catch((error: unknown) => {
    // Headers are gone: a cut connection is how the browser learns the download failed.
    logger.warn({ err: error }, 'outbound answer cut');
    res.destroy();
  });
}
