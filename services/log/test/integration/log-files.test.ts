import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createQueue } from '@mpstack/common/adapters';
import {
  encodeLogEvent,
  encodeLogEventBatch,
  type LogEvent,
  logEventsDeclaration,
  logEventsQueue,
} from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { createVhost, deleteVhost, uniqueName, until } from '@mpstack/testkit';
import mysql from 'mysql2/promise';
import { loadLogConfig, nodeSinkFs, type RunningLog, type SinkFs, startLog } from '../../src/index.js';

const ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
const logger = createLogger({ service: 'log-files-test', level: 'silent' });

let sequence = 0;
function events(count: number): LogEvent[] {
  return Array.from({ length: count }, (_, i): LogEvent => {
    sequence += 1;
    return i % 2 === 0
      ? {
          type: 'message',
          id: `f${sequence}`,
          at: Date.now(),
          account: 'acme',
          openId: 'oUser1',
          msgType: 'text',
          event: undefined,
          msgId: String(sequence),
          content: '查话费',
          outcome: 'replied',
          decidedBy: 'keyword',
          latencyMs: 2,
        }
      : {
          type: 'interface',
          id: `f${sequence}`,
          at: Date.now(),
          account: 'acme',
          api: '/cgi-bin/message/custom/send',
          errcode: 0,
          latencyMs: 30,
        };
  });
}

