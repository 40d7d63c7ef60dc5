/**
 * Log search over 10 million message rows on the real MariaDB, through the log service's query
 * API: by openid, by time range + type, by Chinese text, by Latin text, a rare phrase, an absent
 * text, a user's timeline, and the dashboard — p50 / p95 of each against its target (search
 * ≤ 1 s at p95, dashboard ≤ 100 ms).
 *
 *   make bench-log-search     (BENCH_LOG_SEARCH_ROWS, default 10000000; BENCH_LOG_SEARCH_KEEP=1
 *                              keeps the database, and a later run with the same row count
 *                              reuses it instead of loading again)
 *
 * The data: 20 accounts (Zipf-like shares), ~1.6 million users, 4 months ending now, ~30 %
 * text messages (Chinese phrases of a carrier's customer service, ~20 % of them Latin or
 * mixed, some emoji), images, voice, menu clicks, follows / unfollows with QR scenes. Loaded as
 * fast as this machine allows: the schema comes from the migrations and the service's own
 * partition and text-index code; the rows are generated into tab-separated files and loaded
 * with LOAD DATA LOCAL INFILE with the secondary and FULLTEXT indexes dropped, which are then
 * built again (the same definitions, checked) — the text index words and the rollups come from
 * the service's own functions (textBlocks over batches of the service's batch size, rollupsOf, including the
 * dashboard's hour / day and all-account rollups).
 */

import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageLogEvent } from '@mpstack/common/contracts';
import {
  createDatabase,
  createTextTable,
  ensureMysqlDatabase,
  LOG_MESSAGE_INDEXES,
  LOG_MONTHLY_TABLES,
  LOG_ROLLUP_INDEXES,
  migrateToLatest,
  monthStart,
  partitionName,
  textTableName,
} from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import {
  type DayRollup,
  type IndexedText,
  type LatencyRollup,
  loadLogConfig,
  MESSAGE_COLUMNS,
  type MinuteRollup,
  normalizeText,
  rollupsOf,
  type SpanLatencyRollup,
  type SpanRollup,
  startLog,
  textBlocks,
} from '@mpstack/log';
import mysql from 'mysql2/promise';

const ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
const ROWS = Number(process.env['BENCH_LOG_SEARCH_ROWS'] ?? 10_000_000);
const KEEP = process.env['BENCH_LOG_SEARCH_KEEP'] === '1';
/** The database (`BENCH_LOG_SEARCH_DB`: another name lets two runs, e.g. of two sizes, coexist). */
const NAME = process.env['BENCH_LOG_SEARCH_DB'] ?? 'mpstack_bench_log_search';
const MONTHS = 4;
const DAY = 86_400_000;
const ACCOUNTS = 20;
const SAMPLES = Number(process.env['BENCH_LOG_SEARCH_SAMPLES'] ?? 30);
/** Events a batch of the service holds (MPSTACK_LOG_BATCH_EVENTS's default): the text index's blocks are cut per batch. */
const SERVICE_BATCH = loadLogConfig({}).batchEvents;

