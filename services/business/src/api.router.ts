import { AppError, ErrorCode } from '@mpstack/common/errors';
import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { MassService } from './mass/mass.service.js';
import type { PushRepository } from './pushes/push.repository.js';
import type { PushService } from './pushes/push.service.js';
import type { SendRepository } from './sends/send.repository.js';
import type { SendService } from './sends/send.service.js';

export interface ApiDeps {
  readonly pushService: PushService;
  readonly pushes: PushRepository;
  readonly sendService: SendService;
  readonly sends: SendRepository;
  readonly mass: MassService;
  /** Checks a template and its field keys against the account's synced library (templates/template-catalog.ts). */
  readonly checkTemplate?: (account: string, templateId: string, fieldKeys: readonly string[]) => Promise<void>;
}

const id = z.coerce.number().int().positive();
const account = z.string().min(1).max(64);
const openId = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'not an openid');
const data = z.record(z.string(), z.object({ value: z.string() }));
const fields = z.record(z.string(), z.string());
const when = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const sendBody = z.strictObject({
  account,
  openId,
  templateId: z.string().min(1).max(128),
  data,
  url: z.url().optional(),
});
const pushBody = z.strictObject({
  account,
  name: z.string().min(1).max(128),
  templateId: z.string().min(1).max(128),
  fields,
  url: z.url().optional(),
});
const startBody = z.strictObject({ scheduledAt: when.optional() });
const previewBody = z.strictObject({ openId });
const massBody = z.strictObject({
  account,
  target: z.union([
    z.strictObject({ all: z.literal(true) }),
    z.strictObject({ tagId: z.number().int().nonnegative() }),
  ]),
  msgtype: z.enum(['text', 'mpnews', 'image', 'voice', 'mpvideo']),
  content: z.record(z.string(), z.unknown()),
  scheduledAt: when.optional(),
});
const listQuery = z.object({
  account: account.optional(),
  status: z.enum(['queued', 'sending', 'sent', 'failed']).optional(),
  before: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The value `schema` accepts, or a 400 naming the first problem (shared by the service's routers). */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` (${issue.path.join('.')})`;
  throw new AppError(ErrorCode.badRequest, `${issue?.message ?? 'invalid request'}${where}`);
}

const idOf = (req: Request) => parse(id, req.params['id']);

/**
 * The business service's API (inside the cluster; the console's API calls it):
 * single template sends, push jobs, mass sends. Every write answers at once — sends are
 * executed by the workers (202 with the id to poll).
 */
export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  // The upload streams the raw body (CSV or XLSX, up to a million rows): no body parser before it.
  router.put('/pushes/:id/recipients', async (req, res) => {
    res.json(await deps.pushService.upload(idOf(req), req));
  });
  router.use(express.json({ limit: 256 * 1024 }));

  sendRoutes(router, deps);
  pushRoutes(router, deps);
  massRoutes(router, deps);
  return router;
}

function sendRoutes(router: Router, deps: ApiDeps): void {
  router.post('/sends', async (req, res) => {
    const body = parse(sendBody, req.body);
    await deps.checkTemplate?.(body.account, body.templateId, Object.keys(body.data));
    const { sendId } = await deps.sendService.accept({ ...body, kind: 'single' });
    res.status(202).json({ id: sendId, status: 'queued' });
  });
  router.get('/sends', async (req, res) => {
    const q = parse(listQuery, req.query);
    const rows = await deps.sends.list({
      ...(q.account === undefined ? {} : { account: q.account }),
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.before === undefined ? {} : { beforeId: q.before }),
      limit: q.limit,
    });
    res.json({ sends: rows });
  });
  router.get('/sends/failures.csv', async (req, res) => {
    const q = parse(listQuery.pick({ account: true }), req.query);
    await streamCsv(
      res,
      'send-failures.csv',
      ['id', 'openid', 'template', 'status', 'errcode', 'errmsg', 'msgid', 'receipt'],
      async (after) => {
        const rows = await deps.sends.list({
          ...(q.account === undefined ? {} : { account: q.account }),
          status: 'failed',
          ...(after === undefined ? {} : { beforeId: after }),
          limit: 1000,
        });
        return {
          rows: rows.map((s) => [
            s.id,
            s.openId,
            s.templateId,
            s.status,
            s.errcode ?? '',
            s.errmsg ?? '',
            s.msgid ?? '',
            s.receiptStatus ?? '',
          ]),
          next: rows.at(-1)?.id,
        };
      },
    );
  });
  router.get('/sends/:id', async (req, res) => {
    res.json(await deps.sendService.get(idOf(req)));
  });
}

