import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCoordination, MemoryQueue } from '@mpstack/common/adapters';
import { createLogger } from '@mpstack/common/logging';
import { createTelemetry } from '@mpstack/common/telemetry';
import type { AccountStatusRepository, StoredAccountStatus } from '../../../src/account-status/account-status.types.js';
import { createIngress, type Ingress } from '../../../src/app.js';
import { testAccounts } from '../../support/accounts.js';
import { harnessSettings } from '../../support/harness.js';

const accounts = testAccounts();

const stored = (id: string, extra: Partial<StoredAccountStatus> = {}): StoredAccountStatus => ({
  id,
  name: `Account ${id}`,
  appId: `wx_${id}`,
  mode: 'safe',
  hasPreviousAesKey: false,
  ruleCount: 0,
  disabled: false,
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...extra,
});

describe('GET /api/accounts through createIngress (fake repository, in-process cache and queue)', () => {
  let ingress: Ingress;
  let server: Server;
  let base: string;
  let repository: AccountStatusRepository;
  let failing = false;

  before(async () => {
    repository = {
      async list() {
        if (failing) throw new Error('connection refused by 10.0.0.5 with password hunter2');
        return [
          stored('plain', { mode: 'plain', ruleCount: 3 }),
          stored('safe', { hasPreviousAesKey: true }),
          stored('new'),
        ];
      },
      async find(id) {
        return (await this.list()).find((account) => account.id === id);
      },
    };
    ingress = createIngress({
      logger: createLogger({ service: 'ingress', level: 'silent' }),
      telemetry: createTelemetry({ service: 'ingress', traceSampleRatio: 0, registerGlobalTracer: false }),
      coordination: new MemoryCoordination(),
      queue: new MemoryQueue(),
      // `new` is stored but not loaded yet: it was added after the last reload.
      loadAccounts: async () => [accounts.plain, accounts.safe],
      loadRules: async () => [],
      settings: harnessSettings,
      spoolDir: join(tmpdir(), 'mpstack-account-status-unused'),
      accountStatus: repository,
    });
    await ingress.registry.reload();
    server = createServer(ingress.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('lists every stored account with its mode, rotation, rule count and whether this replica serves it', async () => {
    const response = await fetch(`${base}/api/accounts`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { accounts: Record<string, unknown>[]; lastReloadAt: string };
    assert.deepEqual(
      body.accounts.map((a) => [a['id'], a['mode'], a['hasPreviousAesKey'], a['ruleCount'], a['isServed']]),
      [
        ['plain', 'plain', false, 3, true],
        ['safe', 'safe', true, 0, true],
        ['new', 'safe', false, 0, false],
      ],
    );
    assert.ok(Math.abs(Date.parse(body.lastReloadAt) - Date.now()) < 60_000, body.lastReloadAt);
  });

  it('shows one account, and answers 404 not_found for an unknown one', async () => {
    const one = (await (await fetch(`${base}/api/accounts/safe`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(one).sort(), [
      'appId',
      'disabled',
      'hasPreviousAesKey',
      'id',
      'isServed',
      'mode',
      'name',
      'ruleCount',
      'updatedAt',
    ]);
    const missing = await fetch(`${base}/api/accounts/nobody`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: { code: 'not_found', message: 'no account "nobody"' } });
  });

  it('answers 500 internal without the failure text when the database fails', async () => {
    failing = true;
    try {
      const response = await fetch(`${base}/api/accounts`);
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.doesNotMatch(text, /hunter2|10\.0\.0\.5/);
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'internal');
    } finally {
      failing = false;
    }
  });
});
