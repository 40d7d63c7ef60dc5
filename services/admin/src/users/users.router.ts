import type { Db } from '@mpstack/common/db';
import { Router } from 'express';
import { createUserRequestSchema, updateUserRequestSchema } from '../api-types.js';
import { clientIp, requirePermission } from '../session/session.router.js';
import { createUsersRepository, publicUser } from './users.repository.js';
import { createUser, updateUser } from './users.service.js';

/** `GET /users`, `POST /users`, `PATCH /users/:id` — super-admins (`users:read`, `users:write`). */
export function createUsersRouter(db: Db): Router {
  const router = Router();
  router.get('/users', async (req, res) => {
    requirePermission(req, 'users:read');
    const items = await createUsersRepository(db).list();
    res.json({ items: items.map(publicUser) });
  });
  router.post('/users', async (req, res) => {
    const session = requirePermission(req, 'users:write');
    const request = createUserRequestSchema.parse(req.body);
    const user = await createUser(db, { username: session.user.username, ip: clientIp(req) }, request);
    res.status(201).json({ user });
  });
  router.patch('/users/:id', async (req, res) => {
    const session = requirePermission(req, 'users:write');
    const patch = updateUserRequestSchema.parse(req.body);
    const user = await updateUser(db, { username: session.user.username, ip: clientIp(req) }, req.params.id, patch);
    res.json({ user });
  });
  return router;
}