/** A deterministic generator (mulberry32): the same data on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHINESE = [
  '宽带',
  '流量',
  '话费',
  '套餐',
  '查询',
  '办理',
  '人工客服',
  '积分兑换',
  '充值',
  '停机',
  '复机',
  '携号转网',
  '国际漫游',
  '5G升级',
  '家庭宽带报修',
  '光猫',
  '路由器',
  '营业厅地址',
  '发票',
  '退订',
  '彩铃',
  '副卡',
  '亲情号',
  '话费账单',
  '流量包',
  '夜间流量',
  '视频会员',
  '合约机',
  '靓号',
  '实名认证',
  '补换卡',
  '密码重置',
  '信号不好',
  '网速太慢',
  '投诉',
  '上海移动',
  '北京联通',
  '广东电信',
  '优惠活动',
  '新用户福利',
  '老用户回馈',
  '宽带续费',
  '欠费',
  '余额',
  '月租',
  '语音通话',
  '短信',
  '来电显示',
  '呼叫转移',
  '国际长途',
  '物联网卡',
  '云盘',
  '天翼',
  '和彩云',
  '家庭套餐',
  '校园卡',
  '王卡',
  '宽带提速',
  '千兆宽带',
  '装机预约',
];
const SUFFIXES = ['', '', '', '怎么办理', '多少钱', '？', '在哪里', '怎么取消', '什么时候到账', '！！', '谢谢'];
const LATIN = [
  'hello',
  'Hi',
  'iPhone 15 Pro',
  '5G package',
  'roaming',
  'balance',
  'VPN',
  'WiFi password',
  'refund',
  'invoice',
  'eSIM',
  'Huawei Mate 60',
  'help',
  'data plan',
  'top up',
  'OK',
  'thank you',
  'customer service',
];
const EMOJI = ['😀', '👍', '🙏', '😡', '❤️'];

interface Generator {
  rows: number;
  start: number;
  end: number;
  users: number[];
}

function accountOf(r: number): number {
  // Zipf-like: account k gets a share ∝ 1 / (k + 1).
  const weights = Array.from({ length: ACCOUNTS }, (_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r * total;
  for (let k = 0; k < ACCOUNTS; k += 1) {
    x -= weights[k] as number;
    if (x <= 0) return k;
  }
  return ACCOUNTS - 1;
}

function textOf(rnd: () => number): string {
  const kind = rnd();
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() ** 1.6 * list.length)] as T;
  if (kind < 0.12) return pick(LATIN);
  if (kind < 0.2) return `${pick(LATIN)} ${pick(CHINESE)}${pick(SUFFIXES)}`;
  const parts = 1 + Math.floor(rnd() * 3);
  let text = '';
  for (let i = 0; i < parts; i += 1) text += pick(CHINESE);
  text += pick(SUFFIXES);
  if (rnd() < 0.05) text += pick(EMOJI);
  if (rnd() < 0.05) text = `${Math.floor(rnd() * 200)}元${text}`;
  return text;
}

const OUTCOMES: readonly [number, string][] = [
  [0.6, 'replied'],
  [0.9, 'accepted_published'],
  [0.95, 'replied_spooled'],
  [0.98, 'error'],
  [1, 'held_forward_failed'],
];

/** What a message is: its type, event and event key (text content is drawn apart). */
function kindOf(kind: number, rnd: () => number): { msgType: string; event?: string; eventKey?: string } {
  const scene = () => (rnd() < 0.5 ? { eventKey: `qrscene_store${Math.floor(rnd() * 40)}` } : {});
  const kinds: readonly [number, () => { msgType: string; event?: string; eventKey?: string }][] = [
    [0.3, () => ({ msgType: 'text' })],
    [0.36, () => ({ msgType: 'image' })],
    [0.39, () => ({ msgType: 'voice' })],
    [0.4, () => ({ msgType: 'location' })],
    [0.41, () => ({ msgType: 'link' })],
    [0.71, () => ({ msgType: 'event', event: 'CLICK', eventKey: `MENU_${Math.floor(rnd() * 12)}` })],
    [0.81, () => ({ msgType: 'event', event: 'VIEW', eventKey: 'https://m.example.cn/bill' })],
    [0.89, () => ({ msgType: 'event', event: 'subscribe', ...scene() })],
    [0.92, () => ({ msgType: 'event', event: 'unsubscribe' })],
    [0.95, () => ({ msgType: 'event', event: 'SCAN', eventKey: `store${Math.floor(rnd() * 40)}` })],
    [1, () => ({ msgType: 'event', event: 'TEMPLATESENDJOBFINISH' })],
  ];
  return (kinds.find(([bound]) => kind < bound) ?? (kinds.at(-1) as (typeof kinds)[number]))[1]();
}

