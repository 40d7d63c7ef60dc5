import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createQueue } from '@mpstack/common/adapters';
import {
  encodeLogEvent,
  encodeLogEventBatch,
  type LogEvent,
  logEventsDeadLetterQueue,
  logEventsDeclaration,
  logEventsQueue,
  type MessageLogEvent,
} from '@mpstack/common/contracts';
import { createDatabase, type Db, monthStart, partitionName } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { createVhost, deleteVhost, uniqueName, until, untilProgressDone } from '@mpstack/testkit';
import mysql from 'mysql2/promise';
import { listPartitions, loadLogConfig, maintainPartitions, type RunningLog, startLog } from '../../src/index.js';

const ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
const logger = createLogger({ service: 'log-test', level: 'silent' });
const cliBin = fileURLToPath(new URL('../../../../cli/bin/mpstack.js', import.meta.url));

let sequence = 0;
function message(overrides: { [K in keyof MessageLogEvent]?: MessageLogEvent[K] | undefined } = {}): MessageLogEvent {
  sequence += 1;
  return {
    type: 'message',
    id: `t${sequence}`,
    at: Date.now(),
    account: 'acme',
    openId: 'oUser1',
    msgType: 'text',
    event: undefined,
    msgId: String(sequence),
    content: '办宽带',
    outcome: 'replied',
    decidedBy: 'keyword',
    latencyMs: 3,
    ...overrides,
  } as MessageLogEvent;
}

function batch(events: readonly (LogEvent | Record<string, unknown>)[]): Buffer {
  return encodeLogEventBatch(events.map((e) => encodeLogEvent(e as LogEvent)));
}

