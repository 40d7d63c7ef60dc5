import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@mpstack/testkit';

const cliBin = fileURLToPath(new URL('../../../bin/mpstack.js', import.meta.url));

/** GET over HTTPS trusting only `ca`: the status, or the TLS / socket error. */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

interface Listening {
  msg: string;
  url: string;
  hosts: { api?: string; api2?: string };
  https?: string;
  caFile?: string;
  smtp?: string;
}

describe('mpstack run simulators: the listeners of mpstack dev (one start path)', function () {
  this.timeout(60_000);
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mpstack-run-sim-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the API on its port and on api2, over HTTPS with the CA it wrote, and SMTP; SIGTERM exits 0', async () => {
    const child = spawn(process.execPath, [cliBin, 'run', 'simulators'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        MPSTACK_SIMULATORS_PORT: '0',
        MPSTACK_SIMULATORS_API2_PORT: '0',
        MPSTACK_SIMULATORS_HTTPS_PORT: '0',
        MPSTACK_SIM_SMTP_PORT: '0',
        MPSTACK_DATA_DIR: dataDir,
        MPSTACK_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    try {
      const listening = await until(
        () =>
          out
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as Listening)
            .find((line) => line.msg === 'simulators listening'),
        30_000,
        'the listening line',
        50,
      );
      assert.equal((await fetch(`${listening.url}/healthz`)).status, 200);
      assert.ok(
        listening.hosts.api2 !== undefined && listening.hosts.api2 !== listening.url,
        JSON.stringify(listening),
      );
      assert.equal((await fetch(`${listening.hosts.api2}/healthz`)).status, 200);
      assert.ok(listening.https?.startsWith('https://'), JSON.stringify(listening));
      assert.equal(listening.caFile, join(dataDir, 'simulator-ca.pem'));
      const ca = await readFile(join(dataDir, 'simulator-ca.pem'), 'utf8');
      assert.equal(await httpsStatus(`${listening.https}/healthz`, ca), 200);
      assert.match(listening.smtp ?? '', /^smtp:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    assert.equal(code, 0, out.slice(-2000));
  });
});
