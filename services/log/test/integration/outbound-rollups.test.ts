import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueue } from '@mpstack/common/adapters';
import {
  encodeLogEventBatch,
  logEventsDeadLetterQueue,
  logEventsDeclaration,
  logEventsQueue,
  type ReceiptLogEvent,
  type SendLogEvent,
} from '@mpstack/common/contracts';
import { createDatabase, type Db, monthStart, partitionName } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { createVhost, deleteVhost, uniqueName, until } from '@mpstack/testkit';
import mysql from 'mysql2/promise';
import { listPartitions, loadLogConfig, maintainPartitions, type RunningLog, startLog } from '../../src/index.js';

const ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
const logger = createLogger({ service: 'log-outbound-test', level: 'silent' });
const MINUTE = 60_000;
/** A fixed hour (UTC), so the minutes of the events are known. */
const t0 = Date.UTC(2026, 11, 3, 8, 0, 0);

let sequence = 0;
function send(overrides: Partial<Record<string, unknown>> = {}): SendLogEvent {
  sequence += 1;
  return {
    type: 'send',
    id: `s${sequence}`,
    at: t0,
    account: 'acme',
    family: 'template',
    outcome: 'sent',
    ...overrides,
  } as SendLogEvent;
}
function receipt(overrides: Partial<ReceiptLogEvent> = {}): ReceiptLogEvent {
  sequence += 1;
  return {
    type: 'receipt',
    id: `r${sequence}`,
    at: t0,
    account: 'acme',
    family: 'template',
    success: 1,
    userBlock: 0,
    systemFailed: 0,
    ...overrides,
  };
}
const batch = (events: readonly unknown[]) => encodeLogEventBatch(events.map((e) => JSON.stringify(e)));

