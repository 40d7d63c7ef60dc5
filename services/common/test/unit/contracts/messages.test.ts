import assert from 'node:assert/strict';
import {
  decodeInbound,
  decodeInvalidation,
  decodeLogEventBatch,
  decodeLogEvents,
  decodeReceipts,
  encodeInbound,
  encodeInvalidation,
  encodeLogEvent,
  encodeLogEventBatch,
  encodeReceipt,
  InboundDeduplicator,
  type MessageLogEvent,
  type ReceiptLogEvent,
  receiptOf,
  type SendLogEvent,
  serviceWindowEffect,
} from '../../../src/contracts/index.js';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';
import { body, event, isAppError } from '../wechat/support.js';

const invalid = (pattern: RegExp) => isAppError(ErrorCode.messageInvalid, pattern);

describe('contracts/inbound message', () => {
  const samples = [
    parseMessageXml(
      body('<MsgType>text</MsgType><Content><![CDATA[你好 😀]]></Content><MsgId>1234567890123456</MsgId>'),
    ),
    parseMessageXml(
      body(
        '<MsgType>location</MsgType><Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>' +
          '<Scale>15</Scale><Label>广州</Label><MsgId>7</MsgId>',
      ),
    ),
    event('subscribe', '<EventKey>qrscene_42</EventKey><Ticket>t</Ticket>'),
    event(
      'scancode_push',
      '<EventKey>k</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>r</ScanResult></ScanCodeInfo>',
    ),
    parseMessageXml(body('<MsgType>hologram</MsgType><MsgId>9</MsgId>')),
  ];

  it('decodes what it encodes into the same typed message, for every kind', () => {
    for (const message of samples) {
      const inbound = { id: 'acme:m1', fence: 1, account: 'acme', receivedAt: 1_700_000_000_123, message };
      assert.deepEqual(decodeInbound(Buffer.from(encodeInbound(inbound))), inbound);
    }
  });

  it('rebuilds the typed message from the raw fields, not from what the sender typed', () => {
    const message = samples[0];
    assert.ok(message?.kind === 'text');
    const wire = JSON.parse(encodeInbound({ id: 'acme:m1', fence: 2, account: 'acme', receivedAt: 1, message }));
    wire.message.content = 'forged';
    const decoded = decodeInbound(JSON.stringify(wire));
    assert.ok(decoded.message.kind === 'text');
    assert.equal(decoded.message.content, '你好 😀');
  });

  it('refuses a body that is not JSON, lacks the account or the fields, or has unparseable fields', () => {
    assert.throws(() => decodeInbound('{"account":'), invalid(/inbound message: not JSON/));
    const message = samples[0];
    assert.ok(message !== undefined);
    const good = JSON.parse(encodeInbound({ id: 'acme:m1', fence: 2, account: 'acme', receivedAt: 1, message }));
    assert.throws(() => decodeInbound(JSON.stringify({ ...good, account: '' })), invalid(/at account/));
    assert.throws(() => decodeInbound(JSON.stringify({ ...good, receivedAt: 'now' })), invalid(/at receivedAt/));
    assert.throws(() => decodeInbound(JSON.stringify({ ...good, id: '' })), invalid(/at id/));
    assert.throws(() => decodeInbound(JSON.stringify({ ...good, fence: 0 })), invalid(/at fence/));
    assert.throws(() => decodeInbound(JSON.stringify({ ...good, message: { kind: 'text' } })), invalid(/message/));
    const noSender = { ...good, message: { fields: { ...good.message.fields, FromUserName: undefined } } };
    assert.throws(() => decodeInbound(JSON.stringify(noSender)), invalid(/inbound message: .*FromUserName/));
  });
});

describe('contracts/log events', () => {
  const event1: MessageLogEvent = {
    type: 'message',
    at: 1_700_000_000_000,
    account: 'acme',
    openId: 'oUser',
    msgType: 'text',
    event: undefined,
    msgId: '123',
    outcome: 'replied',
    decidedBy: 'keyword',
    latencyMs: 1.5,
  };
  const event2: MessageLogEvent = {
    ...event1,
    msgType: 'event',
    event: 'subscribe',
    msgId: undefined,
    decidedBy: undefined,
  };

  it('decodes a batch of encoded events, oldest first, with absent fields as undefined', () => {
    const batch = encodeLogEventBatch([encodeLogEvent(event1), encodeLogEvent(event2)]);
    assert.deepEqual(decodeLogEventBatch(batch), [event1, event2]);
    assert.deepEqual(decodeLogEventBatch(encodeLogEventBatch([])), []);
  });

  it('names the first bad event of a batch', () => {
    const bad = JSON.stringify([event1, { ...event1, latencyMs: 'fast' }]);
    assert.throws(() => decodeLogEventBatch(bad), invalid(/log event batch: .* at 1\.latencyMs/));
    assert.throws(() => decodeLogEventBatch(JSON.stringify(event1)), invalid(/log event batch/));
  });
});

