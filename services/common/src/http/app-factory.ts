import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import { errorResponse } from './error-status.js';

/** A dependency that can be down without making the service unready, with what that means. */
export interface ReadinessDetail {
  readonly ok: boolean;
  readonly detail: string;
}

export type ReadinessCheck = () => Promise<Readonly<Record<string, boolean | ReadinessDetail>>>;

function isReady(value: boolean | ReadinessDetail): boolean {
  return typeof value === 'boolean' ? value : value.ok;
}

export interface HttpAppOptions {
  readonly service: string;
  readonly logger: Logger;
  readonly metricsHandler: (request: IncomingMessage, response: ServerResponse) => void;
  /** Each dependency's answer; `/readyz` is 200 only when all are true (or `ok`). */
  readonly readiness: ReadinessCheck;
  /** Largest JSON / text body accepted (bytes). */
  readonly bodyLimitBytes?: number;
  /** Mounts the service's own routes before the error middleware. */
  readonly routes?: (app: Express) => void;
}

/**
 * The express app every service starts from: `/healthz` (alive), `/readyz` (dependencies
 * answer), `/metrics` (Prometheus), body-size limits and the one error middleware.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  app.use(express.json({ limit }));
  app.use(express.text({ limit, type: ['text/*', 'application/xml'] }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await options.readiness().catch(() => ({ readiness: false }));
    const ready = Object.values(checks).every(isReady);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', (req, res) => options.metricsHandler(req, res));
  options.routes?.(app);
  app.use((_req, _res, next) => next(new AppError(ErrorCode.notFound, 'no such route')));
  app.use(errorMiddleware(options.logger));
  return app;
}

function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const normalized = normalizeBodyParserError(error);
    const { status, body } = errorResponse(normalized);
    if (status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
    res.status(status).json(body);
  };
}

/** body-parser reports its own errors with `type`; map them into the taxonomy. */
function normalizeBodyParserError(error: unknown): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new AppError(ErrorCode.bodyTooLarge, 'request body too large');
  if (type === 'entity.parse.failed') return new AppError(ErrorCode.badRequest, 'malformed request body');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError(ErrorCode.unsupportedMediaType, 'unsupported body encoding');
  }
  return error;
}
