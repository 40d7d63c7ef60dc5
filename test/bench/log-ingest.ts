/**
 * Log ingestion into MariaDB: events waiting in `mpstack.log-events` (batches of 1000, as the
 * ingress publishes them) consumed by the log service (decode, batched INSERT IGNORE, rollups,
 * acks) — against the ceiling measured in the same run: plain multi-row INSERTs of the same rows
 * into the same table, 1000 rows a statement, 5000 a transaction, no queue, no rollups.
 *
 *   make bench-log            (BENCH_LOG_EVENTS, default 200000)
 *
 * Needs the local MariaDB (root, no password) and RabbitMQ; uses a database and a vhost of its
 * own, dropped afterwards. Prints events/s of both and the ratio.
 */

import { createQueue } from '@mpstack/common/adapters';
import { encodeLogEvent, encodeLogEventBatch, logEventsDeclaration, logEventsQueue } from '@mpstack/common/contracts';
import { createDatabase, ensureMysqlDatabase, migrateToLatest } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { loadLogConfig, startLog } from '@mpstack/log';
import { createVhost, deleteVhost, uniqueName } from '@mpstack/testkit';
import mysql from 'mysql2/promise';

const ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
const total = Number(process.env['BENCH_LOG_EVENTS'] ?? 200_000);
const texts = ['办宽带', '查话费', '你好', 'hello', '流量套餐怎么办理', '人工客服', '1', '积分兑换'];

function event(i: number, now: number) {
  return {
    type: 'message' as const,
    id: `b${i.toString(36)}`,
    at: now - total + i,
    account: `acct${i % 4}`,
    openId: `oUser${(i * 7919) % 50_000}`,
    msgType: i % 5 === 0 ? 'event' : 'text',
    event: i % 5 === 0 ? (i % 2 === 0 ? 'subscribe' : 'CLICK') : undefined,
    msgId: String(1e18 + i),
    ...(i % 5 === 0 ? {} : { content: texts[i % texts.length] as string }),
    outcome: i % 3 === 0 ? 'accepted_published' : 'replied',
    decidedBy: 'keyword',
    latencyMs: (i % 40) / 2,
  };
}

async function main(): Promise<void> {
  const name = uniqueName('mpstack_bench_log').replace(/-/g, '_');
  const url = `${ADMIN_URL}/${name}`;
  const amqpUrl = await createVhost(name);
  const admin = await mysql.createConnection(ADMIN_URL);
  const now = Date.now();
  try {
    await ensureMysqlDatabase(url);
    const db = createDatabase({ url });
    await migrateToLatest(db);
    await db.destroy();

    // Ceiling: the same rows, plain batched INSERTs on one connection.
    const direct = await mysql.createConnection(url);
    const columns = [
      'at',
      'event_id',
      'account',
      'open_id',
      'msg_type',
      'event',
      'msg_id',
      'content',
      'outcome',
      'decided_by',
      'latency_ms',
    ];
    const started = performance.now();
    for (let tx = 0; tx < total; tx += 5000) {
      await direct.beginTransaction();
      for (let s = tx; s < Math.min(total, tx + 5000); s += 1000) {
        const rows = [];
        for (let i = s; i < Math.min(total, s + 1000); i += 1) {
          const e = event(i, now);
          rows.push([
            e.at,
            `c${e.id}`,
            e.account,
            e.openId,
            e.msgType,
            e.event ?? null,
            e.msgId,
            e.content ?? null,
            e.outcome,
            e.decidedBy,
            e.latencyMs,
          ]);
        }
        await direct.query(`INSERT INTO log_messages (${columns.join(', ')}) VALUES ?`, [rows]);
      }
      await direct.commit();
    }
    const ceilingSeconds = (performance.now() - started) / 1000;
    await direct.query('DELETE FROM log_messages');
    await direct.end();

    // The log service: the events wait in the queue first, then it consumes them all.
    const publisher = await createQueue({ amqpUrl, connectionName: 'bench-log' });
    await publisher.declare([logEventsDeclaration]);
    for (let s = 0; s < total; s += 1000) {
      const batch = [];
      for (let i = s; i < Math.min(total, s + 1000); i += 1) batch.push(encodeLogEvent(event(i, now)));
      await publisher.publish(logEventsQueue, encodeLogEventBatch(batch));
    }
    await publisher.close();
    const config = loadLogConfig({ MPSTACK_DATABASE_URL: url, MPSTACK_AMQP_URL: amqpUrl, MPSTACK_LOG_PORT: '0' });
    const logStarted = performance.now();
    const log = await startLog({ config, logger: createLogger({ service: 'bench', level: 'warn' }) });
    let stored = 0;
    for (;;) {
      const [rows] = await admin.query(`SELECT COUNT(*) AS n FROM \`${name}\`.log_messages`);
      stored = Number((rows as { n: number }[])[0]?.n);
      if (stored >= total) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const logSeconds = (performance.now() - logStarted) / 1000;
    await log.close();
    const ceiling = total / ceilingSeconds;
    const ours = total / logSeconds;
    console.log(`log ingestion, ${total} events into MariaDB`);
    console.log(`  ceiling (plain batched INSERT)          ${Math.round(ceiling)} rows/s`);
    console.log(
      `  log service (queue → INSERT + rollups)  ${Math.round(ours)} events/s  (${((100 * ours) / ceiling).toFixed(0)} % of the ceiling; target ≥ 20000)`,
    );
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
    await deleteVhost(name);
  }
}

await main();