describe('log service: sends and receipts into the dashboard rollups (MariaDB, RabbitMQ)', function () {
  this.timeout(60_000);
  const name = uniqueName('mpstack_logout').replace(/-/g, '_');
  let amqpUrl: string;
  let admin: mysql.Connection;
  let publisher: QueuePort;
  let db: Db;
  let log: RunningLog | undefined;
  let dataDir: string;

  async function count(query: string): Promise<number> {
    const [rows] = await admin.query(query);
    return Number((rows as { n: number | null }[])[0]?.n ?? 0);
  }
  const sentAt = (account: string, span: number) =>
    count(
      `SELECT SUM(count) n FROM log_rollup_outbound WHERE kind = 'send' AND account = '${account}' AND span = ${span}`,
    );

  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read field by field in assertions
  async function get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${log?.url}${path}`);
    return { status: response.status, body: await response.json() };
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mpstack-log-outbound-'));
    amqpUrl = await createVhost(name);
    admin = await mysql.createConnection(ADMIN_URL);
    publisher = await createQueue({ amqpUrl, connectionName: 'log-outbound-test' });
    await publisher.declare([logEventsDeclaration]);
    const config = loadLogConfig({
      MPSTACK_DATABASE_URL: `${ADMIN_URL}/${name}`,
      MPSTACK_AMQP_URL: amqpUrl,
      MPSTACK_LOG_PORT: '0',
      MPSTACK_LOG_LEVEL: 'silent',
      MPSTACK_LOG_FLUSH_MS: '20',
      MPSTACK_DATA_DIR: dataDir,
    });
    log = await startLog({ config, logger });
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
    for (const table of ['log_outbound_seen', 'log_rollup_outbound']) await admin.query(`DELETE FROM ${table}`);
  });

  it('counts sends by family and outcome and receipts by outcome, per minute, hour and day, per account and for all', async () => {
    const events = [
      send(),
      send({ at: t0 + 10_000 }),
      send({ at: t0 + MINUTE, outcome: 'failed', errcode: 43004 }),
      send({ at: t0 + MINUTE, family: 'mass', outcome: 'refused', reason: 'quota_reached', errcode: 45009 }),
      send({ at: t0 + 2 * MINUTE, account: 'other', family: 'kefu', outcome: 'failed', errcode: -1 }),
      receipt(),
      receipt({ at: t0 + MINUTE, success: 0, userBlock: 1 }),
      receipt({ at: t0 + MINUTE, family: 'mass', success: 7, systemFailed: 2 }),
    ];
    await publisher.publish(logEventsQueue, batch(events));
    await until(
      async () => (await count('SELECT COUNT(*) n FROM log_outbound_seen')) === events.length,
      10_000,
      'all seen',
    );
    for (const span of [MINUTE, 3_600_000, 86_400_000]) {
      assert.equal(await sentAt('acme', span), 4, `acme's sends at span ${span}`);
      assert.equal(await sentAt('', span), 5, `all accounts' sends at span ${span}`);
    }
    const { status, body } = await get(`/query/outbound?account=acme&from=${t0}&to=${t0 + 5 * MINUTE}&step=minute`);
    assert.equal(status, 200);
    assert.equal(body.step, MINUTE);
    assert.deepEqual(
      body.series.map((b: { t: number; sends: Record<string, number> }) => [b.t - t0, b.sends]),
      [
        [0, { 'template:sent': 2 }],
        [MINUTE, { 'template:failed': 1, 'mass:refused': 1 }],
      ],
    );
    assert.deepEqual(body.series[1].receipts, { success: 7, userBlock: 1, systemFailed: 2 });
    assert.deepEqual(
      { sent: body.totals.sent, failed: body.totals.failed, refused: body.totals.refused },
      { sent: 2, failed: 1, refused: 1 },
    );
    assert.deepEqual(body.totals.receipts, { success: 8, userBlock: 1, systemFailed: 2 });
    assert.deepEqual(body.totals.failures.map((f: { detail: string }) => f.detail).sort(), ['43004', 'quota_reached']);
    const all = await get(`/query/outbound?from=${t0}&to=${t0 + 5 * MINUTE - 1}&compare=yesterday`);
    assert.equal(all.body.totals.failed, 2);
    assert.deepEqual(all.body.totals.sends['kefu:failed'], 1);
    assert.equal(all.body.compare.sent, 0);
    assert.deepEqual(all.body.compareSeries, []);
    // A later window compared with this one: the comparison holds these counts.
    const next = await get(`/query/outbound?from=${t0 + 5 * MINUTE}&to=${t0 + 10 * MINUTE - 1}&compare=previous`);
    assert.deepEqual(next.body.series, []);
    assert.equal(next.body.totals.sent, 0);
    assert.equal(next.body.compare.sent, 2);
  });

  it('compares a window with the minutes just before it, not with its own first minute again', async () => {
    // Two sends in the window's first minute, one in the minute before it.
    const events = [
      send({ at: t0 + 5 * MINUTE }),
      send({ at: t0 + 5 * MINUTE + 30_000 }),
      send({ at: t0 + 5 * MINUTE - 1 }),
    ];
    await publisher.publish(logEventsQueue, batch(events));
    await until(
      async () => (await count('SELECT COUNT(*) n FROM log_outbound_seen')) === events.length,
      10_000,
      'all seen',
    );
    // [08:05:00, 08:10:00] meets the six minutes 08:05 … 08:10; the previous period is 07:59 … 08:04.
    const { body } = await get(`/query/outbound?from=${t0 + 5 * MINUTE}&to=${t0 + 10 * MINUTE}&compare=previous`);
    assert.equal(body.totals.sent, 2);
    assert.equal(body.compare.sent, 1);
    assert.deepEqual(
      body.compareSeries.map((b: { t: number }) => b.t - t0),
      [4 * MINUTE],
    );
  });

  it('counts an event delivered twice (the same batch again, or in another batch) once', async () => {
    const events = [send(), send({ outcome: 'failed', errcode: 40003 }), receipt({ id: 'rt123' })];
    await publisher.publish(logEventsQueue, batch(events));
    await publisher.publish(logEventsQueue, batch(events));
    // WeChat pushing the receipt again: the business service records it again under the same id and time.
    await publisher.publish(logEventsQueue, batch([receipt({ id: 'rt123' }), send()]));
    await until(async () => (await count('SELECT COUNT(*) n FROM log_outbound_seen')) === 4, 10_000, 'four events');
    await until(async () => (await publisher.depth(logEventsQueue)) === 0, 10_000, 'the queue drained');
    await until(async () => (await sentAt('acme', MINUTE)) === 3, 10_000, 'three sends');
    const { body } = await get(`/query/outbound?account=acme&from=${t0}&to=${t0 + MINUTE}`);
    assert.deepEqual([body.totals.sent, body.totals.failed], [2, 1]);
    assert.deepEqual(body.totals.receipts, { success: 1, userBlock: 0, systemFailed: 0 });
    assert.equal(
      await count('SELECT SUM(count) n FROM log_rollup_outbound WHERE kind = "receipt" AND span = 60000'),
      2,
    );
  });

  it('dead-letters a send or receipt with wrong fields, with the reason, and counts the rest of its batch', async () => {
    const good = send();
    const bad = [
      send({ outcome: 'failed' }),
      send({ family: 'sms' }),
      send({ accessToken: 'ACCESS_TOKEN' }),
      receipt({ success: -3 }),
    ];
    await publisher.publish(logEventsQueue, batch([good, ...bad]));
    await until(async () => (await sentAt('acme', MINUTE)) === 1, 10_000, 'the good send');
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
      await until(() => reasons.length === bad.length, 10_000, 'four dead letters');
    } finally {
      await consumer.cancel();
    }
    for (const pattern of [/at errcode/, /at family/, /accessToken/, /at success/]) {
      assert.ok(
        reasons.some((r) => pattern.test(r)),
        `${pattern} in ${reasons.join(' | ')}`,
      );
    }
    assert.equal(await count('SELECT COUNT(*) n FROM log_outbound_seen'), 1);
  });

  it('partitions both tables by month and drops their old partitions with the retention (injected clock)', async () => {
    for (const [table, column] of [
      ['log_outbound_seen', 'at'],
      ['log_rollup_outbound', 'start'],
    ] as const) {
      const [create] = await admin.query(`SHOW CREATE TABLE ${table}`);
      assert.match(
        String((create as Record<string, string>[])[0]?.['Create Table']),
        new RegExp(`PARTITION BY RANGE \\(\`${column}\`\\)`),
      );
    }
    const now = Date.now();
    await publisher.publish(logEventsQueue, batch([send({ at: now })]));
    await until(async () => (await count('SELECT COUNT(*) n FROM log_outbound_seen')) === 1, 10_000, 'the send');
    const later = monthStart(now, 9);
    const plan = await maintainPartitions(db, { now: later, ahead: 2, retentionMonths: 6, logger });
    for (const table of ['log_outbound_seen', 'log_rollup_outbound']) {
      assert.ok(plan.dropped.includes(`${table}.${partitionName(monthStart(now))}`), plan.dropped.join(','));
      const names = (await listPartitions(db, table)).map((p) => p.name);
      assert.ok(names.includes(partitionName(monthStart(later, 2))), names.join(','));
    }
    assert.equal(await count('SELECT COUNT(*) n FROM log_outbound_seen'), 0);
    assert.equal(await count('SELECT COUNT(*) n FROM log_rollup_outbound'), 0);
  });
});
