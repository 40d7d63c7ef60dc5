import express, { Router } from 'express';
import { z } from 'zod';
import { parse } from '../api.router.js';
import type { TemplateCatalog } from '../templates/template-catalog.js';
import type { AccountHealth } from './account-health.js';

export interface ConsoleApiDeps {
  readonly templates: TemplateCatalog;
  readonly health: AccountHealth;
}

const account = z.string().min(1).max(64);
const accountQuery = z.object({ account });
const accountBody = z.strictObject({ account });
const estimateQuery = z.object({ account, recipients: z.coerce.number().int().min(0).max(100_000_000) });

/**
 * What the console's outbound pages read besides sends, pushes and mass sends: the template
 * library (stored, synced on demand), the account's tags, its quotas and token health, a
 * connection check and a push's estimated duration at the account's template rate.
 */
export function createConsoleApiRouter(deps: ConsoleApiDeps): Router {
  const router = Router();
  router.use(express.json({ limit: 16 * 1024 }));
  router.get('/templates', async (req, res) => {
    res.json(await deps.templates.list(parse(accountQuery, req.query).account));
  });
  router.post('/templates/sync', async (req, res) => {
    res.json(await deps.templates.sync(parse(accountBody, req.body).account));
  });
  router.get('/tags', async (req, res) => {
    res.json({ tags: await deps.health.tags(parse(accountQuery, req.query).account) });
  });
  router.get('/health', async (req, res) => {
    res.json(await deps.health.view(parse(accountQuery, req.query).account));
  });
  router.post('/health/check', async (req, res) => {
    res.json(await deps.health.check(parse(accountBody, req.body).account));
  });
  router.get('/estimate', async (req, res) => {
    const q = parse(estimateQuery, req.query);
    res.json(await deps.health.estimate(q.account, q.recipients));
  });
  return router;
}
