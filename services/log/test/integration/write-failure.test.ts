import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createQueue } from '@mpstack/common/adapters';
import {
  encodeLogEvent,
  encodeLogEventBatch,
  type LogEvent,
  logEventsQueue,
  type MessageLogEvent,
} from '@mpstack/common/contracts';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { createTelemetry, type Telemetry } from '@mpstack/common/telemetry';
import { createTestDatabase, type TestDatabase, until } from '@mpstack/testkit';
import { sql } from 'kysely';
import { LogConsumer, LogStore } from '../../src/index.js';

/** A 500-message batch whose multi-row INSERT, values inlined by the driver, is ~200 KB. */
function messages(count: number): LogEvent[] {
  const now = Date.now();
  return Array.from(
    { length: count },
    (_, i): MessageLogEvent =>
      ({
        type: 'message',
        id: `wf${i}`,
        at: now,
        account: 'acme',
        openId: `oUser${i}`,
        msgType: 'text',
        msgId: String(i),
        content: `办宽带 ${'长'.repeat(100)} ${i}`,
        outcome: 'forwarded',
        latencyMs: 3,
      }) as MessageLogEvent,
  );
}

describe('log service: a failed write is logged as a bounded summary (MariaDB)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let db: Db;
  let queue: QueuePort;
  let telemetry: Telemetry;
  let consumer: LogConsumer | undefined;
  const lines: string[] = [];

  before(async () => {
    database = await createTestDatabase('mpstack_logfail');
    db = createDatabase({ url: database.url });
    await migrateToLatest(db);
    queue = await createQueue({});
    telemetry = createTelemetry({ service: 'write-failure-test', traceSampleRatio: 0 });
  });

  after(async () => {
    await consumer?.close();
    await queue?.close();
    await telemetry?.shutdown();
    await db?.destroy();
    await database?.drop();
  });

  it('logs the statement kind, its row count and the error code, not the ~200 KB statement; nothing is lost', async () => {
    const logger = createLogger({
      service: 'log-test',
      level: 'warn',
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      }),
    });
    // The table the write goes to is away: the INSERT fails on the server with ER_NO_SUCH_TABLE.
    await sql`RENAME TABLE log_messages TO log_messages_away`.execute(db);
    consumer = new LogConsumer({
      queue,
      writer: new LogStore(db),
      logger,
      meter: telemetry.meter,
      batchEvents: 500,
      flushMs: 20,
      prefetch: 4,
      retry: { initialMs: 50, maxMs: 50 },
    });
    await consumer.start();
    const events = messages(500);
    await queue.publish(logEventsQueue, encodeLogEventBatch(events.map(encodeLogEvent)));
    await until(async () => lines.length > 0, 20_000, 'the failure logged');

    const [line = ''] = lines;
    assert.ok(line.length < 1000, `the line is ${line.length} characters: ${line.slice(0, 300)}`);
    assert.doesNotMatch(line, /VALUES|办宽带|oUser/);
    const logged = JSON.parse(line) as { msg: string; events: number; failure: Record<string, unknown> };
    assert.equal(logged.msg, 'log write failed; the events wait, unacknowledged');
    assert.equal(logged.events, 500);
    assert.deepEqual(
      { ...logged.failure, message: undefined },
      {
        statement: 'INSERT IGNORE INTO log_messages',
        rows: 500,
        code: 'ER_NO_SUCH_TABLE',
        errno: 1146,
        sqlState: '42S02',
        message: undefined,
      },
    );
    assert.match(String(logged.failure['message']), /log_messages' doesn't exist/);
    assert.match(consumer.writeError ?? '', /log_messages' doesn't exist/);

    // The events waited, unacknowledged: the table back, every one is written.
    await sql`RENAME TABLE log_messages_away TO log_messages`.execute(db);
    await until(
      async () => {
        const row = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM log_messages`.execute(db);
        return Number(row.rows[0]?.n) === 500;
      },
      20_000,
      'every event written',
    );
    assert.equal(lines.length, 1, 'one line for the whole outage');
  });
});
