import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUsersRepository, hashPassword, loadAdminConfig, startAdmin } from '@mpstack/admin';
import { createQueue } from '@mpstack/common/adapters';
import {
  encodeLogEvent,
  encodeLogEventBatch,
  type LogEvent,
  logEventsDeclaration,
  logEventsQueue,
  type MessageLogEvent,
} from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import type { RunningService } from '@mpstack/common/shell';
import { loadLogConfig, type RunningLog, startLog } from '@mpstack/log';
import {
  createTestDatabase,
  createVhost,
  deleteKeys,
  deleteVhost,
  REDIS_URL,
  type TestDatabase,
  uniqueName,
  until,
} from '@mpstack/testkit';

const logger = createLogger({ service: 'admin-logs-test', level: 'silent' });
const password = 'correct horse battery';
const csvCap = 550;

/**
 * The console's logs on the real log service: MariaDB, RabbitMQ (events published as the
 * ingress publishes them) and Redis (sessions); the admin API in front. Also the log service
 * down, hanging and failing, through a TCP stand-in the test controls.
 */
describe('admin API: logs, dashboard, CSV export and log files through the real log service', function () {
  this.timeout(180_000);
  const vhost = uniqueName('mpstack_admin_logs');
  const keyPrefix = `${uniqueName('admin-logs')}:`;
  let database: TestDatabase;
  let dataDir: string;
  let publisher: QueuePort;
  let log: RunningLog;
  let infrastructure: Infrastructure;
  let admin: RunningService;
  let broken: BrokenUpstream;
  let adminOfBroken: RunningService;
  const cookies = new Map<string, string>();
  const account = uniqueName('acct');
  const start = Date.UTC(2026, 5, 1, 16, 0, 0); // 2026-06-02 00:00 in Shanghai

  const envOf = (logUrl: string) => ({
    MPSTACK_DATABASE_URL: database.url,
    MPSTACK_REDIS_URL: REDIS_URL,
    MPSTACK_KEY_PREFIX: keyPrefix,
    MPSTACK_DATA_DIR: dataDir,
    MPSTACK_ADMIN_PORT: '0',
    MPSTACK_LOG_LEVEL: 'silent',
    MPSTACK_LOG_URL: logUrl,
    MPSTACK_ADMIN_LOG_TIMEOUT_MS: '500',
    MPSTACK_ADMIN_CSV_MAX_ROWS: String(csvCap),
  });

  before(async () => {
    database = await createTestDatabase('mpstack_admin_logs');
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-admin-logs-'));
    const amqpUrl = await createVhost(vhost);
    publisher = await createQueue({ amqpUrl, connectionName: 'admin-logs-publisher' });
    await publisher.declare([logEventsDeclaration]);
    log = await startLog({
      config: loadLogConfig({
        MPSTACK_DATABASE_URL: database.url,
        MPSTACK_AMQP_URL: amqpUrl,
        MPSTACK_LOG_PORT: '0',
        MPSTACK_LOG_LEVEL: 'silent',
        MPSTACK_LOG_FLUSH_MS: '20',
        MPSTACK_DATA_DIR: dataDir,
      }),
      logger,
    });
    const config = loadAdminConfig(envOf(log.url));
    infrastructure = await openInfrastructure({ service: 'admin-logs-test', ...config, migrate: true }, logger);
    const users = createUsersRepository(infrastructure.db);
    for (const [username, role] of [
      ['vera', 'viewer'],
      ['agnes', 'agent'],
    ] as const) {
      await users.create({ username, displayName: username, role, passwordHash: await hashPassword(password) });
    }
    admin = await startAdmin({ config, infrastructure, logger });
    broken = await brokenUpstream();
    adminOfBroken = await startAdmin({ config: loadAdminConfig(envOf(broken.url)), infrastructure, logger });
    for (const [name, service] of [
      ['vera', admin],
      ['agnes', admin],
      ['vera@broken', adminOfBroken],
    ] as const) {
      const username = name.split('@')[0] ?? name;
      const signedIn = await fetch(`${service.url}/admin/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: service.url },
        body: JSON.stringify({ username, password }),
      });
      assert.equal(signedIn.status, 200);
      cookies.set(name, signedIn.headers.get('set-cookie')?.split(';')[0] ?? '');
    }
  });

  after(async () => {
    await adminOfBroken?.close();
    await admin?.close();
    await broken?.close();
    await infrastructure?.close();
    await log?.close();
    await publisher?.close();
    await deleteVhost(vhost);
    await database?.drop();
    await deleteKeys(keyPrefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = async (path: string, user = 'vera', service: RunningService = admin) => {
    const response = await fetch(`${service.url}/admin/api${path}`, { headers: { cookie: cookies.get(user) ?? '' } });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    const json = (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, bytes, text, json };
  };

  const message = (i: number, overrides: Partial<MessageLogEvent> = {}): MessageLogEvent => ({
    type: 'message',
    id: `${account}-${i}`,
    at: start + i * 1000,
    account,
    openId: 'oFormula',
    msgType: 'text',
    event: undefined,
    msgId: String(i),
    content: `消息 ${i}`,
    outcome: 'replied',
    decidedBy: 'keyword',
    latencyMs: 4,
    ...overrides,
  });

  const publish = async (events: readonly LogEvent[]) => {
    await publisher.publish(logEventsQueue, encodeLogEventBatch(events.map(encodeLogEvent)));
  };

  it('passes searches, a timeline and the dashboard through for a viewer, with the log service’s own answers', async () => {
    await publish([
      message(1, { content: '办宽带 <script>alert(1)</script>' }),
      message(2, { content: "' OR 1=1 --" }),
      { ...message(3, { msgType: 'event', event: 'subscribe', eventKey: 'qrscene_7' }), content: '' },
    ]);
    const q = `account=${account}&from=${start}&to=${start + 10_000}`;
    const found = await until(
      async () => {
        const answer = await get(`/logs/messages?${q}`);
        return answer.json?.items?.length === 3 ? answer : undefined;
      },
      20_000,
      'three messages searchable',
    );
    assert.deepEqual(
      found.json.items.map((row: { id: string }) => row.id),
      [`${account}-3`, `${account}-2`, `${account}-1`],
    );
    assert.ok(found.text.includes('\\u003cscript\\u003ealert(1)\\u003c/script\\u003e'), 'JSON-escaped');
    assert.equal(found.json.items[2].content, '办宽带 <script>alert(1)</script>', 'stored verbatim');
    assert.match(found.headers.get('content-type') ?? '', /application\/json/);
    const text = await get(`/logs/messages?${q}&text=${encodeURIComponent("' OR 1=1")}`);
    assert.deepEqual(
      text.json.items.map((row: { id: string }) => row.id),
      [`${account}-2`],
      'SQL in a search box is text',
    );
    const timeline = await get(`/logs/timeline?account=${account}&openId=oFormula&from=${start}&to=${start + 10_000}`);
    assert.deepEqual(
      timeline.json.items.map((row: { id: string }) => row.id),
      [`${account}-1`, `${account}-2`, `${account}-3`],
    );
    const dashboard = await get(`/dashboard?account=${account}&from=${start}&to=${start + 60_000}&compare=previous`);
    assert.equal(dashboard.status, 200, dashboard.text);
    assert.equal(dashboard.json.totals.messages, 3);
    assert.ok(dashboard.json.compare !== undefined);
    assert.equal((await get(`/logs/interface?account=${account}`)).status, 200);
  });

  it('passes the dashboard’s sends per minute and receipt outcomes through for a viewer and an agent', async () => {
    const send = (i: number, rest: object) => ({
      type: 'send',
      id: `${account}-s${i}`,
      at: start + i * 1000,
      account,
      ...rest,
    });
    await publish([
      send(1, { family: 'template', outcome: 'sent' }),
      send(2, { family: 'template', outcome: 'failed', errcode: 43004 }),
      send(3, { family: 'mass', outcome: 'refused', reason: 'quota_reached', errcode: 45009 }),
      {
        type: 'receipt',
        id: `${account}-r1`,
        at: start + 4000,
        account,
        family: 'template',
        success: 0,
        userBlock: 1,
        systemFailed: 0,
      },
    ] as LogEvent[]);
    const q = `account=${account}&from=${start}&to=${start + 59_999}&compare=yesterday`;
    const outbound = await until(
      async () => {
        const answer = await get(`/dashboard/outbound?${q}`);
        return answer.json?.totals?.receipts?.userBlock === 1 ? answer : undefined;
      },
      20_000,
      'the receipt counted',
    );
    assert.deepEqual(outbound.json.totals.sends, { 'template:sent': 1, 'template:failed': 1, 'mass:refused': 1 });
    assert.deepEqual(outbound.json.series[0].receipts, { success: 0, userBlock: 1, systemFailed: 0 });
    assert.equal(outbound.json.compare.sent, 0);
    assert.equal((await get(`/dashboard/outbound?${q}`, 'agnes')).json.totals.failed, 1);
    assert.equal((await get('/dashboard/outbound', 'nobody')).status, 401);
    const bad = await get('/dashboard/outbound?step=week');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_request');
  });

  it('refuses a bad query with the log service’s problems, and a repeated parameter before asking it', async () => {
    const unknown = await get('/logs/messages?color=red');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'invalid_request');
    assert.ok(unknown.json.error.problems.length > 0, unknown.text);
    const repeated = await get('/logs/messages?account=a&account=b');
    assert.equal(repeated.status, 400);
    assert.deepEqual(repeated.json.error.problems, ['account: give it once, as text']);
  });

  it('exports CSV for Excel: BOM, RFC 4180 quoting, formulas neutralised, Shanghai times, a file name', async () => {
    const tricky = [
      '=HYPERLINK("http://evil.example","点我")',
      '+86 138',
      '-1+1',
      '@SUM(A1)',
      '\tindented',
      '\rreturn',
      '＝1+1',
      'a, "quoted"\nsecond line',
      '普通文本',
    ];
    const formulaAccount = `${account}-csv`;
    await publish(
      tricky.map((content, i) => message(100 + i, { account: formulaAccount, id: `${formulaAccount}-${i}`, content })),
    );
    const path = `/logs/messages.csv?account=${formulaAccount}&from=${start}&to=${start + 1_000_000}`;
    const csv = await until(
      async () => {
        const answer = await get(path);
        return answer.text.split('\r\n').length >= tricky.length + 2 ? answer : undefined;
      },
      20_000,
      'the CSV holds every row',
    );
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      csv.headers.get('content-disposition') ?? '',
      new RegExp(`^attachment; filename="messages-${formulaAccount}-\\d{8}-\\d{4}\\.csv"$`),
    );
    assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const body = csv.text.slice(1);
    const lines = body.split('\r\n');
    assert.equal(lines[0], '时间 (北京时间),公众号,OpenID,类型,事件,事件 Key,MsgId,内容,结果,处理方,耗时 (ms)');
    // Newest first: the last tricky content is the first row; 2026-06-02 00:01:48 in Shanghai.
    assert.equal(lines[1], `2026-06-02 00:01:48.000,${formulaAccount},oFormula,text,,,108,普通文本,replied,keyword,4`);
    const contents = parseCsv(body)
      .slice(1)
      .map((row) => row[7]);
    assert.deepEqual(contents.reverse(), [
      `'=HYPERLINK("http://evil.example","点我")`,
      "'+86 138",
      "'-1+1",
      "'@SUM(A1)",
      "'\tindented",
      "'\rreturn",
      "'＝1+1",
      'a, "quoted"\nsecond line',
      '普通文本',
    ]);
    assert.ok(body.includes('"\'=HYPERLINK(""http://evil.example"",""点我"")"'), 'quotes doubled inside a quoted cell');
    const english = await get(`${path}&lang=en`);
    assert.ok(english.text.startsWith('\ufeffTime (Asia/Shanghai),Account,'));
  });

  it('reads the export page by page and ends it with a clear row past the cap', async () => {
    const many = Array.from({ length: csvCap + 30 }, (_, i) =>
      message(1000 + i, { account: `${account}-many`, id: `${account}-many-${i}`, at: start + i }),
    );
    for (let i = 0; i < many.length; i += 200) await publish(many.slice(i, i + 200));
    const path = `/logs/messages.csv?account=${account}-many&from=${start}&to=${start + 1_000_000}`;
    const csv = await until(
      async () => {
        const answer = await get(path);
        return answer.text.includes('(truncated') ? answer : undefined;
      },
      30_000,
      'an export past the cap',
    );
    const rows = parseCsv(csv.text.slice(1));
    assert.equal(rows.length, 1 + csvCap + 1, 'header, the cap, the truncation row');
    assert.equal(
      rows.at(-1)?.[0],
      `(truncated: more than ${csvCap} rows match; narrow the time range or the filters and export again)`,
    );
    const ids = new Set(rows.slice(1, -1).map((row) => row[6]));
    assert.equal(ids.size, csvCap, 'no row twice across the pages');
  });

  it('lists and downloads the rotated log files; a bad or unknown name is refused', async () => {
    await publish([
      {
        type: 'interface',
        id: uniqueName('if'),
        at: Date.now(),
        account,
        api: '/cgi-bin/menu/create',
        errcode: 0,
        latencyMs: 12,
      },
    ]);
    const listed = await until(
      async () => {
        const answer = await get('/logs/files');
        const items = answer.json?.items as Array<{ name: string }> | undefined;
        return items?.some((f) => f.name.startsWith('interface-')) === true ? items : undefined;
      },
      20_000,
      'a log file',
    );
    const file = listed.find((f: { name: string }) => f.name.startsWith('interface-'));
    assert.ok(file, JSON.stringify(listed));
    const download = await until(
      async () => {
        const answer = await get(`/logs/files/${file.name}`);
        return answer.text.includes('/cgi-bin/menu/create') ? answer : undefined;
      },
      20_000,
      'the interface line in the file',
    );
    assert.equal(download.status, 200);
    assert.match(
      download.headers.get('content-disposition') ?? '',
      /attachment; filename="interface-\d{4}-\d{2}\.jsonl"/,
    );
    assert.equal((await get('/logs/files/..%2F..%2Fetc%2Fpasswd')).status, 400);
    const missing = await get('/logs/files/interface-1999-01.jsonl.gz');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'not_found');
  });

  it('checks the role: an agent may read but not export; no session is a 401', async () => {
    assert.equal((await get(`/logs/messages?account=${account}`, 'agnes')).status, 200);
    const csv = await get(`/logs/messages.csv?account=${account}`, 'agnes');
    assert.equal(csv.status, 403);
    assert.equal(csv.json.error.code, 'forbidden');
    assert.equal((await get('/logs/files/interface-2026-01.jsonl', 'agnes')).status, 403);
    assert.equal((await get('/dashboard', 'nobody')).status, 401);
  });

  it('says the log service is down (503), too slow (503) or failing (502) with a code, never a stack', async () => {
    for (const [mode, status, code] of [
      ['refuse', 503, 'unavailable'],
      ['hang', 503, 'unavailable'],
      ['fail', 502, 'upstream_failed'],
      ['garbage', 502, 'upstream_failed'],
    ] as const) {
      broken.mode = mode;
      // A file's bytes are passed on as they come, so "garbage" concerns the JSON answers only.
      const paths = ['/logs/messages', '/dashboard', '/logs/messages.csv'];
      if (mode !== 'garbage') paths.push('/logs/files/interface-2026-01.jsonl');
      for (const path of paths) {
        const answer = await get(path, 'vera@broken', adminOfBroken);
        assert.equal(answer.status, status, `${mode} ${path}: ${answer.text}`);
        assert.equal(answer.json.error.code, code, `${mode} ${path}`);
        assert.ok(!answer.text.includes(' at ') && !answer.text.includes('Error:'), answer.text);
      }
    }
  });
});

interface BrokenUpstream {
  readonly url: string;
  mode: 'refuse' | 'hang' | 'fail' | 'garbage';
  close(): Promise<void>;
}

/** A TCP stand-in for a log service that is down (connections reset), hangs, fails (500) or answers garbage. */
async function brokenUpstream(): Promise<BrokenUpstream> {
  const sockets = new Set<Socket>();
  const state: { mode: BrokenUpstream['mode'] } = { mode: 'refuse' };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (state.mode === 'refuse') {
      socket.resetAndDestroy();
      return;
    }
    socket.once('data', () => {
      if (state.mode === 'fail') {
        socket.end(
          'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: 30\r\n\r\nError: boom\n    at secret.js',
        );
      } else if (state.mode === 'garbage') {
        socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\nnot json!');
      }
      // hang: read and never answer.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** RFC 4180 parsing, enough to read back what the export wrote (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}
