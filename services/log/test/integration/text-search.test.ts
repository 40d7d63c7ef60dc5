import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageLogEvent } from '@mpstack/common/contracts';
import { createDatabase, type Db, isMysql, migrations, monthStart, textTableName } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';
import express from 'express';
import { Migrator, sql } from 'kysely';
import {
  LogStore,
  listTextTables,
  loadLogConfig,
  maintainPartitions,
  type RunningLog,
  startLog,
  TEXT_BLOCK_MESSAGES,
  textBlocks,
  textQuery,
  textWords,
} from '../../src/index.js';
import { queryRoutes } from '../../src/query-api.js';

const logger = createLogger({ service: 'text-search-test', level: 'silent' });

describe('text index words and blocks', () => {
  it('cuts NFKC, lower-cased runs into distinct pairs of code points, 8 ASCII characters each', () => {
    // 上 U+4E0A, 海 U+6D77, 移 U+79FB, 动 U+52A8: base 36, four digits each.
    assert.deepEqual(textWords('上海移动'), ['0fey0lmf', '0lmf0o3f', '0o3f0gbs']);
    // Full-width Latin is the same as ASCII, upper case the same as lower case.
    assert.deepEqual(textWords('ＨＥＬＬＯ'), textWords('hello'));
    // Separators (spaces, punctuation) end a run: no pair spans them.
    assert.deepEqual(textWords('a b，c'), []);
    assert.deepEqual(textWords('ab ab'), textWords('ab'));
    // An emoji is one character (one code point), not two UTF-16 halves.
    assert.equal(textWords('流量😀').length, 2);
    assert.equal(textQuery('x'), undefined);
    assert.equal(textQuery('😀'), undefined);
    assert.match(textQuery('宽带') ?? '', /^\+[0-9a-z]{8}$/);
  });

  it('groups the texts of a batch by month and account into blocks of time-ordered messages with the union of their words', () => {
    const text = (id: string, at: number, account: string, content: string) => ({ id, at, account, content });
    const month = (at: number) => (at < 1000 ? 'm1' : 'm2');
    const blocks = textBlocks(
      [
        text('c', 30, 'a', '你好'),
        text('a', 10, 'a', '上海'),
        text('b', 10, 'b', '流量😀'),
        text('d', 20, 'a', 'x'), // no pair: not indexed
        text('e', 20, 'a', '上海移动'),
        text('f', 1500, 'a', 'hello'),
        text('g', 1400, 'a', 'hello'),
      ],
      month,
      2,
    );
    assert.deepEqual([...blocks.keys()].sort(), ['m1', 'm2']);
    const m1 = blocks.get('m1') ?? [];
    assert.deepEqual(
      m1.map((b) => [b.at, b.eventId, b.lastAt, b.account, b.messages]),
      [
        [10, 'a', 20, 'a', 2],
        [10, 'b', 10, 'b', 1],
        [30, 'c', 30, 'a', 1],
      ],
    );
    assert.deepEqual(m1[0]?.tokens.split(' '), textWords('上海移动'));
    assert.deepEqual(m1[1]?.tokens.split(' '), textWords('流量😀'));
    assert.deepEqual(
      (blocks.get('m2') ?? []).map((b) => [b.at, b.eventId, b.lastAt, b.messages, b.tokens]),
      [[1400, 'g', 1500, 2, textWords('hello').join(' ')]],
    );
    assert.equal(TEXT_BLOCK_MESSAGES >= 2, true);
  });
});

