import type { Db } from '@mpstack/common/db';
import { Router } from 'express';
import { auditQuerySchema } from '../api-types.js';
import { requirePermission } from '../session/session.router.js';
import { queryAudit } from './audit.repository.js';

/** `GET /audit` — super-admins (`audit:read`) search the trail, newest first. */
export function createAuditRouter(db: Db): Router {
  const router = Router();
  router.get('/audit', async (req, res) => {
    requirePermission(req, 'audit:read');
    const query = auditQuerySchema.parse(req.query);
    res.json(await queryAudit(db, query));
  });
  return router;
}