/** The i-th message of the data set (time order). */
function messageAt(g: Generator, i: number, rnd: () => number): MessageLogEvent {
  const at = g.start + Math.floor(((g.end - g.start) * i) / g.rows);
  const account = accountOf(rnd());
  const user = Math.floor(rnd() ** 2 * (g.users[account] as number));
  const { msgType, event, eventKey } = kindOf(rnd(), rnd);
  const content = msgType === 'text' ? textOf(rnd) : undefined;
  const o = rnd();
  return {
    type: 'message',
    id: `s${i.toString(36)}`,
    at,
    account: `acct${account}`,
    openId: `o${account}u${user.toString(36)}`,
    msgType,
    event,
    ...(eventKey === undefined ? {} : { eventKey }),
    msgId: msgType === 'event' ? undefined : String(6_000_000_000_000_000_000n + BigInt(i)),
    ...(content === undefined ? {} : { content }),
    outcome: (OUTCOMES.find(([bound]) => o < bound) ?? [1, 'replied'])[1],
    decidedBy: msgType === 'text' ? 'keyword' : 'default',
    latencyMs: Math.round(-Math.log(1 - rnd()) * 8 * 100) / 100,
  };
}

const tsv = (v: string | number | undefined | null) => (v === undefined || v === null ? '\\N' : String(v));

async function load(link: mysql.Connection, file: string, table: string, columns: readonly string[]): Promise<void> {
  await link.query({
    sql: `LOAD DATA LOCAL INFILE ? INTO TABLE ${table} CHARACTER SET utf8mb4 (${columns.join(', ')})`,
    values: [file],
    infileStreamFactory: () => createReadStream(file),
  } as mysql.QueryOptions);
}

async function schemaOf(link: mysql.Connection): Promise<string> {
  const ddl: string[] = [];
  for (const table of ['log_messages', ...LOG_ROLLUP_INDEXES.map(([t]) => t)]) {
    const [rows] = await link.query(`SHOW CREATE TABLE ${table}`);
    ddl.push(String((rows as Record<string, string>[])[0]?.['Create Table']));
  }
  return ddl.join('\n');
}

function messageLine(m: MessageLogEvent): string {
  return [
    m.at,
    m.id,
    m.account,
    m.openId,
    m.msgType,
    tsv(m.event),
    tsv(m.eventKey),
    tsv(m.msgId),
    tsv(m.content),
    m.outcome,
    tsv(m.decidedBy),
    m.latencyMs,
  ].join('\t');
}

async function writeLines(file: string, lines: readonly string[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let s = 0; s < lines.length; s += 20_000) await handle.write(`${lines.slice(s, s + 20_000).join('\n')}\n`);
  } finally {
    await handle.close();
  }
}

/** Generates the data set chunk by chunk into files and loads them; the rollups a day at a time. */
class Loader {
  private readonly rnd = random(42);
  private dayMessages: MessageLogEvent[] = [];
  private day: number;
  private minutes: MinuteRollup[] = [];
  private latency: LatencyRollup[] = [];
  private days: DayRollup[] = [];
  private spans: SpanRollup[] = [];
  private spanLatency: SpanLatencyRollup[] = [];

  constructor(
    /** Three connections: messages, text index and rollups load at the same time. */
    private readonly links: readonly [mysql.Connection, mysql.Connection, mysql.Connection],
    private readonly g: Generator,
    private readonly dir: string,
  ) {
    this.day = g.start - (g.start % DAY);
  }

  /** Rollups from the service's own aggregation, a day at a time (a day holds its minutes whole). */
  private closeDay(): void {
    const r = rollupsOf(this.dayMessages);
    this.dayMessages = [];
    this.minutes.push(...r.minutes);
    this.latency.push(...r.latency);
    this.days.push(...r.days);
    this.spans.push(...r.spans);
    this.spanLatency.push(...r.spanLatency);
  }

