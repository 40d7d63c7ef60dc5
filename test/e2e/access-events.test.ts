import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUsersRepository, hashPassword, loadAdminConfig, startAdmin } from '@mpstack/admin';
import { loadBusinessConfig, startBusiness } from '@mpstack/business';
import { createLogger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import type { RunningService } from '@mpstack/common/shell';
import { loadLogConfig, type RunningLog, startLog } from '@mpstack/log';
import {
  AMQP_BASE_URL,
  createTestDatabase,
  createVhost,
  deleteVhost,
  type TestDatabase,
  uniqueName,
  until,
} from '@mpstack/testkit';
import { TcpProxy } from '../support/tcp-proxy.js';

const logger = createLogger({ service: 'access-events-test', level: 'silent' });
const password = 'correct horse battery';

interface AccessLine {
  type: string;
  id: string;
  at: number;
  service: string;
  method: string;
  route: string;
  status: number;
  latencyMs: number;
  userId?: string;
  ip?: string;
}

/**
 * The admin API's access events on the real RabbitMQ and the real log service (MariaDB): every
 * API request lands in the access JSON-lines file as method, route pattern, status, latency,
 * user id and address — no cookie, token, password or body. With the broker cut off (a TCP
 * proxy the test controls) requests are answered as before, the events beyond the buffer are
 * dropped and counted, and the held ones arrive once the broker is back.
 */
describe('admin API access events → RabbitMQ → the log service’s access file', function () {
  this.timeout(120_000);
  const vhost = uniqueName('mpstack_access');
  let database: TestDatabase;
  let dataDir: string;
  let log: RunningLog;
  let infrastructure: Infrastructure;
  let admin: RunningService;
  let proxy: TcpProxy;
  let userId: string;
  let amqpUrl: string;

  const accessLines = (): AccessLine[] => {
    const file = join(dataDir, 'logs', `access-${new Date().toISOString().slice(0, 7)}.jsonl`);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.includes('"type":"access"'))
      .map((line) => JSON.parse(line) as AccessLine);
  };

  before(async () => {
    database = await createTestDatabase('mpstack_access');
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-access-'));
    amqpUrl = await createVhost(vhost);
    log = await startLog({
      config: loadLogConfig({
        MPSTACK_DATABASE_URL: database.url,
        MPSTACK_AMQP_URL: amqpUrl,
        MPSTACK_LOG_PORT: '0',
        MPSTACK_LOG_LEVEL: 'silent',
        MPSTACK_LOG_FLUSH_MS: '20',
        MPSTACK_LOG_FILE_FLUSH_MS: '50',
        MPSTACK_DATA_DIR: dataDir,
      }),
      logger,
    });
    // The admin service reaches the broker through a proxy the test can cut.
    const broker = new URL(AMQP_BASE_URL);
    proxy = await TcpProxy.start(broker.hostname, Number(broker.port || 5672));
    const config = loadAdminConfig({
      MPSTACK_DATABASE_URL: database.url,
      MPSTACK_AMQP_URL: `amqp://${broker.username}:${broker.password}@127.0.0.1:${proxy.port}/${vhost}`,
      MPSTACK_DATA_DIR: dataDir,
      MPSTACK_ADMIN_PORT: '0',
      MPSTACK_LOG_LEVEL: 'silent',
      MPSTACK_LOG_URL: log.url,
      MPSTACK_ADMIN_ACCESS_BUFFER: '5',
    });
    infrastructure = await openInfrastructure({ service: 'access-events-test', ...config, migrate: true }, logger);
    const user = await createUsersRepository(infrastructure.db).create({
      username: 'vera',
      displayName: 'vera',
      role: 'viewer',
      passwordHash: await hashPassword(password),
    });
    userId = user.id;
    admin = await startAdmin({ config, infrastructure, logger });
  });

  after(async () => {
    await admin?.close();
    await infrastructure?.close();
    await proxy?.close();
    await log?.close();
    await deleteVhost(vhost);
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let cookie = '';
  let csrf = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${admin.url}/admin/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', origin: admin.url, cookie, 'x-csrf-token': csrf },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await response.arrayBuffer();
    return response;
  };

  it('each API request lands in the access file: method, route pattern, status, latency, user, address — no secret', async () => {
    const wrong = await call('POST', '/session', { username: 'vera', password: 'not the password' });
    assert.equal(wrong.status, 401);
    const signedIn = await fetch(`${admin.url}/admin/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: admin.url },
      body: JSON.stringify({ username: 'vera', password }),
    });
    assert.equal(signedIn.status, 200);
    cookie = signedIn.headers.get('set-cookie')?.split(';')[0] ?? '';
    csrf = ((await signedIn.json()) as { csrfToken: string }).csrfToken;
    assert.equal((await call('GET', '/accounts/acme-42/rules?secret=query-text')).status, 200);
    assert.equal((await call('DELETE', '/rules/9001')).status, 403);
    assert.equal((await call('GET', '/no/such/route')).status, 404);

    await until(() => accessLines().length >= 5, 20_000, 'five access lines in the file');
    const lines = accessLines();
    const seen = lines.map((l) => [l.method, l.route, l.status]);
    assert.deepEqual(seen, [
      ['POST', '/admin/api/session', 401],
      ['POST', '/admin/api/session', 200],
      ['GET', '/admin/api/accounts/:id/rules', 200],
      ['DELETE', '/admin/api/rules/:ruleId', 403],
      ['GET', '(none)', 404],
    ]);
    for (const line of lines) {
      assert.equal(line.service, 'admin');
      assert.match(line.ip ?? '', /127\.0\.0\.1$/);
      assert.ok(line.latencyMs >= 0 && line.latencyMs < 60_000);
      assert.ok(line.id.length > 0 && Math.abs(line.at - Date.now()) < 120_000);
    }
    assert.deepEqual(
      lines.map((l) => l.userId),
      [undefined, undefined, userId, userId, userId],
      'the signed-in user from the request after sign-in on (a sign-in line itself has none)',
    );
    const text = JSON.stringify(lines);
    for (const secret of [
      password,
      'not the password',
      cookie.split('=')[1] ?? 'x',
      csrf,
      'acme-42',
      'query-text',
      '9001',
    ]) {
      assert.ok(!text.includes(secret), `"${secret}" in the access file`);
    }
  });

  it('the business API records its requests the same way (service business, its route patterns)', async () => {
    const business = await startBusiness({
      config: loadBusinessConfig({
        MPSTACK_DATABASE_URL: database.url,
        MPSTACK_AMQP_URL: amqpUrl,
        MPSTACK_DATA_DIR: dataDir,
        MPSTACK_BUSINESS_PORT: '0',
        MPSTACK_LOG_LEVEL: 'silent',
      }),
      workers: false,
    });
    try {
      assert.equal((await fetch(`${business.url}/api/pushes/77`)).status, 404);
      assert.equal((await fetch(`${business.url}/api/pushes`)).status, 200);
      await until(() => accessLines().filter((l) => l.service === 'business').length >= 2, 20_000, 'business lines');
      assert.deepEqual(
        accessLines()
          .filter((l) => l.service === 'business')
          .map((l) => [l.method, l.route, l.status, l.userId]),
        [
          ['GET', '/api/pushes/:id', 404, undefined],
          ['GET', '/api/pushes', 200, undefined],
        ],
      );
    } finally {
      await business.close();
    }
  });

  it('with the broker cut off, requests are answered as before; events past the buffer are dropped and counted, the held ones arrive afterwards', async () => {
    const adminLines = () => accessLines().filter((l) => l.service === 'admin');
    const before = adminLines().length;
    proxy.cut();
    const answered = [];
    for (let i = 0; i < 12; i += 1) answered.push((await call('GET', '/me/permissions')).status);
    assert.deepEqual(new Set(answered), new Set([200]));
    await until(
      async () => {
        const metrics = await (await fetch(`${admin.url}/metrics`)).text();
        const dropped = /^mpstack_log_events_dropped_total(?:\{[^}]*\})? (\d+)/m.exec(metrics);
        return Number(dropped?.[1] ?? 0) >= 7;
      },
      10_000,
      'the dropped events counted',
    );
    proxy.restore();
    // The buffer held the last 5; they are published once the connection is back.
    await until(() => adminLines().length >= before + 5, 60_000, 'the held events in the file');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = adminLines().slice(before);
    assert.equal(after.length, 5, 'exactly the buffer: the older 7 were dropped');
    assert.ok(after.every((l) => l.route === '/admin/api/me/permissions' && l.status === 200));
  });
});
