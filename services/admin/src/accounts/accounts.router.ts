import { type Request, Router } from 'express';
import {
  accountCreateRequestSchema,
  accountPatchRequestSchema,
  rotateAesKeyRequestSchema,
  sendLimitsRequestSchema,
} from '../api-types.js';
import { clientIp, requirePermission } from '../session/session.router.js';
import { type AccountsService, type Actor, toAccountView } from './accounts.service.js';

/**
 * `/accounts` of the admin API (docs/issue-10-seams.md): reading needs `accounts:read`, every
 * write `accounts:write` (super-admin). The role is checked before the body is looked at, so a
 * role without the right learns nothing about the input and nothing is written. Answers are
 * `AccountView`s: the Token, the EncodingAESKeys and the AppSecret are write-only.
 */
export function createAccountsRouter(service: AccountsService): Router {
  const router = Router();
  router.get('/accounts', async (req, res) => {
    requirePermission(req, 'accounts:read');
    res.json({ items: (await service.list()).map(toAccountView) });
  });
  router.post('/accounts', async (req, res) => {
    const by = writer(req);
    const account = await service.create(accountCreateRequestSchema.parse(req.body), by);
    res.status(201).json(toAccountView(account));
  });
  router.patch('/accounts/:id', async (req, res) => {
    const by = writer(req);
    res.json(toAccountView(await service.update(req.params.id, accountPatchRequestSchema.parse(req.body), by)));
  });
  router.post('/accounts/:id/disable', async (req, res) => {
    const by = writer(req);
    res.json(toAccountView(await service.setDisabled(req.params.id, true, by)));
  });
  router.post('/accounts/:id/enable', async (req, res) => {
    const by = writer(req);
    res.json(toAccountView(await service.setDisabled(req.params.id, false, by)));
  });
  router.put('/accounts/:id/send-limits', async (req, res) => {
    const by = writer(req);
    res.json(toAccountView(await service.setSendLimits(req.params.id, sendLimitsRequestSchema.parse(req.body), by)));
  });
  router.post('/accounts/:id/rotate-aes-key', async (req, res) => {
    const by = writer(req);
    const { encodingAesKey } = rotateAesKeyRequestSchema.parse(req.body);
    res.json(toAccountView(await service.rotateAesKey(req.params.id, encodingAesKey, by)));
  });
  return router;
}

/**
 * The signed-in user allowed to write accounts, with the client's address; 401 without a
 * session, 403 for a role without `accounts:write` (the app records that refusal as `denied`
 * in the audit log).
 */
function writer(req: Request): Actor {
  const session = requirePermission(req, 'accounts:write');
  return { username: session.user.username, ip: clientIp(req) };
}