for (const adapter of ['MariaDB', 'SQLite'] as const) {
  describe(`message text search on ${adapter}${adapter === 'SQLite' ? ' (a LIKE scan: no index in embedded mode)' : ' (the FULLTEXT pair index)'}`, function () {
    this.timeout(60_000);
    const now = Date.now();
    const thisMonth = monthStart(now);
    const nextMonth = monthStart(now, 1);
    let database: TestDatabase | undefined;
    let dataDir: string | undefined;
    let log: RunningLog;
    let db: Db;
    let store: LogStore;
    let sequence = 0;

    function message(content: string | undefined, overrides: Partial<MessageLogEvent> = {}): MessageLogEvent {
      sequence += 1;
      return {
        type: 'message',
        id: `m${sequence}`,
        at: thisMonth + 86_400_000 + sequence * 1000,
        account: 'acme',
        openId: `o${sequence % 3}`,
        msgType: content === undefined ? 'event' : 'text',
        event: content === undefined ? 'subscribe' : undefined,
        msgId: String(sequence),
        ...(content === undefined ? {} : { content }),
        outcome: 'replied',
        decidedBy: 'keyword',
        latencyMs: 2,
        ...overrides,
      };
    }

    before(async () => {
      let env: Record<string, string>;
      if (adapter === 'MariaDB') {
        database = await createTestDatabase('mpstack_text');
        env = { MPSTACK_DATABASE_URL: database.url };
      } else {
        dataDir = await mkdtemp(join(tmpdir(), 'mpstack-text-'));
        env = { MPSTACK_DATA_DIR: dataDir };
      }
      log = await startLog({
        config: loadLogConfig({ ...env, MPSTACK_LOG_PORT: '0', MPSTACK_LOG_LEVEL: 'silent' }),
        logger,
        clock: () => now,
      });
      db = log.infrastructure.db;
      store = new LogStore(db);
      assert.equal(isMysql(db), adapter === 'MariaDB');
    });

    after(async () => {
      await log?.close();
      await database?.drop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      for (const table of ['log_messages', 'log_rollup_minute', 'log_rollup_latency', 'log_rollup_day'] as const) {
        await db.deleteFrom(table).execute();
      }
      if (adapter === 'MariaDB') {
        for (const t of await listTextTables(db)) await sql`DELETE FROM ${sql.table(t.name)}`.execute(db);
      }
    });

    /** A JSON body read field by field in assertions. */
    // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read field by field in assertions
    type Body = any;

    async function search(
      text: string,
      extra = '',
      base = log.url,
    ): Promise<{ status: number; body: Body; ids: string[] }> {
      const range = `from=${thisMonth}&to=${monthStart(now, 2) - 1}`;
      const response = await fetch(
        `${base}/query/messages?account=acme&${range}&text=${encodeURIComponent(text)}${extra}`,
      );
      // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read field by field in assertions
      const body: any = await response.json();
      return { status: response.status, body, ids: (body.items ?? []).map((r: { id: string }) => r.id).sort() };
    }

    /** Every page of a search, `limit` rows a page, following the cursor: the ids in order. */
    async function searchPages(text: string, limit: number, base = log.url): Promise<string[]> {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const { status, body } = await search(
          text,
          `&limit=${limit}${cursor === undefined ? '' : `&cursor=${cursor}`}`,
          base,
        );
        assert.equal(status, 200);
        seen.push(...body.items.map((r: { id: string }) => r.id));
        cursor = body.nextCursor;
      } while (cursor !== undefined);
      return seen;
    }

    it('finds Chinese, Latin (any case, full-width), emoji and mixed text; pair order counts', async () => {
      const rows = {
        broadband: message('我要办宽带'),
        shanghaiMobile: message('上海移动的宽带怎么办'),
        mobileShanghai: message('移动上海'),
        both: message('上海移动 and 移动上海 both'),
        hello: message('Hello World 你好'),
        fullWidth: message('ＨＥＬＬＯ ｆｕｌｌ'),
        emoji: message('流量😀套餐'),
        percent: message('100%_折扣'),
        single: message('x'),
        event: message(undefined),
        otherAccount: message('我要办宽带', { account: 'other' }),
      };
      await store.write(Object.values(rows));
      const id = (m: MessageLogEvent) => m.id as string;
      const expect = async (text: string, wanted: MessageLogEvent[]) => {
        const { status, ids } = await search(text);
        assert.equal(status, 200, text);
        assert.deepEqual(ids, wanted.map(id).sort(), `search ${JSON.stringify(text)}`);
      };
      await expect('宽带', [rows.broadband, rows.shanghaiMobile]);
      await expect('上海移动', [rows.shanghaiMobile, rows.both]);
      await expect('移动上海', [rows.mobileShanghai, rows.both]);
      await expect('上海移动 and 移动上海', [rows.both]);
      // The index compares NFKC forms (full-width = ASCII); SQLite's LIKE folds ASCII case only.
      await expect('hello', adapter === 'MariaDB' ? [rows.hello, rows.fullWidth] : [rows.hello]);
      await expect('HELLO world', [rows.hello]);
      await expect('world 你好', [rows.hello]);
      await expect('😀套餐', [rows.emoji]);
      await expect('流量😀', [rows.emoji]);
      await expect('😀', [rows.emoji]);
      await expect('x', [rows.single]);
      await expect('办', [rows.broadband, rows.shanghaiMobile]);
      await expect('上海移动上海', []);
      await expect('宽带 上海', []);
    });

    it('takes %, _ and SQL or FULLTEXT operators in the text literally', async () => {
      const rows = [message('100%_折扣'), message('1000 折扣'), message("it's 上海 -移动 +宽带"), message('宽带')];
      await store.write(rows);
      assert.deepEqual((await search('100%_')).ids, [rows[0]?.id]);
      assert.deepEqual((await search('%')).ids, [rows[0]?.id]);
      assert.deepEqual((await search('_')).ids, [rows[0]?.id]);
      assert.deepEqual((await search('0%')).ids, [rows[0]?.id]);
      assert.deepEqual((await search('-移动 +宽带')).ids, [rows[2]?.id]);
      for (const injection of [
        "' OR '1'='1",
        "宽带' OR 1=1 --",
        '宽带"); DROP TABLE log_messages; --',
        '+宽带 -上海',
        '"宽带"',
        '宽带*',
        "') AGAINST ('+a' IN BOOLEAN MODE) OR ('",
      ]) {
        const { status, ids } = await search(injection);
        assert.equal(status, 200, injection);
        assert.deepEqual(ids, [], injection);
      }
      assert.equal((await db.selectFrom('log_messages').select('event_id').execute()).length, rows.length);
      const tooLong = await search('宽'.repeat(65));
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.error.code, 'bad_request');
    });

    it('pages newest first through matches in two months, with the other filters applied', async () => {
      const rows = [];
      for (let i = 0; i < 7; i += 1) {
        rows.push(message(`第${i}次 办理宽带业务`, { at: (i < 4 ? thisMonth : nextMonth) + 3_600_000 + i * 1000 }));
      }
      rows.push(message('办理宽带', { openId: 'oSomeoneElse', at: nextMonth + 60_000 }));
      await store.write(rows);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const { status, body } = await search('宽带业务', `&limit=3${cursor === undefined ? '' : `&cursor=${cursor}`}`);
        assert.equal(status, 200);
        seen.push(...body.items.map((r: { id: string }) => r.id));
        cursor = body.nextCursor;
      } while (cursor !== undefined);
      assert.deepEqual(
        seen,
        rows
          .slice(0, 7)
          .reverse()
          .map((r) => r.id),
      );
      assert.deepEqual((await search('办理宽带', '&openId=oSomeoneElse')).ids, [rows[7]?.id]);
      assert.deepEqual((await search('办理宽带', '&type=event')).ids, []);
      const items = (await search('第3次')).body.items;
      assert.equal(items[0]?.content, '第3次 办理宽带业务');
    });

    it('writes a redelivered batch once, index rows included', async () => {
      const batch = [message('重复投递的消息'), message('another 重复投递'), message(undefined)];
      assert.deepEqual(await store.write(batch), { written: 3, duplicates: 0 });
      assert.deepEqual(await store.write(batch), { written: 0, duplicates: 3 });
      assert.deepEqual(await store.write([batch[0] as MessageLogEvent, message('重复投递 third')]), {
        written: 1,
        duplicates: 1,
      });
      assert.deepEqual((await search('重复投递')).ids.length, 3);
      if (adapter === 'MariaDB') {
        const table = textTableName(thisMonth);
        const indexed = await sql<{ blocks: number; messages: number }>`
          SELECT COUNT(*) AS blocks, SUM(messages) AS messages FROM ${sql.table(table)}`.execute(db);
        // One block for each write with new texts (the redelivery wrote none), each text message in one.
        assert.equal(Number(indexed.rows[0]?.blocks), 2);
        assert.equal(Number(indexed.rows[0]?.messages), 3);
      }
    });

    it('finds no message by a text that only two messages of one block make together', async () => {
      const rows = [
        message('上海'),
        message('移动'),
        message('ab'),
        message('bc'),
        message('你好😀'),
        message('😀世界'),
      ];
      await store.write(rows);
      if (adapter === 'MariaDB') {
        const blocks = await sql<{
          n: number;
        }>`SELECT COUNT(*) AS n FROM ${sql.table(textTableName(thisMonth))}`.execute(db);
        assert.equal(Number(blocks.rows[0]?.n), 1, 'the six messages are one block');
      }
      for (const text of ['上海移动', '海移', 'abc', 'ab bc', '好😀世', '😀😀', '你好😀世界']) {
        const { status, ids } = await search(text);
        assert.equal(status, 200, text);
        assert.deepEqual(ids, [], `search ${JSON.stringify(text)}`);
      }
      assert.deepEqual((await search('上海')).ids, [rows[0]?.id]);
      assert.deepEqual((await search('bc')).ids, [rows[3]?.id]);
      assert.deepEqual((await search('好😀')).ids, [rows[4]?.id]);
    });

    it('answers exactly over more blocks than a read takes, of two accounts, written by batches whose times overlap, page by page', async () => {
      const pool = [
        '办理宽带业务',
        '宽带报修😀',
        'WiFi 宽带 password',
        '查话费',
        'hello 宽带',
        '流量包',
        '宽 带',
        '人工客服',
      ];
      const all: MessageLogEvent[] = [];
      // Blocks of 4 messages: more matching blocks than the search reads at a time.
      const smallBlocks = new LogStore(db, { textBlockMessages: 4 });
      // Three batches over the same hour, interleaved in time: their blocks' ranges overlap.
      for (let batch = 0; batch < 3; batch += 1) {
        const rows = [];
        for (let i = 0; i < 2 * TEXT_BLOCK_MESSAGES + 40; i += 1) {
          const k = i * 3 + batch;
          rows.push(
            message(k % 11 === 0 ? undefined : (pool[(k * 7) % pool.length] as string), {
              at: thisMonth + 7_200_000 + Math.floor(k / 2) * 1000, // two messages (of two batches) at each time
              account: Math.floor(k / 3) % 4 === 1 ? 'other' : 'acme',
            }),
          );
        }
        await smallBlocks.write(rows);
        all.push(...rows);
      }
      const smallReads = await queryServer({ blockKeysRead: 5 });
      try {
        await compareSearches(all, smallReads.url);
      } finally {
        await smallReads.close();
      }
    });

    async function compareSearches(all: readonly MessageLogEvent[], smallReads: string): Promise<void> {
      for (const text of ['宽带', '报修😀', 'wifi', '宽带业务', '客服', '宽 带']) {
        const expected = all
          .filter((m) => m.account === 'acme' && m.content !== undefined && m.content.toLowerCase().includes(text))
          .sort((x, y) => y.at - x.at || ((x.id as string) < (y.id as string) ? 1 : -1))
          .map((m) => m.id);
        assert.ok(expected.length > 0, text);
        const seen = await searchPages(text, 37);
        assert.deepEqual(seen, expected, `search ${JSON.stringify(text)}`);
        if (adapter === 'MariaDB') {
          // The candidates' keys read 5 at a time: a month's blocks come in several reads.
          assert.deepEqual(await searchPages(text, 37, smallReads), expected, `${JSON.stringify(text)}, 5 keys a read`);
        }
      }
    }

    /** The query API alone on its own port, with `options` (the text search's reads). */
    async function queryServer(options: { blockKeysRead: number }): Promise<{ url: string; close(): Promise<void> }> {
      const app = express();
      queryRoutes(db, () => now, options)(app);
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    }

    it('drops the text index with the messages past the retention (injected clock), and indexes a late month again', async () => {
      await store.write([message('保留期内的宽带'), message('下个月的宽带', { at: nextMonth + 1000 })]);
      assert.equal((await search('宽带')).ids.length, 2);
      const later = monthStart(now, 8);
      const plan = await maintainPartitions(db, { now: later, ahead: 2, retentionMonths: 6, logger });
      if (adapter === 'MariaDB') {
        assert.ok(plan.dropped.includes(textTableName(thisMonth)), plan.dropped.join(','));
        assert.ok(plan.dropped.includes(textTableName(nextMonth)), plan.dropped.join(','));
        assert.ok(plan.created.includes(textTableName(monthStart(later, 2))), plan.created.join(','));
        const names = (await listTextTables(db)).map((t) => t.name);
        assert.ok(!names.includes(textTableName(thisMonth)), names.join(','));
        assert.ok(!names.includes(textTableName(nextMonth)), names.join(','));
      }
      assert.equal((await db.selectFrom('log_messages').select('event_id').execute()).length, 0);
      assert.deepEqual((await search('宽带')).ids, []);
      // The store had seen this month's table: a late event of that month creates it again.
      const late = message('迟到的宽带消息');
      assert.deepEqual(await store.write([late]), { written: 1, duplicates: 0 });
      assert.deepEqual((await search('宽带')).ids, [late.id]);
    });
  });
}

