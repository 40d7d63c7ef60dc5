import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@mpstack/testkit';
import { type RunningSimulator, startSimulator } from '../../src/index.js';
import { testAccount } from '../helpers.js';

const account = testAccount();

/** GET over HTTPS with node:https, trusting `ca` (or the system's CAs without it). */
function httpsGet(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time (no keep-alive reuse), so a closed port shows as ECONNREFUSED.
    const request = get(url, { agent: false, ...(ca === undefined ? {} : { ca }) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
  });
}

describe('simulator HTTPS listener (certificate made at start, its CA written out)', () => {
  let sim: RunningSimulator;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-ca-'));
    sim = await startSimulator({
      accounts: [account],
      port: 0,
      httpsPort: 0,
      caFile: join(dir, 'ca.pem'),
      ingressBaseUrl: 'http://127.0.0.1:9',
    });
  });
  after(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  const tokenPath = `/cgi-bin/token?grant_type=client_credential&appid=${account.appId}&secret=${account.appSecret}`;

  it('serves the API over HTTPS to a client trusting the written CA, by IP and by localhost', async () => {
    const https = sim.https;
    assert.ok(https !== undefined);
    assert.match(https.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(join(dir, 'ca.pem'), 'utf8');
    assert.equal(ca, https.caPem);
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    const byIp = await httpsGet(`${https.url}${tokenPath}`, ca);
    assert.equal(byIp.status, 200);
    assert.equal(typeof (JSON.parse(byIp.body) as { access_token?: unknown }).access_token, 'string');
    const byName = await httpsGet(`${https.url.replace('127.0.0.1', 'localhost')}/healthz`, ca);
    assert.deepEqual(JSON.parse(byName.body), { ok: true });
  });

  it('is refused by a client that does not trust the CA', async () => {
    await assert.rejects(httpsGet(`${sim.https?.url}${tokenPath}`), (error: NodeJS.ErrnoException) => {
      assert.match(String(error.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/);
      return true;
    });
  });

  it('is the api host: taken down with it (refused) and back with it', async () => {
    // Through /_sim on the api host itself: the control answers, then the port closes.
    const response = await fetch(`${sim.url}/_sim/hosts/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ isDown: true }),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as { hosts: { api: unknown } }).hosts.api, {
      isDown: true,
      mode: 'refuse',
    });
    await until(
      async () => (await httpsGet(`${sim.https?.url}/healthz`, sim.https?.caPem).catch(() => undefined)) === undefined,
    );
    await assert.rejects(httpsGet(`${sim.https?.url}/healthz`, sim.https?.caPem), { code: 'ECONNREFUSED' });
    await sim.state.faults.setHostDown('api', undefined);
    assert.equal((await httpsGet(`${sim.https?.url}/healthz`, sim.https?.caPem)).status, 200);
  });
});