describe('log service: the JSON-lines files on MariaDB and RabbitMQ', function () {
  this.timeout(60_000);
  const name = uniqueName('mpstack_logfiles').replace(/-/g, '_');
  let amqpUrl: string;
  let admin: mysql.Connection;
  let publisher: QueuePort;
  let dataDir: string;
  let log: RunningLog | undefined;
  const disk = {
    full: false as boolean,
    ensureDir: (dir: string) => nodeSinkFs.ensureDir(dir),
    async append(path: string, data: Buffer) {
      if (disk.full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await nodeSinkFs.append(path, data);
    },
  } satisfies SinkFs & { full: boolean };

  async function count(sql: string): Promise<number> {
    const [rows] = await admin.query(sql);
    return Number((rows as { n: number }[])[0]?.n ?? 0);
  }

  before(async () => {
    amqpUrl = await createVhost(name);
    admin = await mysql.createConnection(ADMIN_URL);
    publisher = await createQueue({ amqpUrl, connectionName: 'log-files-test-publisher' });
    await publisher.declare([logEventsDeclaration]);
    dataDir = await mkdtemp(join(tmpdir(), 'mpstack-logfiles-'));
    const config = loadLogConfig({
      MPSTACK_DATABASE_URL: `${ADMIN_URL}/${name}`,
      MPSTACK_AMQP_URL: amqpUrl,
      MPSTACK_DATA_DIR: dataDir,
      MPSTACK_LOG_PORT: '0',
      MPSTACK_LOG_LEVEL: 'silent',
      MPSTACK_LOG_FLUSH_MS: '20',
      MPSTACK_LOG_FILE_FLUSH_MS: '50',
    });
    log = await startLog({ config, logger, fileSystem: disk });
    await admin.query(`USE \`${name}\``);
  });

  after(async () => {
    await log?.close();
    await publisher?.close();
    await admin?.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin?.end();
    await deleteVhost(name);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('disk full: the database path goes on (rows written, deliveries acked), /readyz and /metrics say the files fail; the held lines land afterwards', async () => {
    disk.full = true;
    const batch = events(40);
    await publisher.publish(logEventsQueue, encodeLogEventBatch(batch.map(encodeLogEvent)));
    await until(async () => (await count('SELECT COUNT(*) n FROM log_messages')) === 20, 10_000, 'the rows');
    assert.equal(await count('SELECT COUNT(*) n FROM log_interface_calls'), 20);
    await until(async () => (await publisher.depth(logEventsQueue)) === 0, 10_000, 'the queue drained (acked)');
    await until(() => log?.files.status.failing !== undefined, 10_000, 'the sink failing');
    const ready = await fetch(`${log?.url}/readyz`);
    assert.equal(ready.status, 200, 'the files do not make the service unready');
    assert.match(await ready.text(), /file sink failing \(ENOSPC/);
    assert.match(
      await (await fetch(`${log?.url}/metrics`)).text(),
      /mpstack_log_file_sink_failures_total\{[^}]*code="ENOSPC"/,
    );

    disk.full = false;
    await until(() => log?.files.status.failing === undefined, 10_000, 'the sink writing again');
    const month = new Date().toISOString().slice(0, 7);
    const access = (await readFile(join(dataDir, 'logs', `access-${month}.jsonl`), 'utf8')).split('\n').filter(Boolean);
    const calls = (await readFile(join(dataDir, 'logs', `interface-${month}.jsonl`), 'utf8'))
      .split('\n')
      .filter(Boolean);
    assert.equal(access.length, 20);
    assert.equal(calls.length, 20);
    assert.ok(!access.some((line) => line.includes('查话费')), 'no message text in the access log');
  });

  it('GET /files lists the files and GET /files/:name streams one; a bad name is 400, an unknown one 404', async () => {
    await publisher.publish(logEventsQueue, encodeLogEventBatch(events(4).map(encodeLogEvent)));
    const month = new Date().toISOString().slice(0, 7);
    const current = `interface-${month}.jsonl`;
    await writeFile(join(dataDir, 'logs', 'interface-2020-01.jsonl.gz'), gzipSync('{"old":true}\n'));
    await writeFile(join(dataDir, 'secret.txt'), 'not served');
    await until(
      async () => {
        const list = (await (await fetch(`${log?.url}/files`)).json()) as {
          items: { name: string; bytes: number; month: string; gzipped: boolean }[];
        };
        return list.items.some((f) => f.name === current && f.bytes > 0);
      },
      10_000,
      'the current month listed',
    );
    const list = (await (await fetch(`${log?.url}/files`)).json()) as {
      items: { name: string; bytes: number; month: string; gzipped: boolean }[];
    };
    assert.deepEqual(
      list.items.map((f) => [f.name, f.month, f.gzipped]),
      [
        [`access-${month}.jsonl`, month, false],
        [current, month, false],
        ['interface-2020-01.jsonl.gz', '2020-01', true],
      ],
    );
    const download = await fetch(`${log?.url}/files/${current}`);
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-type') ?? '', /application\/x-ndjson/);
    assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="interface-/);
    const body = await download.text();
    assert.ok(
      body
        .split('\n')
        .filter(Boolean)
        .every((line) => JSON.parse(line).type === 'interface'),
    );
    const gz = await fetch(`${log?.url}/files/interface-2020-01.jsonl.gz`);
    assert.equal(gz.headers.get('content-type'), 'application/gzip');
    assert.deepEqual(Buffer.from(await gz.arrayBuffer()), gzipSync('{"old":true}\n'));

    for (const bad of [
      '..%2Fsecret.txt',
      '..%2F..%2Fetc%2Fpasswd',
      'secret.txt',
      '%2Fetc%2Fpasswd',
      'interface-2026-12.jsonl%00',
    ]) {
      const response = await fetch(`${log?.url}/files/${bad}`);
      assert.equal(response.status, 400, bad);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'bad_request');
    }
    const unknown = await fetch(`${log?.url}/files/access-2019-01.jsonl.gz`);
    assert.equal(unknown.status, 404);
  });

  it('POST /summary/send says 409 when no SMTP server or recipient is configured, 400 for a bad body', async () => {
    const post = (body: unknown) =>
      fetch(`${log?.url}/summary/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const off = await post({ day: 'today' });
    assert.equal(off.status, 409);
    assert.match(((await off.json()) as { error: { message: string } }).error.message, /MPSTACK_SMTP_URL/);
    assert.equal((await post({ day: 'tomorrow' })).status, 400);
  });
});
