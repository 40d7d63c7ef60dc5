import { type NextFunction, type Request, type Response, Router } from 'express';
import { ApiFailure } from '../api-error.js';
import { csrfHeader, type Permission, sessionCookie, signInRequestSchema } from '../api-types.js';
import { publicUser } from '../users/users.repository.js';
import { type ActiveSession, csrfMatches, permissionsOf, type SessionService } from './session.service.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by {@link sessionMiddleware} when the cookie names a live session. */
      adminSession?: ActiveSession;
    }
  }
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SessionGuardOptions {
  readonly sessions: SessionService;
  /** Origins besides the request's own that may send state-changing requests. */
  readonly allowedOrigins: readonly string[];
}

/**
 * Reads the session cookie; on every state-changing request checks the Origin (the request's
 * own origin or an allowed one; a request without Origin is refused) and, once signed in, the
 * `X-CSRF-Token` header against the session's token. Signing in needs the Origin check only.
 */
export function sessionMiddleware(options: SessionGuardOptions) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const session = await options.sessions.resume(readCookie(req.headers.cookie, sessionCookie));
    if (session !== undefined) req.adminSession = session;
    if (!unsafeMethods.has(req.method)) return next();
    const origin = req.headers.origin;
    const own = `${req.protocol}://${req.get('host') ?? ''}`;
    if (origin === undefined || (origin !== own && !options.allowedOrigins.includes(origin))) {
      return next(new ApiFailure('csrf_failed', 'request from another origin (or without Origin) refused'));
    }
    const isSignIn = req.method === 'POST' && req.path === '/session';
    if (!isSignIn && session !== undefined && !csrfMatches(session, req.get(csrfHeader))) {
      return next(new ApiFailure('csrf_failed', `missing or wrong ${csrfHeader}`));
    }
    next();
  };
}

/** The session of the request, or 401. */
export function requireSession(req: Request): ActiveSession {
  if (req.adminSession === undefined) throw new ApiFailure('unauthenticated', 'sign in first');
  return req.adminSession;
}

/** The session of the request when its role has `permission`; 401 / 403 otherwise. */
export function requirePermission(req: Request, permission: Permission): ActiveSession {
  const session = requireSession(req);
  if (!permissionsOf(session.user).includes(permission)) {
    throw new ApiFailure('forbidden', `your role (${session.user.role}) may not ${permission}`);
  }
  return session;
}

/** `/session` (sign in, who am I, sign out, sign out everywhere) and `/me/permissions`. */
export function createSessionRouter(sessions: SessionService): Router {
  const router = Router();
  router.post('/session', async (req, res) => {
    const body = signInRequestSchema.parse(req.body);
    const session = await sessions.signIn(body, clientIp(req));
    res.setHeader('Set-Cookie', cookie(req, session.id));
    res.json({ user: publicUser(session.user), csrfToken: session.csrfToken });
  });
  router.get('/session', (req, res) => {
    const session = requireSession(req);
    res.json({ user: publicUser(session.user), csrfToken: session.csrfToken });
  });
  router.delete('/session', async (req, res) => {
    const session = requireSession(req);
    await sessions.signOut(session, clientIp(req));
    res.setHeader('Set-Cookie', cookie(req, '', 0));
    res.status(204).end();
  });
  router.post('/session/revoke-all', async (req, res) => {
    const session = requireSession(req);
    await sessions.signOutEverywhere(session, clientIp(req));
    res.setHeader('Set-Cookie', cookie(req, '', 0));
    res.status(204).end();
  });
  router.get('/me/permissions', (req, res) => {
    res.json({ permissions: permissionsOf(requireSession(req).user) });
  });
  return router;
}

function cookie(req: Request, value: string, maxAgeSeconds?: number): string {
  const parts = [`${sessionCookie}=${value}`, 'Path=/admin', 'HttpOnly', 'SameSite=Strict'];
  if (req.secure) parts.push('Secure');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** The client's address: express's `req.ip`, which follows X-Forwarded-For only through the trusted proxies. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