  private async loadRows(name: string, rows: readonly Record<string, string | number>[], cols: string[]) {
    const file = join(this.dir, `${name}.tsv`);
    await writeLines(
      file,
      rows.map((r) => cols.map((c) => tsv(r[c])).join('\t')),
    );
    await load(this.links[2], file, name, cols);
  }

  private async flushRollups(): Promise<void> {
    await this.loadRows('log_rollup_minute', this.minutes, [
      'account',
      'minute',
      'msg_type',
      'total',
      'fast',
      'queued',
      'failed',
    ]);
    await this.loadRows('log_rollup_latency', this.latency, ['account', 'minute', 'bucket', 'count']);
    await this.loadRows('log_rollup_day', this.days, ['account', 'day', 'metric', 'dimension', 'count']);
    await this.loadRows('log_rollup_span', this.spans, [
      'account',
      'span',
      'start',
      'msg_type',
      'total',
      'fast',
      'queued',
      'failed',
    ]);
    await this.loadRows('log_rollup_span_latency', this.spanLatency, ['account', 'span', 'start', 'bucket', 'count']);
    this.minutes = [];
    this.latency = [];
    this.days = [];
    this.spans = [];
    this.spanLatency = [];
  }

  async chunk(from: number, to: number): Promise<void> {
    const lines: string[] = [];
    const texts = new Map<string, string[]>();
    let batch: IndexedText[] = [];
    for (let i = from; i < to; i += 1) {
      const m = messageAt(this.g, i, this.rnd);
      if (m.at - (m.at % DAY) !== this.day) {
        this.closeDay();
        this.day = m.at - (m.at % DAY);
      }
      this.dayMessages.push(m);
      lines.push(messageLine(m));
      if (m.content !== undefined) batch.push({ id: m.id as string, at: m.at, account: m.account, content: m.content });
      if ((i + 1) % SERVICE_BATCH === 0 || i + 1 === to) {
        // The text index documents the service writes for a batch of this size (textBlocks).
        for (const [table, blocks] of textBlocks(batch, (at) => textTableName(monthStart(at)))) {
          const list = texts.get(table) ?? [];
          for (const b of blocks)
            list.push(`${b.at}\t${b.eventId}\t${b.lastAt}\t${b.account}\t${b.messages}\t${b.tokens}`);
          texts.set(table, list);
        }
        batch = [];
      }
    }
    const messagesFile = join(this.dir, 'messages.tsv');
    await writeLines(messagesFile, lines);
    for (const [table, list] of texts) await writeLines(join(this.dir, `${table}.tsv`), list);
    if (to >= this.g.rows) this.closeDay();
    await Promise.all([
      load(this.links[0], messagesFile, 'log_messages', MESSAGE_COLUMNS),
      (async () => {
        for (const table of texts.keys()) {
          await load(this.links[1], join(this.dir, `${table}.tsv`), table, [
            'at',
            'event_id',
            'last_at',
            'account',
            'messages',
            'tokens',
          ]);
        }
      })(),
      this.flushRollups(),
    ]);
  }
}

/** The months before the migration's first partition, split off it while the tables are empty. */
async function partitionPastMonths(link: mysql.Connection, g: Generator): Promise<void> {
  const first = monthStart(Date.now());
  const months: number[] = [];
  for (let m = monthStart(g.start); m < first; m = monthStart(m, 1)) months.push(m);
  for (const { table } of LOG_MONTHLY_TABLES) {
    const parts = months.map((m) => `PARTITION ${partitionName(m)} VALUES LESS THAN (${monthStart(m, 1)})`);
    parts.push(`PARTITION ${partitionName(first)} VALUES LESS THAN (${monthStart(first, 1)})`);
    await link.query(`ALTER TABLE ${table} REORGANIZE PARTITION ${partitionName(first)} INTO (${parts.join(', ')})`);
  }
}

