import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createCoordination, MemoryCoordination } from '@mpstack/common/adapters';
import type { LogEvent, MessageLogEvent } from '@mpstack/common/contracts';
import { createDatabase, migrateToLatest } from '@mpstack/common/db';
import { createLogger, type Logger } from '@mpstack/common/logging';
import type { CoordinationPort } from '@mpstack/common/ports';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import { createTelemetry, type Telemetry } from '@mpstack/common/telemetry';
import { createTestDatabase, deleteKeys, REDIS_URL, type TestDatabase, uniqueName } from '@mpstack/testkit';
import { SMTPServer } from 'smtp-server';
import { LogStore, SummaryMailer, type SummaryMailerOptions } from '../../src/index.js';

interface Received {
  readonly to: string[];
  readonly raw: string;
}

/** A local SMTP server (smtp-server) on a port of its own, keeping what it receives. */
async function smtpServer(port = 0): Promise<{ port: number; mails: Received[]; close(): Promise<void> }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { port: address.port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** The decoded subject and text/plain and text/html parts of a mail nodemailer built. */
function decodeMail(raw: string): { subject: string; text: string; html: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const subjectLine = /^Subject: (.*)$/im.exec(unfolded)?.[1] ?? '';
  const subject = subjectLine.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, encoding: string, value: string) =>
    encoding.toUpperCase() === 'B' ? Buffer.from(value, 'base64').toString('utf8') : decodeQp(value.replace(/_/g, ' ')),
  );
  const body = rest.join('\n\n');
  const part = (type: string): string => {
    const match = new RegExp(
      `Content-Type: ${type}[^\\n]*\\r?\\n(?:[^\\n]+\\r?\\n)*?Content-Transfer-Encoding: (\\S+)\\r?\\n\\r?\\n([\\s\\S]*?)\\r?\\n--`,
      'i',
    ).exec(body);
    if (match === null) return '';
    const [, encoding = '', content = ''] = match;
    return encoding.toLowerCase() === 'base64' ? Buffer.from(content, 'base64').toString('utf8') : decodeQp(content);
  };
  return { subject, text: part('text/plain'), html: part('text/html') };
}

function decodeQp(value: string): string {
  const bytes: number[] = [];
  const soft = value.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i += 1) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i] ?? ''));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A logger whose lines the test reads. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'summary-test', level: 'info', destination }), lines };
}

const cst = (local: string) => Date.parse(`${local}+08:00`);

let sequence = 0;
function message(
  at: number,
  overrides: { [K in keyof MessageLogEvent]?: MessageLogEvent[K] | undefined } = {},
): MessageLogEvent {
  sequence += 1;
  return {
    type: 'message',
    id: `s${sequence}`,
    at,
    account: 'acme',
    openId: `oUser${sequence}`,
    msgType: 'text',
    event: undefined,
    msgId: String(sequence),
    content: '办宽带',
    outcome: 'replied',
    decidedBy: 'keyword',
    latencyMs: 4,
    ...overrides,
  } as MessageLogEvent;
}

function subscribe(at: number, eventKey?: string): MessageLogEvent {
  return message(at, {
    msgType: 'event',
    event: 'subscribe',
    content: undefined,
    msgId: undefined,
    ...(eventKey === undefined ? {} : { eventKey }),
  });
}

