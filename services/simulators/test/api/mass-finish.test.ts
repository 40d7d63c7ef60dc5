import assert from 'node:assert/strict';
import { parseMessage } from '@mpstack/common/wechat';
import { until } from '@mpstack/testkit';
import { startApi, testAccount, withCallbackIngress } from '../helpers.js';

const account = testAccount();

describe('simulated MASSSENDJOBFINISH pushes', () => {
  const stand = withCallbackIngress(account);

  const mass = (body: Record<string, unknown>) =>
    stand.api.post(`/cgi-bin/message/mass/send?access_token=${stand.token}`, {
      touser: ['o_alice', 'o_bob', 'o_stranger'],
      msgtype: 'text',
      text: { content: '本月流量包八折 🎁' },
      ...body,
    });

  it('reports the job from mphelper with MsgID = msg_id and the counts after filtering', async () => {
    stand.api.state.setBlocking(account.appId, 'o_bob', true);
    const sent = await mass({});
    assert.equal(sent.errcode, 0);
    const push = await until(() => stand.ingress.pushes[0]);
    assert.equal(push.isSignatureValid, true);
    const fields = push.message;
    assert.equal(fields.Event, 'MASSSENDJOBFINISH');
    assert.equal(fields.FromUserName, 'mphelper');
    assert.equal(fields.ToUserName, 'gh_demo');
    assert.equal(fields.MsgID, String(sent.msg_id));
    assert.equal(fields.MsgId, undefined);
    assert.equal(fields.Status, 'send success');
    // three openids given, the stranger filtered out, Bob blocked the account
    assert.deepEqual(
      [fields.TotalCount, fields.FilterCount, fields.SentCount, fields.ErrorCount],
      ['3', '2', '1', '1'],
    );
    assert.equal(fields.CopyrightCheckResult, undefined, 'only articles get an originality check');
    const message = parseMessage(fields);
    assert.equal(message.kind === 'event' && message.event, 'MASSSENDJOBFINISH');
    assert.equal('msgId' in message && message.msgId, String(sent.msg_id));
    const record = await until(() => stand.api.state.massSends().find((s) => s.callback === 'delivered'));
    assert.deepEqual(record.callbackStatuses, [200]);
  });

  it('adds the originality check to an article send, and reports send fail when nobody could receive it', async () => {
    await mass({ msgtype: 'mpnews', mpnews: { media_id: 'MEDIA_ID' }, touser: ['o_gone', 'o_stranger'] });
    const push = await until(() => stand.ingress.pushes[0]);
    assert.equal(push.message.Status, 'send fail');
    assert.deepEqual([push.message.TotalCount, push.message.FilterCount, push.message.SentCount], ['2', '0', '0']);
    assert.deepEqual(JSON.parse(push.message.CopyrightCheckResult ?? 'null'), {
      Count: '0',
      ResultList: '',
      CheckState: '1',
    });
  });

  it('filters users who already received four mass sends this month, until the next Beijing month', async () => {
    for (let i = 0; i < 4; i++) await mass({ touser: ['o_alice', 'o_bob'] });
    await mass({ touser: ['o_alice', 'o_bob'] });
    await until(() => (stand.ingress.pushes.length >= 5 ? true : undefined));
    const counts = (n: number) => {
      const m = stand.ingress.pushes[n]?.message;
      return [m?.TotalCount, m?.FilterCount, m?.SentCount, m?.Status];
    };
    assert.deepEqual(counts(3), ['2', '2', '2', 'send success']);
    assert.deepEqual(counts(4), ['2', '0', '0', 'send fail'], 'the fifth send this month reaches nobody');
    stand.api.clock.advance(31 * 86_400_000);
    stand.token = await stand.api.token(account); // the old one expired long ago
    assert.equal((await mass({ touser: ['o_alice', 'o_bob'] })).errcode, 0);
    await until(() => (stand.ingress.pushes.length >= 6 ? true : undefined));
    assert.deepEqual(counts(5), ['2', '2', '2', 'send success']);
  });

  it('records the push as skipped when the account has no callback URL', async () => {
    const lone = await startApi([account]);
    try {
      const loneToken = await lone.token(account);
      await lone.post(`/cgi-bin/message/mass/send?access_token=${loneToken}`, {
        touser: ['o_alice', 'o_bob'],
        msgtype: 'text',
        text: { content: 'x' },
      });
      assert.equal(lone.state.massSends()[0]?.callback, 'skipped');
    } finally {
      await lone.close();
    }
  });
});
