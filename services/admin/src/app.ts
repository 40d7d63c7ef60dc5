import type { Logger } from '@mpstack/common/logging';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Router,
} from 'express';
import { z } from 'zod';
import { ApiFailure } from './api-error.js';
import { apiBasePath } from './api-types.js';
import { webHosting } from './web-hosting.js';

export interface AdminAppOptions {
  readonly logger: Logger;
  /** The UI build served under `/admin/`. */
  readonly webDir: string;
  readonly maxBodyBytes: number;
  /** Peers whose X-Forwarded-For is believed (`MPSTACK_TRUSTED_PROXIES`); empty: none. */
  readonly trustedProxies: readonly string[];
  /** Sees every API request first (the access events); optional. */
  readonly access?: RequestHandler;
  /** The API's middleware and feature routers, mounted under `/admin/api` in order. */
  readonly api: readonly RequestHandler[];
  /** Told of every write a signed-in user's role refused (403 `forbidden`): the audit trail's `denied` entries. */
  readonly onDenied?: (req: Request, failure: ApiFailure) => Promise<void>;
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A route of the API: its method and path below `/admin/api`. */
export interface ApiRoute {
  readonly method: string;
  readonly path: string;
}

/**
 * The admin service's express app: `/admin/api` (JSON; errors `{ error: { code, message } }`
 * with the contract's codes) and the console's build under `/admin/`. The shell adds
 * `/healthz`, `/readyz` and `/metrics` in front.
 */
export function createAdminApp(options: AdminAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // `<`, `>` and `&` in JSON as \u003c…: a stored `<script>` stays inert even if an answer were sniffed as HTML.
  app.set('json escape', true);
  // req.ip (lockout, audit) and req.protocol follow X-Forwarded-* only when the peer is a
  // trusted proxy (the platform's Ingress controller): anyone else could choose their address.
  app.set('trust proxy', options.trustedProxies.length === 0 ? false : [...options.trustedProxies]);
  // `<`, `>` and `&` in JSON answers as \u003c… : a stored name holding markup stays inert even
  // where an answer is sniffed or pasted into HTML.
  app.set('json escape', true);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  app.get('/', (_req, res) => res.redirect(302, '/admin/'));
  const api = apiRouter(options);
  app.locals['apiRoutes'] = () => routesOf(api);
  app.use(apiBasePath, api);
  app.use('/admin', (req, res, next) => {
    // `/admin` without its slash: the UI's relative asset paths need `/admin/`.
    if (req.originalUrl === '/admin' || req.originalUrl.startsWith('/admin?')) return res.redirect(301, '/admin/');
    next();
  });
  app.use('/admin', webHosting(options.webDir));
  app.use((_req, _res, next) => next(new ApiFailure('not_found', 'no such route')));
  app.use(errorMiddleware(options.logger));
  return app;
}

function apiRouter(options: AdminAppOptions): Router {
  const router = express.Router();
  if (options.access !== undefined) router.use(options.access);
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(express.json({ limit: options.maxBodyBytes, strict: true }));
  for (const feature of options.api) router.use(feature);
  router.use((_req, _res, next) => next(new ApiFailure('not_found', 'no such API route')));
  router.use(deniedWrites(options));
  return router;
}

function deniedWrites(options: AdminAppOptions): ErrorRequestHandler {
  return (error: unknown, req, _res, next) => {
    const { onDenied } = options;
    const refused = error instanceof ApiFailure && error.code === 'forbidden';
    if (onDenied === undefined || !refused || !unsafeMethods.has(req.method) || req.adminSession === undefined) {
      return next(error);
    }
    onDenied(req, error).then(
      () => next(error),
      (auditError: unknown) => {
        options.logger.error({ err: auditError }, 'recording a refused write failed');
        next(error);
      },
    );
  };
}

/** Every route of the API (the feature routers' own, below `/admin/api`), read from express's router. */
export function apiRoutesOf(app: Express): readonly ApiRoute[] {
  const list = app.locals['apiRoutes'] as (() => readonly ApiRoute[]) | undefined;
  return list === undefined ? [] : list();
}

interface RouterLayer {
  readonly route?: { readonly path: string; readonly methods: Readonly<Record<string, boolean>> };
  readonly handle?: { readonly stack?: readonly RouterLayer[] };
}

function routesOf(router: Router): ApiRoute[] {
  const walk = (layers: readonly RouterLayer[]): ApiRoute[] =>
    layers.flatMap((layer) => {
      if (layer.route !== undefined) {
        const { path, methods } = layer.route;
        return Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path }));
      }
      // Feature routers are mounted without a path of their own: their routes are the API's.
      return layer.handle?.stack === undefined ? [] : walk(layer.handle.stack);
    });
  return walk((router as unknown as { stack: readonly RouterLayer[] }).stack);
}

function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const failure = toFailure(error);
    if (failure.status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
    if (failure.code === 'locked' && failure.extra.retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(failure.extra.retryAfterSeconds));
    }
    res.status(failure.status).json({ error: { code: failure.code, message: failure.message, ...failure.extra } });
  };
}

/** Maps what handlers and body-parser throw to the contract's codes; anything unknown is `internal` (no detail leaks). */
export function toFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  if (error instanceof z.ZodError) {
    return new ApiFailure('invalid_request', 'the request does not match the API', {
      problems: error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`),
    });
  }
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new ApiFailure('too_large', 'request body too large');
  if (type === 'entity.parse.failed') {
    return new ApiFailure('invalid_request', 'malformed JSON body', { problems: ['(body): not valid JSON'] });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ApiFailure('unsupported_media_type', 'unsupported body encoding');
  }
  return new ApiFailure('internal', 'internal error');
}
