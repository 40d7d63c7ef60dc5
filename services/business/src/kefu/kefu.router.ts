import { AppError, ErrorCode } from '@mpstack/common/errors';
import express, { Router } from 'express';
import { z } from 'zod';
import { parse } from '../api.router.js';
import type { KefuRepository } from './kefu.repository.js';
import type { KefuService } from './kefu.service.js';
import { parseKefuMessage } from './kefu-message.js';

export interface KefuApiDeps {
  readonly kefuService: KefuService;
  readonly kefu: KefuRepository;
}

const account = z.string().min(1).max(64);
const openId = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'not an openid');
const sendBody = z.strictObject({ account, openId, message: z.unknown() });
const listQuery = z.object({
  account: account.optional(),
  openId: openId.optional(),
  status: z.enum(['queued', 'sending', 'sent', 'failed', 'unknown']).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * Customer-service (客服) sends to one follower: `POST /kefu-sends` (`{ account, openId, message }`,
 * the message as WeChat's `message/custom/send` body without `touser`) answers 202 with the id at
 * once; `GET /kefu-sends/:id` and `GET /kefu-sends?account&openId&status` show the status and,
 * when it failed, WeChat's errcode or the local refusal's reason.
 */
export function createKefuRouter(deps: KefuApiDeps): Router {
  const router = Router();
  // A body the API router parsed already is not read again.
  router.use(express.json({ limit: 64 * 1024 }));
  router.post('/kefu-sends', async (req, res) => {
    const body = parse(sendBody, req.body);
    if (body.message === undefined) {
      throw new AppError(ErrorCode.badRequest, 'a message is required: { msgtype, <msgtype>: {…} } (message)');
    }
    const message = parseKefuMessage(body.message);
    const { sendId } = await deps.kefuService.accept({ account: body.account, openId: body.openId, message });
    res.status(202).json({ id: sendId, status: 'queued' });
  });
  router.get('/kefu-sends', async (req, res) => {
    const q = parse(listQuery, req.query);
    const sends = await deps.kefu.list({
      account: q.account,
      openId: q.openId,
      status: q.status,
      beforeId: q.before,
      limit: q.limit,
    });
    res.json({ sends });
  });
  router.get('/kefu-sends/:id', async (req, res) => {
    res.json(await deps.kefuService.get(parse(z.coerce.number().int().positive(), req.params['id'])));
  });
  return router;
}
