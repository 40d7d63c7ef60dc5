import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningDev, startDev } from '../../src/commands/dev.js';

describe('mpstack dev: the console calls the log service it started', function () {
  this.timeout(60_000);
  let dev: RunningDev | undefined;
  let dataDir: string | undefined;

  after(async () => {
    await dev?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the dashboard and a log search through the log service on whatever port it got', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-dev-console-'));
    dev = await startDev(
      { MPSTACK_DATA_DIR: dataDir, MPSTACK_LOG_LEVEL: 'silent' },
      { ingressPort: 0, simulatorPort: 0, logPort: 0, businessPort: 0, adminPort: 0 },
    );
    const base = (dev.urls['console (admin)'] ?? '').replace(/\/admin\/$/, '');
    const [username, password] = (dev.urls['console sign-in (demo super-admin)'] ?? '').split(' / ');
    const signedIn = await fetch(`${base}/admin/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username, password }),
    });
    assert.equal(signedIn.status, 200);
    const cookie = signedIn.headers.get('set-cookie')?.split(';')[0] ?? '';
    for (const path of ['/dashboard', '/logs/messages?account=demo']) {
      const answer = await fetch(`${base}/admin/api${path}`, { headers: { cookie } });
      assert.equal(answer.status, 200, `${path}: ${await answer.clone().text()}`);
      await answer.arrayBuffer();
    }
  });
});
