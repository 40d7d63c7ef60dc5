/**
 * Log ingestion into MariaDB: events waiting in `mpstack.log-events` (batches of 1000, as the
 * ingress publishes them) consumed by the log service (decode, batched INSERT IGNORE, rollups,
 * acks, the text index) — against the ceiling measured in the same run: plain multi-row INSERTs
 * of the same rows into the same table, 1000 rows a statement, 5000 a transaction, no queue, no
 * rollups, no text index, on as many connections at once as the service has writers (and, for
 * reference, on one).
 *
 *   make bench-log            (BENCH_LOG_EVENTS, default 200000; BENCH_LOG_WRITERS, default the
 *                              service's MPSTACK_LOG_WRITERS default)
 *
 * Needs the local MariaDB (root, no password) and RabbitMQ; uses a database and a vhost of its
 * own, dropped afterwards. Prints events/s of both and the ratio.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueue } from '@mpstack/common/adapters';
import { encodeLogEvent, encodeLogEventBatch, logEventsDeclaration, logEventsQueue } from '@mpstack/common/contracts';
import { createDatabase, ensureMysqlDatabase, migrateToLatest } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { loadLogConfig, startLog } from '@mpstack/log';
import { createVhost, deleteVhost, uniqueName } from '@mpstack/testkit';
import mysql from 'mysql2/promise';

const ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
/** The database server's process id (optional): its CPU time per row is printed too — meaningful on a server of one's own. */
const DB_PID = process.env['BENCH_DB_PID'];

/** CPU ms so far of this process and (when BENCH_DB_PID is set) of the database server. */
function cpuNow(): { node: number; db: number | undefined } {
  const usage = process.cpuUsage();
  let db: number | undefined;
  if (DB_PID !== undefined) {
    // utime and stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks of 10 ms.
    const fields = readFileSync(`/proc/${DB_PID}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    db = (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return { node: (usage.user + usage.system) / 1000, db };
}

/** CPU µs per row since `start`: `node <µs> [db <µs>]`. */
function cpuPerRow(start: ReturnType<typeof cpuNow>, rows: number): string {
  const end = cpuNow();
  const node = `node ${(((end.node - start.node) * 1000) / rows).toFixed(1)} µs`;
  return end.db === undefined || start.db === undefined
    ? `CPU/row: ${node}`
    : `CPU/row: ${node}, db ${(((end.db - start.db) * 1000) / rows).toFixed(1)} µs`;
}
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

const COLUMNS = [
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

/** Plain batched INSERTs of the same rows on `connections` connections at once (rows/s); the table is emptied after. */
async function ceiling(url: string, now: number, connections: number): Promise<{ rate: number; cpu: string }> {
  const links = await Promise.all(Array.from({ length: connections }, () => mysql.createConnection(url)));
  const started = performance.now();
  const cpu = cpuNow();
  let next = 0;
  await Promise.all(
    links.map(async (link) => {
      for (;;) {
        const tx = next;
        next += 5000;
        if (tx >= total) return;
        await link.beginTransaction();
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
          await link.query(`INSERT INTO log_messages (${COLUMNS.join(', ')}) VALUES ?`, [rows]);
        }
        await link.commit();
      }
    }),
  );
  const rate = total / ((performance.now() - started) / 1000);
  const cpuUsed = cpuPerRow(cpu, total);
  await links[0]?.query('TRUNCATE TABLE log_messages');
  await Promise.all(links.map((l) => l.end()));
  return { rate, cpu: cpuUsed };
}

async function main(): Promise<void> {
  const name = uniqueName('mpstack_bench_log').replace(/-/g, '_');
  const url = `${ADMIN_URL}/${name}`;
  const amqpUrl = await createVhost(name);
  const admin = await mysql.createConnection(ADMIN_URL);
  const now = Date.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'mpstack-bench-log-'));
  try {
    await ensureMysqlDatabase(url);
    const db = createDatabase({ url });
    await migrateToLatest(db);
    await db.destroy();

    const writers = Number(process.env['BENCH_LOG_WRITERS'] ?? loadLogConfig({}).writers);
    const ceiling1 = await ceiling(url, now, 1);
    const ceilingN = await ceiling(url, now, writers);

    // The log service: the events wait in the queue first, then it consumes them all.
    const publisher = await createQueue({ amqpUrl, connectionName: 'bench-log' });
    await publisher.declare([logEventsDeclaration]);
    for (let s = 0; s < total; s += 1000) {
      const batch = [];
      for (let i = s; i < Math.min(total, s + 1000); i += 1) batch.push(encodeLogEvent(event(i, now)));
      await publisher.publish(logEventsQueue, encodeLogEventBatch(batch));
    }
    await publisher.close();
    const config = loadLogConfig({
      MPSTACK_DATABASE_URL: url,
      MPSTACK_AMQP_URL: amqpUrl,
      MPSTACK_LOG_PORT: '0',
      MPSTACK_LOG_WRITERS: String(writers),
      MPSTACK_DATA_DIR: dataDir,
    });
    const logStarted = performance.now();
    const logCpu = cpuNow();
    const log = await startLog({ config, logger: createLogger({ service: 'bench', level: 'warn' }) });
    let stored = 0;
    for (;;) {
      // The rollups count each stored event once: a small table to poll, unlike COUNT(*) of the log.
      const [rows] = await admin.query(`SELECT SUM(total) AS n FROM \`${name}\`.log_rollup_minute`);
      stored = Number((rows as { n: number }[])[0]?.n ?? 0);
      if (stored >= total) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const logSeconds = (performance.now() - logStarted) / 1000;
    const logCpuUsed = cpuPerRow(logCpu, total);
    await log.close();
    const [check] = await admin.query(`SELECT COUNT(*) AS n FROM \`${name}\`.log_messages`);
    const rowsStored = Number((check as { n: number }[])[0]?.n);
    if (rowsStored !== total) throw new Error(`stored ${rowsStored} rows for ${total} events`);
    const ours = total / logSeconds;
    console.log(`log ingestion, ${total} events into MariaDB (80 % text messages, indexed for search)`);
    console.log(
      `  ceiling, plain batched INSERT, 1 connection   ${Math.round(ceiling1.rate)} rows/s  (${ceiling1.cpu})`,
    );
    console.log(
      `  ceiling, plain batched INSERT, ${writers} connections  ${Math.round(ceilingN.rate)} rows/s  (${ceilingN.cpu})`,
    );
    console.log(
      `  log service (queue → INSERT + text index + rollups, ${writers} writers)  ${Math.round(ours)} events/s` +
        `  = ${(ours / ceilingN.rate).toFixed(2)} × the ${writers}-connection ceiling, ${(ours / 20_000).toFixed(2)} × the target (≥ 20000)  (${logCpuUsed})`,
    );
    console.log(`  load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
    await deleteVhost(name);
  }
}

await main();
