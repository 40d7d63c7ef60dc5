import { replySchema } from '@mpstack/common/db';
import type { Reply } from '@mpstack/common/wechat';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { ApiFailure } from '../api-error.js';
import { matchTypes, ruleKinds, rulePriorityRange } from '../api-types.js';
import { clientIp, requirePermission } from '../session/session.router.js';
import type { RulesService } from './rules.service.js';
import type { ReplyRule, ReplyRuleInput } from './rules.types.js';
import { sendRulesCsv } from './rules-csv.js';

/** A rule as the API takes it (the account comes from the path). */
const ruleRequestSchema = z.strictObject({
  kind: z.enum(ruleKinds),
  matchType: z.enum(matchTypes).optional(),
  keyword: z.string().min(1).max(255).optional(),
  reply: replySchema,
  priority: z.number().int().min(rulePriorityRange.min).max(rulePriorityRange.max).optional(),
  enabled: z.boolean().optional(),
});

/**
 * Reply rules of an account: `GET /accounts/:id/rules` (`accounts:read`), its CSV
 * `GET /accounts/:id/rules.csv?lang=zh-CN|en` (and `logs:export`), `POST
 * /accounts/:id/rules`, `PUT /rules/:ruleId` (the whole rule) and `DELETE /rules/:ruleId`
 * (`rules:write`: operators and super-admins). Every write is audited and announced.
 */
export function createRulesRouter(service: RulesService): Router {
  const router = Router();
  router.get('/accounts/:id/rules', async (req, res) => {
    requirePermission(req, 'accounts:read');
    res.json({ items: (await service.list(req.params.id)).map(toRuleView) });
  });
  router.get('/accounts/:id/rules.csv', async (req, res) => {
    requirePermission(req, 'accounts:read');
    requirePermission(req, 'logs:export');
    const lang = req.query['lang'] === 'en' ? 'en' : 'zh-CN';
    await sendRulesCsv(res, req.params.id, await service.list(req.params.id), lang, Date.now());
  });
  router.post('/accounts/:id/rules', async (req, res) => {
    const by = writer(req);
    const rule = await service.create({ ...parse(req.body), accountId: req.params.id }, by);
    res.status(201).json(toRuleView(rule));
  });
  router.put('/rules/:ruleId', async (req, res) => {
    const by = writer(req);
    res.json(toRuleView(await service.update(ruleId(req), parse(req.body), by)));
  });
  router.delete('/rules/:ruleId', async (req, res) => {
    const by = writer(req);
    await service.remove(ruleId(req), by);
    res.status(204).end();
  });
  return router;
}

function parse(body: unknown): Omit<ReplyRuleInput, 'accountId'> {
  // zod types optional fields as `T | undefined`; parsed JSON holds no `undefined`.
  return ruleRequestSchema.parse(body) as Omit<ReplyRuleInput, 'accountId'> & { reply: Reply };
}

function ruleId(req: Request): number {
  const id = Number(req.params['ruleId']);
  if (!Number.isSafeInteger(id) || id <= 0) throw new ApiFailure('not_found', 'no such rule');
  return id;
}

function writer(req: Request) {
  const session = requirePermission(req, 'rules:write');
  return { username: session.user.username, ip: clientIp(req) };
}

function toRuleView(rule: ReplyRule) {
  return {
    id: rule.id,
    accountId: rule.accountId,
    kind: rule.kind,
    matchType: rule.matchType,
    ...(rule.keyword === undefined ? {} : { keyword: rule.keyword }),
    reply: rule.reply,
    priority: rule.priority,
    enabled: rule.enabled,
    updatedAt: rule.updatedAt.toISOString(),
  };
}