describe('migration 0013: the per-message text index of migration 0006 becomes one-message blocks (MariaDB)', function () {
  this.timeout(60_000);
  let database: TestDatabase | undefined;
  let log: RunningLog | undefined;
  let dataDir: string | undefined;

  after(async () => {
    await log?.close();
    await database?.drop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps what was indexed before searchable, exactly, and indexes new messages in blocks', async () => {
    database = await createTestDatabase('mpstack_text_mig');
    dataDir = await mkdtemp(join(tmpdir(), 'mpstack-text-mig-'));
    const now = Date.now();
    const month = monthStart(now);
    const table = textTableName(month);
    const db = createDatabase({ url: database.url });
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0013'));
      const migrator = new Migrator({ db, provider: { getMigrations: async () => before } });
      const { error } = await migrator.migrateToLatest();
      assert.equal(error, undefined);
      // Rows as the service of migration 0006 wrote them: one per text message.
      const old = [
        { id: 'old1', at: month + 1000, content: '上海移动宽带' },
        { id: 'old2', at: month + 2000, content: '移动上海' },
        { id: 'old3', at: month + 3000, content: 'ＨＥＬＬＯ 😀' },
      ];
      for (const m of old) {
        await sql`INSERT INTO log_messages (at, event_id, account, open_id, msg_type, content, outcome, latency_ms)
          VALUES (${m.at}, ${m.id}, 'acme', 'o1', 'text', ${m.content}, 'replied', 1)`.execute(db);
        await sql`INSERT INTO ${sql.table(table)} (at, event_id, account, tokens)
          VALUES (${m.at}, ${m.id}, 'acme', ${textWords(m.content).join(' ')})`.execute(db);
      }
    } finally {
      await db.destroy();
    }
    log = await startLog({
      config: loadLogConfig({
        MPSTACK_DATABASE_URL: database.url,
        MPSTACK_DATA_DIR: dataDir,
        MPSTACK_LOG_PORT: '0',
        MPSTACK_LOG_LEVEL: 'silent',
      }),
      logger,
      clock: () => now,
    });
    const migrated = await sql<{ at: number; last_at: number; messages: number }>`
      SELECT at, last_at, messages FROM ${sql.table(table)} ORDER BY at`.execute(log.infrastructure.db);
    assert.deepEqual(
      migrated.rows.map((r) => [Number(r.at), Number(r.last_at), Number(r.messages)]),
      [
        [month + 1000, month + 1000, 1],
        [month + 2000, month + 2000, 1],
        [month + 3000, month + 3000, 1],
      ],
    );
    // New messages: one in this month's migrated table, one in next month's (made empty by 0006, migrated empty).
    const next = monthStart(now, 1);
    const fresh = (id: string, at: number): MessageLogEvent => ({
      type: 'message',
      id,
      at,
      account: 'acme',
      openId: 'o2',
      msgType: 'text',
      event: undefined,
      msgId: undefined,
      decidedBy: undefined,
      content: '新的上海移动',
      outcome: 'replied',
      latencyMs: 1,
    });
    await new LogStore(log.infrastructure.db).write([fresh('new1', month + 4000), fresh('new2', next + 1000)]);
    const search = async (text: string) => {
      const response = await fetch(
        `${log?.url}/query/messages?account=acme&from=${month}&to=${monthStart(now, 2) - 1}&text=${encodeURIComponent(text)}`,
      );
      assert.equal(response.status, 200);
      return ((await response.json()) as { items: { id: string }[] }).items.map((r) => r.id);
    };
    const expectFound = async () => {
      assert.deepEqual(await search('上海移动'), ['new2', 'new1', 'old1']);
      assert.deepEqual(await search('移动上海'), ['old2']);
      assert.deepEqual(await search('hello 😀'), ['old3']);
    };
    await expectFound();
    // The FULLTEXT index built again (as the search bench's loader does) still finds them.
    for (const name of [table, textTableName(next)]) {
      const index = sql.raw(`${name}_tokens`);
      await sql`ALTER TABLE ${sql.table(name)} DROP INDEX ${index}`.execute(log.infrastructure.db);
      await sql`ALTER TABLE ${sql.table(name)} ADD FULLTEXT INDEX ${index} (tokens)`.execute(log.infrastructure.db);
    }
    await expectFound();
  });
});