async function loadData(url: string, g: Generator, dir: string): Promise<void> {
  const db = createDatabase({ url });
  await migrateToLatest(db);
  const connect = () => mysql.createConnection({ uri: url, infileStreamFactory: (p: string) => createReadStream(p) });
  const links = [await connect(), await connect(), await connect()] as const;
  const [link] = links;
  try {
    await partitionPastMonths(link, g);
    const ddl = await schemaOf(link);
    for (const [name] of LOG_MESSAGE_INDEXES) await link.query(`ALTER TABLE log_messages DROP INDEX ${name}`);
    for (const [table, name] of LOG_ROLLUP_INDEXES) await link.query(`ALTER TABLE ${table} DROP INDEX ${name}`);
    const textTables = new Set<string>();
    for (let m = monthStart(g.start); m <= g.end; m = monthStart(m, 1)) {
      const table = textTableName(m);
      await createTextTable(db, table);
      await link.query(`ALTER TABLE ${table} DROP INDEX ${table}_tokens`);
      textTables.add(table);
    }
    const started = performance.now();
    const loader = new Loader(links, g, dir);
    const chunk = 500_000;
    for (let s = 0; s < g.rows; s += chunk) {
      const done = Math.min(g.rows, s + chunk);
      await loader.chunk(s, done);
      console.log(`  loaded ${done} rows (${Math.round(done / ((performance.now() - started) / 1000))} messages/s)`);
    }
    const indexStarted = performance.now();
    await link.query(
      `ALTER TABLE log_messages ${LOG_MESSAGE_INDEXES.map(([name, columns]) => `ADD INDEX ${name} (${columns.join(', ')})`).join(', ')}`,
    );
    await Promise.all(
      LOG_ROLLUP_INDEXES.map(([table, name, columns], i) =>
        links[i]?.query(`ALTER TABLE ${table} ADD INDEX ${name} (${columns.join(', ')})`),
      ),
    );
    for (const table of textTables) {
      await link.query(`ALTER TABLE ${table} ADD FULLTEXT INDEX ${table}_tokens (tokens)`);
    }
    if ((await schemaOf(link)) !== ddl)
      throw new Error('the tables after the load are not the schema of the migrations');
    await link.query(
      'ANALYZE TABLE log_messages, log_rollup_minute, log_rollup_latency, log_rollup_day, log_rollup_span, log_rollup_span_latency',
    );
    console.log(
      `  indexes built in ${((performance.now() - indexStarted) / 1000).toFixed(0)} s; loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    await link.query(
      'CREATE TABLE bench_meta (rows_loaded bigint NOT NULL, start_at bigint NOT NULL, end_at bigint NOT NULL)',
    );
    await link.query('INSERT INTO bench_meta VALUES (?, ?, ?)', [g.rows, g.start, g.end]);
  } finally {
    await Promise.all(links.map((l) => l.end()));
    await db.destroy();
  }
}

/** Up to this many rows, every text search's answer is compared with a scan of the account's texts. */
const CHECK_ROWS = 1_000_000;

/**
 * A text search's first page against the answer a scan gives: the account's messages of the
 * range with a text, newest first, those whose NFKC, lower-cased text holds the query's.
 */
async function checkTextAnswer(url: string, path: string, items: unknown[]): Promise<void> {
  const q = new URL(path, 'http://x').searchParams;
  const text = normalizeText(q.get('text') ?? '');
  const link = await mysql.createConnection(url);
  try {
    const [rows] = await link.query(
      'SELECT event_id, content FROM log_messages WHERE account = ? AND at >= ? AND at <= ? AND content IS NOT NULL ORDER BY at DESC, event_id DESC',
      [q.get('account'), Number(q.get('from')), Number(q.get('to'))],
    );
    const expected = (rows as { event_id: string; content: string }[])
      .filter((r) => normalizeText(r.content).includes(text))
      .slice(0, 50)
      .map((r) => r.event_id);
    const got = (items as { id: string }[]).map((r) => r.id);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      throw new Error(
        `${path}: ${got.length} rows answered, the scan finds ${expected.length}; first difference at ${got.findIndex((id, k) => id !== expected[k])}`,
      );
    }
  } finally {
    await link.end();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] as number;
}

async function main(): Promise<void> {
  const admin = await mysql.createConnection(ADMIN_URL);
  const url = `${ADMIN_URL}/${NAME}`;
  const dir = await mkdtemp(join(tmpdir(), 'mpstack-bench-search-'));
  let g: Generator | undefined;
  try {
    const [existing] = await admin.query(
      "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'bench_meta'",
      [NAME],
    );
    if (Number((existing as { n: number }[])[0]?.n) === 1) {
      const [meta] = await admin.query(`SELECT rows_loaded, start_at, end_at FROM \`${NAME}\`.bench_meta`);
      const row = (meta as { rows_loaded: number; start_at: number; end_at: number }[])[0];
      if (row !== undefined && Number(row.rows_loaded) === ROWS) {
        g = { rows: ROWS, start: Number(row.start_at), end: Number(row.end_at), users: [] };
        console.log(`log search: reusing ${NAME} (${ROWS} rows)`);
      }
    }
    const end = Date.now() - 60_000;
    const users = Array.from({ length: ACCOUNTS }, (_, k) => Math.ceil(ROWS / 6 / (k + 1)));
    if (g === undefined) {
      await admin.query(`DROP DATABASE IF EXISTS \`${NAME}\``);
      await ensureMysqlDatabase(url);
      g = { rows: ROWS, start: end - MONTHS * 30 * DAY, end, users };
      console.log(`log search: loading ${ROWS} message rows over ${MONTHS} months into ${NAME}`);
      await loadData(url, g, dir);
    }
    g.users = users;
    await measure(url, g, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (!KEEP) await admin.query(`DROP DATABASE IF EXISTS \`${NAME}\``);
    await admin.end();
  }
}

