import { Router } from 'express';
import type { AccountStatusService } from './account-status.service.js';

/**
 * `GET /api/accounts` and `GET /api/accounts/:id`: a read-only status view (AppID, mode,
 * whether a previous AES key is still accepted, rule count, whether this replica serves it,
 * its last reload) — never a secret. Errors go to the app's one error middleware.
 */
export function createAccountStatusRouter(service: AccountStatusService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json(await service.list());
  });
  router.get('/:id', async (req, res) => {
    res.json(await service.get(req.params.id));
  });
  return router;
}
