import assert from 'node:assert/strict';
import type { MessageLogEvent, ReceiptLogEvent, SendLogEvent } from '@mpstack/common/contracts';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { LogStore, maintainPartitions } from '../../src/index.js';
import { outboundDashboard } from '../../src/outbound-query.js';

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

  it('counts sends and receipts once per event id and serves them to the dashboard, and retention deletes them', async () => {
    const store = new LogStore(db);
    const send = (id: string, rest: object = { outcome: 'sent' }) =>
      ({ type: 'send', id, at, account: 'acme', family: 'template', ...rest }) as SendLogEvent;
    const receipt: ReceiptLogEvent = {
      type: 'receipt',
      id: 'rt1',
      at,
      account: 'acme',
      family: 'template',
      success: 0,
      userBlock: 1,
      systemFailed: 0,
    };
    const batch = [send('s1'), send('s2', { outcome: 'failed', errcode: 40003 }), receipt];
    assert.deepEqual(await store.write(batch), { written: 3, duplicates: 0 });
    assert.deepEqual(await store.write([...batch, send('s3')]), { written: 1, duplicates: 3 });
    const window = { from: at - 30_000, to: at + 29_999, step: 60_000, shift: 0 };
    const mine = await outboundDashboard(db, { ...window, account: 'acme' });
    assert.deepEqual(mine.totals.sends, { 'template:sent': 2, 'template:failed': 1 });
    assert.deepEqual(mine.totals.receipts, { success: 0, userBlock: 1, systemFailed: 0 });
    assert.deepEqual((await outboundDashboard(db, window)).totals.sends, mine.totals.sends);
    const logger = createLogger({ service: 'test', level: 'silent' });
    await maintainPartitions(db, { now: Date.UTC(2027, 6, 15), ahead: 2, retentionMonths: 6, logger });
    assert.equal((await db.selectFrom('log_outbound_seen').selectAll().execute()).length, 0);
    assert.equal((await db.selectFrom('log_rollup_outbound').selectAll().execute()).length, 0);
  });
});