function pushRoutes(router: Router, deps: ApiDeps): void {
  router.post('/pushes', async (req, res) => {
    const body = parse(pushBody, req.body);
    await deps.checkTemplate?.(body.account, body.templateId, Object.keys(body.fields));
    res.status(201).json(await deps.pushService.create(body));
  });
  router.get('/pushes', async (req, res) => {
    const q = parse(listQuery.pick({ account: true, limit: true }), req.query);
    res.json({ pushes: await deps.pushService.list(q.account, q.limit) });
  });
  router.get('/scheduled-pushes', async (_req, res) => {
    res.json({ pushes: await deps.pushService.announcements() });
  });
  router.get('/pushes/:id', async (req, res) => {
    res.json(await deps.pushService.get(idOf(req)));
  });
  router.post('/pushes/:id/preview', async (req, res) => {
    const { sendId } = await deps.pushService.preview(idOf(req), parse(previewBody, req.body).openId);
    res.status(202).json({ sendId });
  });
  router.post('/pushes/:id/start', async (req, res) => {
    res.status(202).json(await deps.pushService.start(idOf(req), parse(startBody, req.body).scheduledAt));
  });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    router.post(`/pushes/:id/${action}`, async (req, res) => {
      res.json(await deps.pushService[action](idOf(req)));
    });
  }
  router.get('/pushes/:id/failures.csv', async (req, res) => {
    const pushId = idOf(req);
    await deps.pushService.get(pushId);
    await streamCsv(
      res,
      `push-${pushId}-failures.csv`,
      ['seq', 'openid', 'state', 'errcode', 'errmsg', 'msgid', 'receipt'],
      async (after) => {
        const rows = await deps.pushes.failures(pushId, after ?? -1, 1000);
        return {
          rows: rows.map((r) => [
            r.seq,
            r.openId,
            r.state,
            r.errcode ?? '',
            r.errmsg ?? '',
            r.msgid ?? '',
            r.receiptStatus ?? '',
          ]),
          next: rows.at(-1)?.seq,
        };
      },
    );
  });
}

function massRoutes(router: Router, deps: ApiDeps): void {
  router.post('/mass', async (req, res) => {
    res.status(201).json(await deps.mass.create(parse(massBody, req.body)));
  });
  router.get('/mass', async (req, res) => {
    const q = parse(listQuery.pick({ account: true, limit: true }), req.query);
    res.json({ mass: await deps.mass.list(q.account, q.limit) });
  });
  router.get('/mass/:id', async (req, res) => {
    res.json(await deps.mass.get(idOf(req)));
  });
  router.post('/mass/:id/preview', async (req, res) => {
    await deps.mass.preview(idOf(req), parse(previewBody, req.body).openId);
    res.json({ ok: true });
  });
  router.post('/mass/:id/cancel', async (req, res) => {
    res.json(await deps.mass.cancel(idOf(req)));
  });
  router.post('/mass/:id/delete', async (req, res) => {
    res.json(await deps.mass.delete(idOf(req)));
  });
}

/** Writes a CSV page by page (UTF-8 with a BOM, so Excel opens Chinese text correctly). */
async function streamCsv(
  res: Response,
  filename: string,
  header: readonly string[],
  page: (after: number | undefined) => Promise<{ rows: (string | number)[][]; next: number | undefined }>,
): Promise<void> {
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
  res.write(`\uFEFF${header.join(',')}\r\n`);
  let after: number | undefined;
  for (;;) {
    const { rows, next } = await page(after);
    if (rows.length > 0) res.write(`${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`);
    if (rows.length < 1000 || next === undefined) break;
    after = next;
  }
  res.end();
}

function csvCell(value: string | number): string {
  const text = String(value);
  // A leading = + - @ would be a formula in a spreadsheet: quoted with a leading apostrophe.
  const safe = /^[=+\-@]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}