describe('contracts/log events: sends and receipts', () => {
  const base = { type: 'send', id: 'p1', at: 1_700_000_000_000, account: 'acme', family: 'template' } as const;
  const sends: SendLogEvent[] = [
    { ...base, outcome: 'sent' },
    { ...base, family: 'kefu', outcome: 'failed', errcode: 45015 },
    { ...base, family: 'mass', outcome: 'failed', errcode: -1 },
    { ...base, outcome: 'refused', reason: 'quota_reached', errcode: 45009 },
  ];
  const receipts: ReceiptLogEvent[] = [
    {
      type: 'receipt',
      id: 'r1',
      at: 1,
      account: 'acme',
      family: 'template',
      success: 0,
      userBlock: 1,
      systemFailed: 0,
    },
    { type: 'receipt', id: 'r2', at: 1, account: 'acme', family: 'mass', success: 98, userBlock: 0, systemFailed: 2 },
  ];

  it('decodes every outcome of a send and both kinds of receipt as encoded', () => {
    const batch = encodeLogEventBatch([...sends, ...receipts].map(encodeLogEvent));
    assert.deepEqual(decodeLogEvents(batch), { events: [...sends, ...receipts], rejected: [] });
  });

  it('refuses, with the field named, a send or receipt whose fields do not fit its outcome', () => {
    const bad = [
      { ...base, outcome: 'failed' },
      { ...base, outcome: 'sent', errcode: 0 },
      { ...base, outcome: 'refused', reason: 'rate', errcode: 45011 },
      { ...base, family: 'sms', outcome: 'sent' },
      { ...base, outcome: 'sent', accessToken: 'secret' },
      { ...base, outcome: 'lost' },
      { ...receipts[0], success: -1 },
      { ...receipts[1], family: 'kefu' },
    ];
    const { events, rejected } = decodeLogEvents(JSON.stringify(bad));
    assert.deepEqual(events, []);
    assert.deepEqual(
      rejected.map((r) => r.index),
      bad.map((_, i) => i),
    );
    assert.match(rejected[0]?.reason ?? '', /at errcode/);
    assert.match(rejected[1]?.reason ?? '', /errcode/);
    assert.match(rejected[2]?.reason ?? '', /at reason/);
    assert.match(rejected[3]?.reason ?? '', /at family/);
    assert.match(rejected[4]?.reason ?? '', /accessToken/);
    assert.match(rejected[6]?.reason ?? '', /at success/);
  });
});

describe('contracts/invalidation', () => {
  it('carries the id of the account that changed and refuses an empty one', () => {
    assert.equal(decodeInvalidation(encodeInvalidation('acme')), 'acme');
    assert.throws(() => decodeInvalidation(''), invalid(/invalidation/));
    assert.throws(() => encodeInvalidation(''), invalid(/invalidation/));
  });
});

describe('contracts/InboundDeduplicator (the consumer side of exactly once)', () => {
  it('executes the first copy of an id, acks repeats within the TTL, forgets the oldest beyond capacity', () => {
    let now = 0;
    const dedupe = new InboundDeduplicator({ ttlMs: 1_000, capacity: 2, now: () => now });
    assert.equal(dedupe.isRepeat({ id: 'a' }), false);
    dedupe.executed({ id: 'a' });
    assert.equal(dedupe.isRepeat({ id: 'a' }), true, 'a second copy of a (fence 2) is a repeat');
    dedupe.executed({ id: 'b' });
    dedupe.executed({ id: 'c' });
    assert.deepEqual(
      ['a', 'b', 'c'].map((id) => dedupe.isRepeat({ id })),
      [false, true, true],
      'capacity 2: the oldest is forgotten',
    );
    now = 1_000;
    assert.equal(dedupe.isRepeat({ id: 'c' }), false, 'expired after the TTL');
  });
});

describe('contracts/receipts: receiptOf', () => {
  const job = (name: string, extra: string) =>
    event(name, `<MsgID>200163836</MsgID><Status>success</Status>${extra}`) as Parameters<typeof receiptOf>[2];

  it('makes a template receipt of exactly its fields, which decodes as made', () => {
    const template = job('TEMPLATESENDJOBFINISH', '');
    const receipt = receiptOf('shop:200163836', 'shop', template, 5);
    assert.deepStrictEqual(receipt, {
      id: 'shop:200163836',
      account: 'shop',
      msgId: '200163836',
      openId: template.fromUserName,
      status: 'success',
      at: template.createTime * 1000,
      receivedAt: 5,
      kind: 'template',
    });
    assert.deepEqual(decodeReceipts(encodeReceipt(receipt)), { receipts: [receipt], rejected: [] });
  });

  it("makes a mass receipt with the job's counts", () => {
    const mass = job(
      'MASSSENDJOBFINISH',
      '<TotalCount>10</TotalCount><FilterCount>9</FilterCount><SentCount>8</SentCount><ErrorCount>1</ErrorCount>',
    );
    const receipt = receiptOf('shop:200163836', 'shop', mass, 5);
    assert.equal(receipt.kind, 'mass');
    assert.deepEqual(receipt.counts, { total: 10, filter: 9, sent: 8, error: 1 });
    assert.deepEqual(decodeReceipts(encodeReceipt(receipt)).receipts, [receipt]);
  });
});

describe('contracts/service window: what a push does to the window', () => {
  it('a delivery receipt is not an interaction: it neither opens nor closes a window', () => {
    for (const name of ['TEMPLATESENDJOBFINISH', 'MASSSENDJOBFINISH']) {
      assert.equal(serviceWindowEffect(event(name, '<MsgID>1</MsgID><Status>success</Status>')), undefined, name);
    }
    assert.equal(serviceWindowEffect(event('subscribe', '')), 'event');
    assert.equal(serviceWindowEffect(event('unsubscribe', '')), 'closed');
  });
});
