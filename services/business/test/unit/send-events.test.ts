import assert from 'node:assert/strict';
import type { JobReceipt, ReceiptLogEvent, SendLogEvent } from '@mpstack/common/contracts';
import { WeChatApiError, WeChatLocalRefusal, WeChatUnavailableError } from '@mpstack/common/wechat';
import type { OutboundApi } from '../../src/wechat/outbound-api.js';
import { receiptEventOf, recordingSends } from '../../src/wechat/send-events.js';

function sinkOf() {
  const events: (SendLogEvent | ReceiptLogEvent)[] = [];
  let n = 0;
  return {
    events,
    sink: {
      nextId: () => {
        n += 1;
        return `e${n}`;
      },
      record: (event: SendLogEvent | ReceiptLogEvent) => void events.push(event),
    },
  };
}

/** An api whose template sends answer in turn: a msgid, or the error given. */
function scripted(answers: readonly (string | Error)[]): OutboundApi {
  let i = 0;
  const next = async () => {
    const answer = answers[i++];
    if (answer instanceof Error) throw answer;
    return answer ?? 'msg';
  };
  return {
    sendTemplate: next,
    sendCustom: async () => void (await next()),
    sendAll: async () => ({ msgId: await next() }),
    preview: async () => void (await next()),
    deleteMass: async () => {},
  };
}

const message = { touser: 'oSecretOpenId', template_id: 't', data: {}, client_msg_id: 'c1' };

describe('business/send events', () => {
  it('records one send event per attempt: sent, failed with the errcode, refused with the reason', async () => {
    const { events, sink } = sinkOf();
    const api = recordingSends(
      scripted([
        'm1',
        new WeChatApiError('sendTemplateMessage', 43004, 'require subscribe'),
        new WeChatLocalRefusal('sendTemplateMessage', 'quota_reached', 'used up'),
        new WeChatUnavailableError('sendTemplateMessage', 'no host answered'),
        'm5',
      ]),
      sink,
      () => 1_000,
    );
    assert.equal(await api.sendTemplate('acme', message), 'm1');
    for (let i = 0; i < 3; i += 1) await assert.rejects(api.sendTemplate('acme', message));
    assert.deepEqual(await api.sendAll('acme', { filter: { is_to_all: true }, msgtype: 'text', clientmsgid: 'x' }), {
      msgId: 'm5',
    });
    await api.deleteMass('acme', 'm5');
    const base = { type: 'send', at: 1_000, account: 'acme' } as const;
    assert.deepEqual(events, [
      { ...base, id: 'e1', family: 'template', outcome: 'sent' },
      { ...base, id: 'e2', family: 'template', outcome: 'failed', errcode: 43004 },
      { ...base, id: 'e3', family: 'template', outcome: 'refused', reason: 'quota_reached', errcode: 45009 },
      { ...base, id: 'e4', family: 'template', outcome: 'failed', errcode: -1 },
      { ...base, id: 'e5', family: 'mass', outcome: 'sent' },
    ]);
    assert.doesNotMatch(JSON.stringify(events), /oSecretOpenId|client_msg_id|token/);
  });

  it('records customer-service sends in the kefu family: sent, refused outside the window, 45015 from WeChat', async () => {
    const { events, sink } = sinkOf();
    const api = recordingSends(
      scripted([
        'ok',
        new WeChatLocalRefusal('sendCustomMessage', 'window_closed', 'no interaction in 48 h'),
        new WeChatLocalRefusal('sendCustomMessage', 'window_exhausted', 'five sent'),
        new WeChatApiError('sendCustomMessage', 45015, 'response out of time limit'),
      ]),
      sink,
      () => 2_000,
    );
    const text = { touser: 'oSecretOpenId', msgtype: 'text', text: { content: '您好' } };
    await api.sendCustom('acme', text);
    for (let i = 0; i < 3; i += 1) await assert.rejects(api.sendCustom('acme', text));
    const base = { type: 'send', at: 2_000, account: 'acme', family: 'kefu' } as const;
    assert.deepEqual(events, [
      { ...base, id: 'e1', outcome: 'sent' },
      { ...base, id: 'e2', outcome: 'refused', reason: 'window_closed', errcode: 45015 },
      { ...base, id: 'e3', outcome: 'refused', reason: 'window_exhausted', errcode: 45047 },
      { ...base, id: 'e4', outcome: 'failed', errcode: 45015 },
    ]);
    assert.doesNotMatch(JSON.stringify(events), /oSecretOpenId|您好/);
  });

  it("maps a receipt's status to its outcome, with the receipt's MsgID and time as the event's key", () => {
    const receipt: JobReceipt = {
      id: 'ingress-1',
      account: 'acme',
      kind: 'template',
      msgId: '200',
      openId: 'oUser',
      status: 'success',
      at: 5_000,
      receivedAt: 6_000,
    };
    const outcomes = ['success', 'failed:user block', 'failed: system failed', 'something new'].map((status) => {
      const { success, userBlock, systemFailed } = receiptEventOf({ ...receipt, status });
      return [success, userBlock, systemFailed];
    });
    assert.deepEqual(outcomes, [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 1],
    ]);
    assert.deepEqual(
      receiptEventOf({ ...receipt, kind: 'mass', counts: { total: 10, filter: 9, sent: 7, error: 2 } }),
      {
        type: 'receipt',
        id: 'rm200',
        at: 5_000,
        account: 'acme',
        family: 'mass',
        success: 7,
        userBlock: 0,
        systemFailed: 2,
      },
    );
    assert.equal(receiptEventOf(receipt).id, 'rt200');
  });
});