describe('daily summary e-mail (MariaDB rollups, Redis claims, a local SMTP server)', function () {
  this.timeout(60_000);
  const keyPrefix = `${uniqueName('summary')}:`;
  let database: TestDatabase;
  let infrastructure: Infrastructure;
  let telemetry: Telemetry;
  let dataDir: string;
  const coordinations: CoordinationPort[] = [];
  const mailers: SummaryMailer[] = [];
  let now = cst('2026-12-03T07:59:00');

  function mailer(smtpPort: number, logger: Logger, overrides: Partial<SummaryMailerOptions> = {}): SummaryMailer {
    const coordination = createCoordination({ redisUrl: REDIS_URL, keyPrefix });
    coordinations.push(coordination);
    const made = new SummaryMailer({
      db: infrastructure.db,
      coordination,
      logger,
      meter: telemetry.meter,
      clock: () => now,
      smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
      to: ['ops@example.com', 'lead@example.com'],
      from: 'mpstack <mpstack@example.com>',
      at: '08:00',
      timeZone: 'Asia/Shanghai',
      ...overrides,
    });
    mailers.push(made);
    return made;
  }

  before(async () => {
    database = await createTestDatabase('mpstack_summary');
    dataDir = await mkdtemp(join(tmpdir(), 'mpstack-summary-'));
    infrastructure = await openInfrastructure(
      {
        service: 'summary-test',
        databaseUrl: database.url,
        redisUrl: undefined,
        amqpUrl: undefined,
        dataDir,
        keyPrefix,
        migrate: true,
      },
      createLogger({ service: 'summary-test', level: 'silent' }),
    );
    telemetry = createTelemetry({ service: 'summary-test', traceSampleRatio: 0 });
    const yesterday = (time: string) => cst(`2026-12-02T${time}`);
    const dayBefore = (time: string) => cst(`2026-12-01T${time}`);
    const events: LogEvent[] = [
      message(yesterday('09:00:00')),
      message(yesterday('10:00:00'), { latencyMs: 150 }),
      message(yesterday('11:00:00'), { content: '<script>alert(1)</script>' }),
      message(yesterday('12:00:00'), { outcome: 'held_no_answer' }),
      subscribe(yesterday('13:00:00'), 'qrscene_store42'),
      subscribe(yesterday('14:00:00')),
      message(yesterday('15:00:00'), { msgType: 'event', event: 'unsubscribe', content: undefined, msgId: undefined }),
      // Outside the local day (the day before's last minute, the next day's first).
      message(cst('2026-12-01T23:59:00')),
      message(cst('2026-12-03T00:00:00')),
      message(dayBefore('09:00:00')),
      subscribe(dayBefore('10:00:00'), 'qrscene_store42'),
      ...[45015, 45015, 0].map(
        (errcode, i): LogEvent => ({
          type: 'interface',
          id: `api${i}`,
          at: yesterday(`16:0${i}:00`),
          account: 'acme',
          api: '/cgi-bin/message/custom/send',
          errcode,
          latencyMs: 30,
        }),
      ),
    ];
    await new LogStore(infrastructure.db).write(events);
  });

  after(async () => {
    for (const m of mailers) await m.close();
    for (const c of coordinations) await c.close();
    await infrastructure?.close();
    await telemetry?.shutdown();
    await database?.drop();
    await deleteKeys(keyPrefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('two replicas: not before 08:00, then exactly one e-mail with the day before’s figures compared with the day before that', async () => {
    const smtp = await smtpServer();
    try {
      const silent = createLogger({ service: 'summary-test', level: 'silent' });
      const [a, b] = [mailer(smtp.port, silent), mailer(smtp.port, silent)];
      assert.deepEqual(await Promise.all([a.tick(), b.tick()]), ['not_due', 'not_due']);
      now = cst('2026-12-03T08:00:30');
      const first = await Promise.all([a.tick(), b.tick()]);
      assert.equal(first.filter((t) => t === 'sent').length, 1, first.join(','));
      assert.deepEqual(await Promise.all([a.tick(), b.tick()]), ['sent_before', 'sent_before']);
      now = cst('2026-12-03T21:00:00');
      assert.deepEqual(await Promise.all([a.tick(), b.tick()]), ['sent_before', 'sent_before']);
      // A replica started later the same day (nothing remembered in memory) finds it sent too.
      assert.equal(await mailer(smtp.port, silent).tick(), 'sent_before');
      assert.equal(smtp.mails.length, 1);

      const mail = smtp.mails[0];
      assert.deepEqual(mail?.to.sort(), ['lead@example.com', 'ops@example.com']);
      const { subject, text, html } = decodeMail(mail?.raw ?? '');
      assert.equal(subject, 'mpstack 每日摘要 · 2026-12-02：消息 7 条，净增粉丝 +1');
      assert.match(text, /Asia\/Shanghai 2026-12-02 00:00 起的一整天/);
      assert.match(text, /共 7 条（前一日 3，\+133\.3%）/);
      assert.match(text, /按类型：text 4 · event:subscribe 2 · event:unsubscribe 1/);
      assert.match(text, /快速回复 6 · 转入队列 0 · 未应答 1/);
      assert.match(text, /回复延迟：p50 ≤ 5 ms · p99 ≤ 200 ms（前一日 p50 ≤ 5 ms · p99 ≤ 5 ms）/);
      assert.match(text, /新增 2 · 取消关注 1 · 净增 \+1（前一日 新增 1 · 取消关注 0 · 净增 \+1）/);
      assert.match(text, /新增来源：其他（搜索、名片等） 1 · 二维码 store42 1/);
      // Keywords are per UTC day: 08:00 on the 2nd to 08:00 on the 3rd here, so 00:00 on the 3rd counts.
      assert.match(text, /热门关键词】\s+办宽带 4 · <script>alert\(1\)<\/script> 1/);
      assert.match(text, /取 UTC 2026-12-02 这一天/);
      assert.match(text, /接口调用失败】\s+共 2 次/);
      assert.match(text, /\/cgi-bin\/message\/custom\/send errcode 45015 × 2/);
      assert.match(text, /acme：消息 7 · 未应答 1 · 新增 2 · 取消关注 1/);
      assert.match(html, /<li>共 7 条（前一日 3，\+133\.3%）<\/li>/);
      assert.ok(!html.includes('<script>'), 'a keyword is never markup');
      assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62; 1/);
    } finally {
      await smtp.close();
    }
  });

  it('SMTP down: the failure is logged and counted, nothing crashes, and a later look sends it', async () => {
    const port = await freePort();
    const { logger, lines } = capturingLogger();
    now = cst('2026-12-04T09:00:00');
    const replica = mailer(port, logger);
    assert.equal(await replica.tick(), 'failed');
    assert.equal(await replica.tick(), 'failed');
    const failures = lines.filter((l) => l['msg'] === 'daily summary e-mail failed; retried at the next look');
    assert.equal(failures.length, 2);
    assert.equal(failures[0]?.['date'], '2026-12-03');
    assert.match(String((failures[0]?.['err'] as { message?: string })?.message), /ECONNREFUSED/);
    const smtp = await smtpServer(port);
    try {
      // The released claim is free for any replica: another one takes it.
      assert.equal(await mailer(port, logger).tick(), 'sent');
      assert.equal(await replica.tick(), 'sent_before');
      assert.equal(smtp.mails.length, 1);
      assert.match(decodeMail(smtp.mails[0]?.raw ?? '').subject, /2026-12-03/);
    } finally {
      await smtp.close();
    }
  });

  it('sends today’s summary so far on demand, compared with the same hours of the day before', async () => {
    const smtp = await smtpServer();
    try {
      now = cst('2026-12-02T12:30:00');
      const sent = await mailer(smtp.port, createLogger({ service: 'summary-test', level: 'silent' })).sendNow('today');
      assert.equal(sent.date, '2026-12-02');
      const { subject, text } = decodeMail(smtp.mails[0]?.raw ?? '');
      assert.equal(subject, sent.subject);
      assert.match(subject, /2026-12-02（截至目前）：消息 4 条/);
      assert.match(text, /00:00 起至发送时/);
      assert.match(text, /共 4 条（前一日 2，\+100\.0%）/);
    } finally {
      await smtp.close();
    }
  });

  it('mpstack dev (SQLite, in-process coordination): a start after 08:00 does not send the day again', async () => {
    const smtp = await smtpServer();
    const db = createDatabase({ sqlitePath: join(dataDir, 'dev.db') });
    try {
      await migrateToLatest(db);
      const silent = createLogger({ service: 'summary-test', level: 'silent' });
      // Each start of `mpstack dev` has a new in-process coordination store: nothing of the claim survives it.
      const start = () => mailer(smtp.port, silent, { db, coordination: new MemoryCoordination({ now: () => now }) });
      now = cst('2026-12-05T08:30:00');
      assert.equal(await start().tick(), 'sent');
      now = cst('2026-12-05T09:00:00');
      assert.equal(await start().tick(), 'sent_before', 'the second start the same day');
      now = cst('2026-12-05T23:59:00');
      assert.equal(await start().tick(), 'sent_before');
      assert.equal(smtp.mails.length, 1);
      now = cst('2026-12-06T08:00:00');
      assert.equal(await start().tick(), 'sent', 'the next day is its own');
      assert.deepEqual(
        smtp.mails.map((m) => decodeMail(m.raw).subject.match(/\d{4}-\d{2}-\d{2}/)?.[0]),
        ['2026-12-04', '2026-12-05'],
      );
    } finally {
      await smtp.close();
      for (const m of mailers.splice(0)) await m.close();
      await db.destroy();
    }
  });
});
