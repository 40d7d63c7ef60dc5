import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningDev, startDev } from '../../src/commands/dev.js';
import { simSend, simSendDefaults } from '../../src/commands/sim.js';
import { parseSeed } from '../../src/seed/seed.js';

const example = fileURLToPath(new URL('../../../../../examples/seed.example.json', import.meta.url));

/** The seed file the README points a new user to, and connecting one's own account with it. */
describe('examples/seed.example.json', function () {
  this.timeout(30_000);
  let dev: RunningDev | undefined;
  let dataDir: string | undefined;

  after(async () => {
    await dev?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('is a valid seed (every rule kind the README describes)', () => {
    const seed = parseSeed(JSON.parse(readFileSync(example, 'utf8')));
    assert.equal(seed.accounts.length, 1);
    assert.deepEqual(
      seed.accounts[0]?.rules.map((rule) => `${rule.kind}/${rule.matchType}`),
      ['subscribe/exact', 'keyword/exact', 'keyword/contains', 'keyword/regex', 'default/exact'],
    );
  });

  it('MPSTACK_SEED_FILE adds the account to mpstack dev at /wx/<id>, answering with its own credentials', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-seed-'));
    dev = await startDev(
      { MPSTACK_DATA_DIR: dataDir, MPSTACK_LOG_LEVEL: 'warn', MPSTACK_SEED_FILE: example },
      { ingressPort: 0, simulatorPort: 0, logPort: 0, adminPort: 0 },
    );
    const account = parseSeed(JSON.parse(readFileSync(example, 'utf8'))).accounts[0];
    assert.ok(account?.encodingAesKey !== undefined);
    const webhook = dev.urls['webhook (demo account)']?.replace(/\/wx\/demo$/, `/wx/${account.id}`);
    assert.ok(webhook !== undefined);
    const report = await simSend({
      ...simSendDefaults,
      url: webhook,
      appid: account.appId,
      token: account.token,
      aesKey: account.encodingAesKey,
      mode: account.encryptMode,
      to: 'gh_myshop',
      text: '营业时间',
      timeoutMs: 5000,
      deliveries: 1,
      simulator: false,
      waitMs: 0,
    });
    assert.equal(report.userSees.kind, 'reply');
    if (report.userSees.kind === 'reply') {
      assert.deepEqual(report.userSees.reply, { type: 'text', content: '每天 9:00–21:00 营业' });
    }
  });
});
