import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';

/**
 * The console's build (`services/admin/web/dist`, made by `make build`) under `/admin/`:
 * files as they are (hashed assets cached for a year, index.html never), every other path
 * below `/admin/` answered with index.html so the UI's own router handles it. Without a
 * build, a page that says how to make one (503), never a bare 404.
 */
export function webHosting(webDir: string): Router {
  const router = express.Router();
  const index = join(webDir, 'index.html');
  router.use(
    express.static(webDir, {
      index: false,
      setHeaders: (res, path) => {
        res.setHeader('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Cache-Control', 'no-cache');
    if (existsSync(index)) return res.sendFile(index);
    res.status(503).type('html').send(missingBuildPage(webDir));
  });
  return router;
}

function missingBuildPage(webDir: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mpstack console: not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The console is not built</h1>
<p>The admin API runs (under <code>/admin/api</code>), but there is no UI build in
<code>${escapeHtml(webDir)}</code>.</p>
<p>Build it with <code>make build</code> (or <code>npm run build --workspace services/admin/web</code>), then reload.</p>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
