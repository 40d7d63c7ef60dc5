import { pipeline } from 'node:stream/promises';
import type { Logger } from '@mpstack/common/logging';
import { type Request, Router } from 'express';
import { ApiFailure } from '../api-error.js';
import type { Permission } from '../api-types.js';
import { requirePermission } from '../session/session.router.js';
import { streamMessagesCsv } from './csv-export.js';
import type { LogClient } from './log-client.js';

export interface LogsRouterOptions {
  readonly client: LogClient;
  readonly logger: Logger;
  readonly csvMaxRows: number;
  readonly now?: () => number;
}

/** Admin path → the log service's path, and what a role needs to call it. */
const passThrough: ReadonlyArray<readonly [string, string, Permission]> = [
  ['/logs/messages', '/query/messages', 'logs:read'],
  ['/logs/timeline', '/query/timeline', 'logs:read'],
  ['/logs/interface', '/query/interface', 'logs:read'],
  ['/dashboard', '/query/dashboard', 'dashboard:read'],
  ['/dashboard/outbound', '/query/outbound', 'dashboard:read'],
  ['/logs/files', '/files', 'logs:read'],
];

/**
 * The logs and the dashboard: the log service's query API passed through with the role's
 * permission checked first (every account is visible to a role that may read logs: users have
 * no per-account scope yet), the CSV export and the files' downloads (`logs:export`).
 */
export function createLogsRouter(options: LogsRouterOptions): Router {
  const router = Router();
  for (const [path, upstream, permission] of passThrough) {
    router.get(path, async (req, res) => {
      requirePermission(req, permission);
      res.json(await options.client.json(upstream, searchParams(req)));
    });
  }
  router.get('/logs/messages.csv', async (req, res) => {
    requirePermission(req, 'logs:export');
    await streamMessagesCsv(res, { ...options, query: searchParams(req) });
  });
  router.get('/logs/files/:name', async (req, res) => {
    requirePermission(req, 'logs:export');
    const name = String(req.params['name'] ?? '');
    if (!/^[\w.-]{1,128}$/.test(name)) {
      throw new ApiFailure('invalid_request', 'not a log file name', { problems: ['name: not a log file name'] });
    }
    const file = await options.client.stream(`/files/${encodeURIComponent(name)}`);
    for (const header of ['content-type', 'content-length', 'content-disposition']) {
      const value = file.headers[header];
      if (typeof value === 'string') res.setHeader(header, value);
    }
    await pipeline(file.body, res).catch((error: unknown) => {
      // Headers are gone: a cut connection is how the browser learns the download failed.
      options.logger.warn({ err: error, name }, 'log file download cut');
      res.destroy();
    });
  });
  return router;
}

/** The request's query as the log service's: each parameter once (a repeated one is a 400 here). */
export function searchParams(req: Request): URLSearchParams {
  const params = new URLSearchParams();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value === 'string') params.set(key, value);
    else problems.push(`${key}: give it once, as text`);
  }
  if (problems.length > 0) throw new ApiFailure('invalid_request', 'the query does not match the API', { problems });
  return params;
}
