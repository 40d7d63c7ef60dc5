import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueue } from '@mpstack/common/adapters';
import {
  encodeLogEvent,
  encodeLogEventBatch,
  logEventsDeclaration,
  logEventsQueue,
  type MessageLogEvent,
} from '@mpstack/common/contracts';
import { monthStart, textTableName } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { createTestDatabase, createVhost, deleteVhost, type TestDatabase, uniqueName, until } from '@mpstack/testkit';
import mysql from 'mysql2/promise';
import { loadLogConfig, type RunningLog, startLog } from '../../src/index.js';

/**
 * Several batches written at once (MPSTACK_LOG_WRITERS), each event published twice in two
 * different deliveries that land in concurrent transactions: every event stored once, counted
 * once in the rollups, indexed once.
 */
describe('log service with concurrent writers on MariaDB and RabbitMQ', function () {
  this.timeout(60_000);
  const vhost = uniqueName('mpstack_logw').replace(/-/g, '_');
  let database: TestDatabase;
  let amqpUrl: string;
  let publisher: QueuePort;
  let log: RunningLog | undefined;
  let admin: mysql.Connection;

  before(async () => {
    database = await createTestDatabase('mpstack_logw');
    amqpUrl = await createVhost(vhost);
    publisher = await createQueue({ amqpUrl, connectionName: 'log-writers-test' });
    await publisher.declare([logEventsDeclaration]);
    admin = await mysql.createConnection(database.url);
  });

  after(async () => {
    await log?.close();
    await publisher?.close();
    await admin?.end();
    await database?.drop();
    await deleteVhost(vhost);
    await rm(join(tmpdir(), vhost), { recursive: true, force: true });
  });

  it('writes every event once when its two copies are in batches written at the same time', async () => {
    const now = Date.now();
    const events: MessageLogEvent[] = Array.from({ length: 2000 }, (_, i) => ({
      type: 'message',
      id: `w${i}`,
      at: now - 2000 + i,
      account: `acct${i % 3}`,
      openId: `o${i % 50}`,
      msgType: i % 4 === 0 ? 'event' : 'text',
      event: i % 4 === 0 ? 'CLICK' : undefined,
      msgId: String(i),
      ...(i % 4 === 0 ? {} : { content: `第${i % 7}条 查话费` }),
      outcome: 'replied',
      decidedBy: 'keyword',
      latencyMs: 3,
    }));
    // Deliveries of 50 events; the second copy of each event goes in a delivery with other events.
    const copies = [...events, ...events.slice(1000), ...events.slice(0, 1000)];
    for (let start = 0; start < copies.length; start += 50) {
      await publisher.publish(
        logEventsQueue,
        encodeLogEventBatch(copies.slice(start, start + 50).map((e) => encodeLogEvent(e))),
      );
    }
    log = await startLog({
      config: loadLogConfig({
        MPSTACK_DATABASE_URL: database.url,
        MPSTACK_AMQP_URL: amqpUrl,
        MPSTACK_LOG_PORT: '0',
        MPSTACK_LOG_LEVEL: 'silent',
        MPSTACK_LOG_BATCH_EVENTS: '150',
        MPSTACK_LOG_WRITERS: '4',
        MPSTACK_LOG_PREFETCH: '40',
        MPSTACK_LOG_FLUSH_MS: '5',
        MPSTACK_DATA_DIR: join(tmpdir(), vhost),
      }),
      logger: createLogger({ service: 'log-writers-test', level: 'silent' }),
    });
    const count = async (query: string) => Number(((await admin.query(query))[0] as { n: number }[])[0]?.n ?? 0);
    // Every second copy handled (an unacknowledged delivery no longer counts in the queue's depth).
    const duplicates = async () => {
      const metrics = await (await fetch(`${log?.url}/metrics`)).text();
      return Number(/mpstack_log_events_duplicate_total\S* (\d+)/.exec(metrics)?.[1] ?? 0);
    };
    await until(async () => (await duplicates()) >= events.length, 30_000, 'every second copy seen');
    assert.equal(await duplicates(), events.length);
    assert.equal(await count('SELECT COUNT(*) n FROM log_messages'), events.length);
    assert.equal(await count('SELECT SUM(total) n FROM log_rollup_minute'), events.length);
    assert.equal(await count('SELECT SUM(count) n FROM log_rollup_latency'), events.length);
    const texts = events.filter((e) => e.content !== undefined);
    const tables = new Set(texts.map((e) => textTableName(monthStart(e.at))));
    let indexed = 0;
    for (const table of tables) indexed += await count(`SELECT SUM(messages) n FROM ${table}`);
    assert.equal(indexed, texts.length);
  });
});
