import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Express } from 'express';
import { listLogFiles, parseLogFileName } from './log-files.js';

/**
 * `GET /files` (the JSON-lines files: name, bytes, month, gzipped — newest month first) and
 * `GET /files/:name` (one file, streamed). Only names of the log files' pattern are served:
 * anything else — `..`, a slash, another file of the data directory — is a 400 before the
 * filesystem is touched; a well-formed name that does not exist (removed by the retention) 404.
 */
export function fileRoutes(dir: string): (app: Express) => void {
  return (app) => {
    app.get('/files', async (_req, res) => {
      const files = await listLogFiles(dir);
      res.json({
        items: files.map((f) => ({ name: f.name, bytes: f.bytes, month: f.month, gzipped: f.gzipped })),
      });
    });

    app.get('/files/:name', async (req, res) => {
      const name = String(req.params['name'] ?? '');
      const file = parseLogFileName(name);
      if (file === undefined) {
        throw new AppError(ErrorCode.badRequest, 'not a log file name (<interface|access>-YYYY-MM.jsonl[.gz])');
      }
      const path = join(dir, file.name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined || !info.isFile()) throw new AppError(ErrorCode.notFound, `no log file ${file.name}`);
      // The bytes there at the stat: the current month's file grows while it is read.
      const stream = info.size === 0 ? undefined : createReadStream(path, { start: 0, end: info.size - 1 });
      if (stream !== undefined) {
        // Opened before the headers go, so a file removed meanwhile is still a clean 404.
        await new Promise<void>((resolve, reject) => {
          stream.once('open', () => resolve());
          stream.once('error', reject);
        }).catch(() => {
          throw new AppError(ErrorCode.notFound, `no log file ${file.name}`);
        });
      }
      res.setHeader('Content-Type', file.gzipped ? 'application/gzip' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${file.name}"`);
      res.setHeader('Content-Length', String(info.size));
      if (stream === undefined) {
        res.end();
        return;
      }
      await pipeline(stream, res).catch(() => res.destroy());
    });
  };
}
