import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '@mpstack/common/shell';
import { loadAdminConfig } from '../../src/config.js';
import { startAdmin } from '../../src/main.js';

type ErrorBody = { error: { code: string } };

describe('admin service: the shell, the API envelope and the console build', () => {
  let dataDir: string;
  let admin: RunningService;
  let webDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-admin-'));
    webDir = join(dataDir, 'web');
    admin = await startAdmin({
      config: loadAdminConfig({
        MPSTACK_DATA_DIR: dataDir,
        MPSTACK_ADMIN_PORT: '0',
        MPSTACK_ADMIN_WEB_DIR: webDir,
        MPSTACK_ADMIN_MAX_BODY_BYTES: '2048',
        MPSTACK_LOG_LEVEL: 'silent',
      }),
    });
  });

  after(async () => {
    assert.deepEqual(await admin.close(), []);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the probes and is ready when its database and coordination answer', async () => {
    const ready = await fetch(`${admin.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { database: true, coordination: true });
    assert.equal((await fetch(`${admin.url}/healthz`)).status, 200);
  });

  it('sends / to the console and says how to build it when there is no build', async () => {
    const root = await fetch(`${admin.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/admin/');
    const page = await fetch(`${admin.url}/admin/`);
    assert.equal(page.status, 503);
    assert.match(await page.text(), /The console is not built[\s\S]*make build/);
  });

  it('serves the build with the SPA fallback, never for the API', async () => {
    mkdirSync(join(webDir, 'assets'), { recursive: true });
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(webDir, 'assets', 'app-1234.js'), 'console.log(1)');
    const index = await fetch(`${admin.url}/admin/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /id="root"/);
    const deep = await fetch(`${admin.url}/admin/logs/timeline?openId=x`);
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /id="root"/);
    const asset = await fetch(`${admin.url}/admin/assets/app-1234.js`);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const api = await fetch(`${admin.url}/admin/api/no-such-thing`);
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), { error: { code: 'not_found', message: 'no such API route' } });
  });

  it('refuses a malformed JSON body with 400 invalid_request and an oversized one with 413 too_large', async () => {
    const post = (body: string) =>
      fetch(`${admin.url}/admin/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const malformed = await post('{"username": "a", ');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as ErrorBody).error.code, 'invalid_request');
    const huge = await post(JSON.stringify({ username: 'a', password: 'x'.repeat(4096) }));
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as ErrorBody).error.code, 'too_large');
  });
});
