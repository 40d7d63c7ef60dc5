import assert from 'node:assert/strict';
import type { MessageLogEvent } from '@mpstack/common/contracts';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { LogStore, maintainPartitions } from '../../src/index.js';

/** Embedded mode (`mpstack dev` without URLs): the same store on SQLite. */
describe('log store on SQLite (embedded mode)', () => {
  let db: Db;
  const at = Date.UTC(2026, 11, 3, 8, 0, 30);
  const event = (id: string, overrides: Partial<MessageLogEvent> = {}): MessageLogEvent => ({
    type: 'message',
    id,
    at,
    account: 'acme',
    openId: 'o1',
    msgType: 'text',
    event: undefined,
    msgId: id,
    content: '你好',
    outcome: 'replied',
    decidedBy: 'keyword',
    latencyMs: 4,
    ...overrides,
  });

  beforeEach(async () => {
    db = createDatabase({ sqlitePath: ':memory:' });
    await migrateToLatest(db);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('writes events once and rolls up only the new ones', async () => {
    const store = new LogStore(db);
    assert.deepEqual(await store.write([event('a'), event('b')]), { written: 2, duplicates: 0 });
    assert.deepEqual(await store.write([event('b'), event('c')]), { written: 1, duplicates: 1 });
    const rows = await db.selectFrom('log_messages').select('event_id').orderBy('event_id').execute();
    assert.deepEqual(
      rows.map((r) => r.event_id),
      ['a', 'b', 'c'],
    );
    const minute = await db.selectFrom('log_rollup_minute').selectAll().execute();
    assert.equal(minute.length, 1);
    assert.equal(Number(minute[0]?.total), 3);
    const keyword = await db.selectFrom('log_rollup_day').selectAll().where('metric', '=', 'keyword').execute();
    assert.equal(Number(keyword[0]?.count), 3);
  });

  it('retention without partitions deletes the rows older than the retention', async () => {
    await new LogStore(db).write([event('old'), event('new', { at: Date.UTC(2027, 5, 1) })]);
    const logger = createLogger({ service: 'test', level: 'silent' });
    await maintainPartitions(db, { now: Date.UTC(2027, 6, 15), ahead: 2, retentionMonths: 6, logger });
    const rows = await db.selectFrom('log_messages').select('event_id').execute();
    assert.deepEqual(
      rows.map((r) => r.event_id),
      ['new'],
    );
  });
});
