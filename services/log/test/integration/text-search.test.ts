import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageLogEvent } from '@mpstack/common/contracts';
import { type Db, isMysql, monthStart, textTableName } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';
import { sql } from 'kysely';
import {
  LogStore,
  listTextTables,
  loadLogConfig,
  maintainPartitions,
  type RunningLog,
  startLog,
  textQuery,
  textWords,
} from '../../src/index.js';

const logger = createLogger({ service: 'text-search-test', level: 'silent' });

describe('text index words', () => {
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

    // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read field by field in assertions
    async function search(text: string, extra = ''): Promise<{ status: number; body: any; ids: string[] }> {
      const range = `from=${thisMonth}&to=${monthStart(now, 2) - 1}`;
      const response = await fetch(
        `${log.url}/query/messages?account=acme&${range}&text=${encodeURIComponent(text)}${extra}`,
      );
      // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read field by field in assertions
      const body: any = await response.json();
      return { status: response.status, body, ids: (body.items ?? []).map((r: { id: string }) => r.id).sort() };
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
        const indexed = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(db);
        assert.equal(Number(indexed.rows[0]?.n), 3, 'one index row per text message');
      }
    });

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