/** A TCP proxy to MariaDB that a test can cut (connections reset, new ones refused) and restore. */
async function cuttableProxy(
  target: number,
): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  let open = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy address');
  return {
    port: address.port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('log service on MariaDB and RabbitMQ', function () {
  this.timeout(60_000);
  const name = uniqueName('mpstack_log').replace(/-/g, '_');
  let amqpUrl: string;
  let admin: mysql.Connection;
  let publisher: QueuePort;
  let db: Db;
  let log: RunningLog | undefined;
  // The JSON-lines files go to a directory of this test's own, never the repository's .mpstack/logs.
  let dataDir: string;

  async function start(databaseUrl = `${ADMIN_URL}/${name}`): Promise<RunningLog> {
    const config = loadLogConfig({
      MPSTACK_DATABASE_URL: databaseUrl,
      MPSTACK_AMQP_URL: amqpUrl,
      MPSTACK_LOG_PORT: '0',
      MPSTACK_LOG_LEVEL: 'silent',
      MPSTACK_LOG_FLUSH_MS: '20',
      MPSTACK_DATA_DIR: dataDir,
    });
    return startLog({ config, logger });
  }

  async function count(sql: string): Promise<number> {
    const [rows] = await admin.query(sql);
    return Number((rows as { n: number }[])[0]?.n ?? 0);
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mpstack-log-service-'));
    amqpUrl = await createVhost(name);
    admin = await mysql.createConnection(ADMIN_URL);
    publisher = await createQueue({ amqpUrl, connectionName: 'log-test-publisher' });
    await publisher.declare([logEventsDeclaration]);
    log = await start();
    await admin.query(`USE \`${name}\``);
    db = createDatabase({ url: `${ADMIN_URL}/${name}` });
  });

  after(async () => {
    await log?.close();
    await publisher?.close();
    await db?.destroy();
    await admin?.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin?.end();
    await deleteVhost(name);
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    for (const table of [
      'log_messages',
      'log_interface_calls',
      'log_rollup_minute',
      'log_rollup_latency',
      'log_rollup_day',
    ]) {
      await admin.query(`DELETE FROM ${table}`);
    }
  });

  it('creates the partitioned utf8mb4 tables and writes a batch with its rollups', async () => {
    const [create] = await admin.query('SHOW CREATE TABLE log_messages');
    const ddl = String((create as Record<string, string>[])[0]?.['Create Table']);
    assert.match(ddl, /PARTITION BY RANGE \(`at`\)/);
    assert.match(ddl, /CHARSET=utf8mb4/);
    const events = [
      message({ content: '办宽带 😀' }),
      message({
        msgType: 'event',
        event: 'subscribe',
        eventKey: 'qrscene_store42',
        content: undefined,
        msgId: undefined,
      }),
      message({ outcome: 'accepted_published', latencyMs: 700 }),
      {
        type: 'interface',
        id: 'i1',
        at: Date.now(),
        account: 'acme',
        api: '/cgi-bin/message/custom/send',
        errcode: 45015,
        latencyMs: 80,
      },
    ] satisfies LogEvent[];
    await publisher.publish(logEventsQueue, batch(events));
    await until(async () => (await count('SELECT COUNT(*) n FROM log_messages')) === 3, 10_000, 'three message rows');
    assert.equal(await count('SELECT COUNT(*) n FROM log_interface_calls WHERE errcode = 45015'), 1);
    const [text] = await admin.query("SELECT content FROM log_messages WHERE msg_type = 'text' ORDER BY at LIMIT 1");
    assert.equal((text as { content: string }[])[0]?.content, '办宽带 😀');
    assert.equal(await count('SELECT SUM(total) n FROM log_rollup_minute'), 3);
    assert.equal(await count('SELECT SUM(queued) n FROM log_rollup_minute'), 1);
    assert.equal(await count('SELECT SUM(count) n FROM log_rollup_latency'), 3);
    assert.equal(
      await count("SELECT count n FROM log_rollup_day WHERE metric = 'followers_gained' AND dimension = 'qr:store42'"),
      1,
    );
  });

  it('writes a batch delivered twice once, and counts it once in the rollups', async () => {
    const events = [message(), message(), message({ id: undefined, msgId: 'legacy' })];
    await publisher.publish(logEventsQueue, batch(events));
    await publisher.publish(logEventsQueue, batch(events));
    await publisher.publish(logEventsQueue, batch([events[0] as LogEvent, message()]));
    await until(async () => (await count('SELECT COUNT(*) n FROM log_messages')) === 4, 10_000, 'four rows');
    await until(async () => (await publisher.depth(logEventsQueue)) === 0, 10_000, 'the queue drained');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await count('SELECT COUNT(*) n FROM log_messages'), 4);
    assert.equal(await count('SELECT SUM(total) n FROM log_rollup_minute'), 4);
  });

  it('dead-letters a bad event with its reason and writes the rest of its batch', async () => {
    const good = message();
    const bad = { ...message(), latencyMs: 'fast' };
    const missing = { ...message(), account: undefined };
    await publisher.publish(logEventsQueue, batch([good, bad, missing]));
    await publisher.publish(logEventsQueue, Buffer.from('{not json'));
    await until(async () => (await count('SELECT COUNT(*) n FROM log_messages')) === 1, 10_000, 'the good event');
    const reasons: string[] = [];
    const consumer = await publisher.consume(
      logEventsDeadLetterQueue,
      async (delivery) => {
        reasons.push(delivery.headers['x-death-reason'] ?? '?');
        return { action: 'ack' };
      },
      { prefetch: 10 },
    );
    try {
      await until(() => reasons.length === 3, 10_000, 'three dead letters');
    } finally {
      await consumer.cancel();
    }
    assert.ok(
      reasons.some((r) => /at latencyMs/.test(r)),
      reasons.join(' | '),
    );
    assert.ok(
      reasons.some((r) => /at account/.test(r)),
      reasons.join(' | '),
    );
    assert.ok(
      reasons.some((r) => /not JSON/.test(r)),
      reasons.join(' | '),
    );
    const metrics = await (await fetch(`${log?.url}/metrics`)).text();
    assert.match(metrics, /mpstack_log_events_dead_lettered_total\{[^}]*reason="event_invalid"[^}]*\} 2/);
  });

  it('keeps events in the queue while MySQL is unreachable and writes them once it returns', async () => {
    const proxy = await cuttableProxy(3306);
    const other = await start(`mysql://root@127.0.0.1:${proxy.port}/${name}`);
    try {
      await log?.close();
      log = undefined;
      proxy.cut();
      const events = Array.from({ length: 50 }, () => message());
      await publisher.publish(logEventsQueue, batch(events.slice(0, 25)));
      await publisher.publish(logEventsQueue, batch(events.slice(25)));
      await until(async () => (await fetch(`${other.url}/readyz`)).status === 503, 10_000, 'readiness 503');
      assert.equal(await count('SELECT COUNT(*) n FROM log_messages'), 0);
      proxy.restore();
      await until(async () => (await count('SELECT COUNT(*) n FROM log_messages')) === 50, 20_000, 'all 50 written');
      await until(async () => (await fetch(`${other.url}/readyz`)).status === 200, 10_000, 'ready again');
      assert.equal(await count('SELECT SUM(total) n FROM log_rollup_minute'), 50);
    } finally {
      await other.close();
      await proxy.close();
      log = await start();
    }
  });

  it('a consumer killed (SIGKILL) mid-stream loses nothing and writes nothing twice', async function () {
    // 40,000 events through a child process and MariaDB: under load this takes minutes, not
    // seconds; the waits below fail when the work stops advancing, not when it is slow.
    this.timeout(300_000);
    await log?.close();
    log = undefined;
    const total = 40_000;
    for (let b = 0; b < total / 500; b += 1) {
      await publisher.publish(logEventsQueue, batch(Array.from({ length: 500 }, () => message())));
    }
    const child = spawn(process.execPath, [cliBin, 'run', 'log'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        MPSTACK_DATABASE_URL: `${ADMIN_URL}/${name}`,
        MPSTACK_AMQP_URL: amqpUrl,
        MPSTACK_LOG_PORT: '0',
        MPSTACK_LOG_LEVEL: 'warn',
        MPSTACK_LOG_BATCH_EVENTS: '2000',
        MPSTACK_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const started = Date.now();
    try {
      await until(
        async () => {
          if (child.exitCode !== null) throw new Error('the child exited');
          return (await count('SELECT COUNT(*) n FROM log_messages')) > 0;
        },
        120_000,
        'the first rows',
        5,
      );
    } catch (error) {
      const state = `exit ${child.exitCode} signal ${child.signalCode}`;
      throw new Error(`${String(error)} (child after ${Date.now() - started} ms: ${state}; output: ${output})`);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const atKill = await count('SELECT COUNT(*) n FROM log_messages');
    assert.ok(atKill < total, `the child wrote everything (${atKill}) before it was killed`);
    log = await start();
    await untilProgressDone(
      () => count('SELECT COUNT(*) n FROM log_messages'),
      (written) => written === total,
      30_000,
      'every event',
    );
    await untilProgressDone(
      () => publisher.depth(logEventsQueue),
      (depth) => depth === 0,
      30_000,
      'the queue drained',
    );
    assert.equal(await count('SELECT COUNT(*) n FROM log_messages'), total);
    // The rollups count each event once too: a batch written before the kill and redelivered after it adds nothing.
    assert.equal(await count('SELECT SUM(total) n FROM log_rollup_minute'), total);
  });

  it('creates partitions ahead and drops whole partitions past the retention (injected clock)', async () => {
    const now = Date.now();
    const later = monthStart(now, 9);
    const before = (await listPartitions(db, 'log_messages')).map((p) => p.name);
    assert.ok(before.includes(partitionName(monthStart(now))), before.join(','));
    const old = message({ at: now });
    await publisher.publish(logEventsQueue, batch([old]));
    await until(async () => (await count('SELECT COUNT(*) n FROM log_messages')) === 1, 10_000, 'the row');
    const plan = await maintainPartitions(db, { now: later, ahead: 2, retentionMonths: 6, logger });
    const after = (await listPartitions(db, 'log_messages')).map((p) => p.name);
    assert.ok(plan.dropped.includes(`log_messages.${partitionName(monthStart(now))}`), plan.dropped.join(','));
    assert.ok(!after.includes(partitionName(monthStart(now))));
    assert.ok(after.includes(partitionName(monthStart(later, 2))), after.join(','));
    assert.equal(after.at(-1), 'pmax');
    assert.equal(await count('SELECT COUNT(*) n FROM log_messages'), 0);
    // Idempotent: a second run on the same clock changes nothing.
    const again = await maintainPartitions(db, { now: later, ahead: 2, retentionMonths: 6, logger });
    assert.deepEqual(again, { created: [], dropped: [] });
  });

  describe('query API', () => {
    const t0 = Date.UTC(2026, 11, 3, 8, 0, 0);
    const seeded: MessageLogEvent[] = [];

    beforeEach(async () => {
      seeded.length = 0;
      for (let i = 0; i < 7; i += 1) {
        seeded.push(
          message({
            id: `q${i}`,
            at: t0 + i * 1000,
            openId: i % 2 === 0 ? 'oEven' : 'oOdd',
            content: i === 3 ? '我要办宽带100%_' : `hello ${i}`,
          }),
        );
      }
      seeded.push(
        message({
          id: 'qs',
          at: t0 + 500,
          msgType: 'event',
          event: 'subscribe',
          eventKey: 'qrscene_mall',
          content: undefined,
        }),
        message({ id: 'qu', at: t0 + 600, msgType: 'event', event: 'unsubscribe', content: undefined }),
      );
      await publisher.publish(logEventsQueue, batch(seeded));
      await until(async () => (await count('SELECT COUNT(*) n FROM log_messages')) === seeded.length, 10_000, 'seeded');
    });

    // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read field by field in assertions
    async function get(path: string): Promise<{ status: number; body: any }> {
      const response = await fetch(`${log?.url}${path}`);
      return { status: response.status, body: await response.json() };
    }
    const range = `from=${t0 - 1}&to=${t0 + 60_000}`;

    it('searches by user, type and text (Chinese, with % and _ taken literally), newest first, page by page', async () => {
      const even = await get(`/query/messages?account=acme&openId=oEven&${range}&limit=2`);
      assert.equal(even.status, 200);
      assert.deepEqual(
        even.body.items.map((r: { id: string }) => r.id),
        ['q6', 'q4'],
      );
      const next = await get(
        `/query/messages?account=acme&openId=oEven&${range}&limit=2&cursor=${even.body.nextCursor}`,
      );
      assert.deepEqual(
        next.body.items.map((r: { id: string }) => r.id),
        ['q2', 'q0'],
      );
      assert.equal(next.body.nextCursor, undefined);
      const text = await get(`/query/messages?account=acme&${range}&text=${encodeURIComponent('办宽带100%_')}`);
      assert.deepEqual(
        text.body.items.map((r: { id: string }) => r.id),
        ['q3'],
      );
      assert.equal(text.body.items[0].content, '我要办宽带100%_');
      const percent = await get(`/query/messages?account=acme&${range}&text=%25`);
      assert.deepEqual(
        percent.body.items.map((r: { id: string }) => r.id),
        ['q3'],
      );
      const events = await get(`/query/messages?account=acme&${range}&type=event&event=subscribe`);
      assert.deepEqual(
        events.body.items.map((r: { eventKey: string }) => r.eventKey),
        ['qrscene_mall'],
      );
    });

    it("gives a user's timeline oldest first", async () => {
      const timeline = await get(`/query/timeline?account=acme&openId=oOdd&${range}`);
      assert.deepEqual(
        timeline.body.items.map((r: { id: string }) => r.id),
        ['q1', 'q3', 'q5'],
      );
    });

    it('serves the dashboard from the rollups, with a comparison window', async () => {
      const { status, body } = await get(`/query/dashboard?account=acme&${range}&compare=previous`);
      assert.equal(status, 200);
      assert.equal(body.totals.messages, seeded.length);
      assert.equal(body.perMinute[0].byType.text, 7);
      assert.equal(body.perMinute[0].byType['event:subscribe'], 1);
      assert.deepEqual(body.latency, { p50: 5, p99: 5 });
      assert.deepEqual(body.followers, [
        { day: t0 - (t0 % 86_400_000), gained: 1, lost: 1, net: 0, sources: { 'qr:mall': 1 } },
      ]);
      assert.equal(body.topKeywords.length, 7);
      assert.equal(body.compare.messages, 0);
      // The raw rows are not read: the dashboard is the same with them gone.
      await admin.query('DELETE FROM log_messages');
      assert.equal((await get(`/query/dashboard?account=acme&${range}`)).body.perMinute[0].byType.text, 7);
    });

    it('refuses bad parameters with 400 and treats SQL in every parameter as data', async () => {
      const injections = ["' OR '1'='1", '1; DROP TABLE log_messages; --', "acme' UNION SELECT * FROM accounts --"];
      const params = [
        'account',
        'openId',
        'type',
        'event',
        'text',
        'api',
        'from',
        'to',
        'cursor',
        'limit',
        'errcode',
        'compare',
      ];
      const paths = ['/query/messages', '/query/timeline', '/query/interface', '/query/dashboard'];
      const cases = paths.flatMap((path) =>
        injections.flatMap((injection) => params.map((param) => ({ path, injection, param }))),
      );
      for (const { path, injection, param } of cases) {
        const q = new URLSearchParams({ account: 'acme', openId: 'oEven', [param]: injection });
        const { status, body } = await get(`${path}?${q}`);
        assert.ok(status === 200 || status === 400, `${path} ${param}: ${status}`);
        // Accepted as data, it matches nothing (no stored value looks like SQL).
        if (status === 200) assert.equal((body.items ?? []).length, 0, `${path} ${param} found rows`);
        else assert.equal(body.error.code, 'bad_request');
      }
      assert.equal(await count('SELECT COUNT(*) n FROM log_messages'), seeded.length);
      for (const bad of [
        'limit=501',
        'limit=0',
        'from=abc',
        'from=5&to=4',
        'unknown=1',
        'limit=1&limit=2',
        'cursor=../../etc',
      ]) {
        const { status, body } = await get(`/query/messages?${bad}`);
        assert.equal(status, 400, bad);
        assert.equal(body.error.code, 'bad_request', bad);
      }
      assert.equal((await get('/query/timeline?account=acme')).status, 400);
      assert.equal((await get(`/query/dashboard?from=0&to=${40 * 86_400_000}`)).status, 400);
    });
  });
});