async function measure(url: string, g: Generator, dir: string): Promise<void> {
  const log = await startLog({
    config: loadLogConfig({
      MPSTACK_DATABASE_URL: url,
      MPSTACK_LOG_PORT: '0',
      MPSTACK_LOG_LEVEL: 'warn',
      MPSTACK_LOG_RETENTION_MONTHS: '12',
      MPSTACK_DATA_DIR: dir,
    }),
    logger: createLogger({ service: 'bench', level: 'warn' }),
  });
  const rnd = random(7);
  const from = g.start;
  const to = g.end;
  const big = () => `acct${Math.floor(rnd() * 3)}`;
  const sampleUser = () => {
    // A user of one of the bigger accounts who has messages (the generator's skew: small indexes are busy users).
    const account = Math.floor(rnd() * 3);
    return { account: `acct${account}`, openId: `o${account}u${Math.floor(rnd() ** 2 * 50).toString(36)}` };
  };
  const chinese = [
    '宽带',
    '流量包',
    '人工客服',
    '国际漫游',
    '上海移动',
    '携号转网',
    '千兆宽带',
    '话费账单',
    '装机预约',
    '夜间流量',
  ];
  const latin = ['hello', 'iphone', 'roaming', 'wifi password', 'data plan', 'refund', 'esim'];
  const week = 7 * DAY;
  const cases: { name: string; target: number; path: () => string }[] = [
    {
      // The floor of this run: the same HTTP round trip and one indexed lookup that finds nothing.
      name: 'floor: empty timeline',
      target: 1000,
      path: () => `/query/timeline?account=none&openId=o${Math.floor(rnd() * 1e9)}`,
    },
    {
      name: 'by openid (4 months)',
      target: 1000,
      path: () => {
        const u = sampleUser();
        return `/query/messages?account=${u.account}&openId=${u.openId}&from=${from}&to=${to}`;
      },
    },
    {
      name: 'time range (7 days) + type',
      target: 1000,
      path: () => {
        const start = from + Math.floor(rnd() * (to - from - week));
        const type = ['image', 'voice', 'location', 'text'][Math.floor(rnd() * 4)];
        return `/query/messages?account=${big()}&type=${type}&from=${start}&to=${start + week}`;
      },
    },
    {
      name: 'time range (7 days) + event',
      target: 1000,
      path: () => {
        const start = from + Math.floor(rnd() * (to - from - week));
        return `/query/messages?account=${big()}&type=event&event=unsubscribe&from=${start}&to=${start + week}`;
      },
    },
    {
      name: 'Chinese text (4 months)',
      target: 1000,
      path: () =>
        `/query/messages?account=${big()}&from=${from}&to=${to}&text=${encodeURIComponent(chinese[Math.floor(rnd() * chinese.length)] as string)}`,
    },
    {
      name: 'Latin text (4 months)',
      target: 1000,
      path: () =>
        `/query/messages?account=${big()}&from=${from}&to=${to}&text=${encodeURIComponent(latin[Math.floor(rnd() * latin.length)] as string)}`,
    },
    {
      // Three of the generator's words run together: mostly rare or absent as a phrase while each
      // character pair is common, so the index's candidate blocks must be confirmed one by one.
      name: 'rare Chinese phrase (4 months)',
      target: 1000,
      path: () => {
        const words = Array.from({ length: 3 }, () => CHINESE[Math.floor(rnd() * CHINESE.length)] as string);
        return `/query/messages?account=${big()}&from=${from}&to=${to}&text=${encodeURIComponent(words.join(''))}`;
      },
    },
    {
      name: 'absent text (4 months)',
      target: 1000,
      path: () =>
        `/query/messages?account=${big()}&from=${from}&to=${to}&text=${encodeURIComponent(`Nokia ${Math.floor(rnd() * 1e6)}`)}`,
    },
    {
      name: "a user's timeline (4 months)",
      target: 1000,
      path: () => {
        const u = sampleUser();
        return `/query/timeline?account=${u.account}&openId=${u.openId}&from=${from}&to=${to}`;
      },
    },
    { name: 'dashboard, last hour', target: 100, path: () => `/query/dashboard?account=${big()}&compare=yesterday` },
    {
      name: 'dashboard, last 24 h',
      target: 100,
      path: () => `/query/dashboard?account=${big()}&from=${to - DAY}&to=${to}&compare=week`,
    },
    { name: 'dashboard, all accounts, 1 h', target: 100, path: () => `/query/dashboard?compare=previous` },
    {
      name: 'dashboard, all accounts, 7 days',
      target: 100,
      path: () => `/query/dashboard?from=${to - week}&to=${to}&compare=previous`,
    },
  ];
  try {
    console.log(`log search over ${g.rows} message rows, ${SAMPLES} queries each (p50 / p95 ms; ratio = p95 / target)`);
    let floor: number | undefined;
    for (const c of cases) {
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < SAMPLES + 2; i += 1) {
        const path = c.path();
        const started = performance.now();
        const response = await fetch(`${log.url}${path}`);
        const body = (await response.json()) as { items?: unknown[] };
        const ms = performance.now() - started;
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
        if (c.name.includes('text') && g.rows <= CHECK_ROWS) await checkTextAnswer(url, path, body.items ?? []);
        if (i >= 2) {
          times.push(ms);
          found += body.items?.length ?? 0;
        }
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 0.5);
      const p95 = percentile(times, 0.95);
      const rows = c.name.startsWith('dashboard') ? '' : `, ${Math.round(found / SAMPLES)} rows/answer`;
      floor ??= p50;
      console.log(
        `  ${c.name.padEnd(32)} p50 ${p50.toFixed(0).padStart(5)}  p95 ${p95.toFixed(0).padStart(5)}  target ≤ ${c.target}  ratio ${(p95 / c.target).toFixed(2)}  p50 ${(p50 / floor).toFixed(1)}× the floor${rows}`,
      );
    }
  } finally {
    await log.close();
  }
}

await main();
