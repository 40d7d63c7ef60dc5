import assert from 'node:assert/strict';
import type { FastPathPlugin, RunningIngress } from '@mpstack/ingress';
import { type FetchLike, randomMsgId, sendToAccount, textMessage } from '@mpstack/simulators';
import { REDIS_URL, uniqueName, until } from '@mpstack/testkit';
import { QueueRecorder } from '../support/queue-recorder.js';
import { createStack, keyword, partitions, type Stack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * Redis holds the de-duplication claims: without it the ingress cannot tell a retry from a
 * new message, so it must not acknowledge and must not execute or forward anything. It holds
 * the request unanswered (WeChat documents a re-delivery after no answer within 5 s, not
 * after an error status) — and once Redis is back, WeChat's re-delivery is executed exactly once.
 */
describe('e2e Redis outage: no answer without a claim, exactly one execution after recovery', function () {
  this.timeout(30_000);
  let stack: Stack;
  let proxy: TcpProxy;
  let recorder: QueueRecorder;
  let ingress: RunningIngress;
  const executions: string[] = [];

  before(async () => {
    stack = await createStack();
    const redis = new URL(REDIS_URL);
    proxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
    recorder = await QueueRecorder.start(stack.amqpUrl, partitions);
    const counter: FastPathPlugin = (message) => {
      executions.push(message.kind === 'text' ? message.content : message.kind);
      return undefined;
    };
    ingress = await stack.replica({ redisUrl: `redis://127.0.0.1:${proxy.port}`, plugins: [counter] });
  });
  after(async () => {
    await recorder?.close();
    await stack?.dispose();
    await proxy?.close();
  });

  it('holds the request while Redis is unreachable, is not ready, and executes the re-delivery once Redis is back', async () => {
    const url = `${ingress.url}/wx/${stack.account.id}`;
    const warm = await sendToAccount({
      url,
      account: stack.account,
      xml: textMessage({ from: uniqueName('oWarm'), to: stack.account.originalId, content: keyword.text }),
    });
    assert.equal(
      warm.userSees.kind === 'reply' && warm.userSees.reply.type === 'text' && warm.userSees.reply.content,
      keyword.reply,
    );

    proxy.cut();
    const from = uniqueName('oUser');
    const xml = textMessage({ from, to: stack.account.originalId, content: '办理宽带 😀𠮷', msgId: randomMsgId() });
    // WeChat's second delivery comes after Redis returned.
    let outage: { readyStatus: number; cache: boolean } | undefined;
    const fetchImpl: FetchLike = async (input, init) => {
      try {
        return await fetch(input, init);
      } finally {
        if (proxy.isCut) {
          const readyz = await fetch(`${ingress.url}/readyz`);
          const { checks } = (await readyz.json()) as { checks: { cache: boolean } };
          outage = { readyStatus: readyz.status, cache: checks.cache };
          proxy.restore();
          await until(() => ingress.infrastructure.coordination.ping(), 10_000, 'Redis to answer again');
        }
      }
    };
    const report = await sendToAccount({ url, account: stack.account, xml, fetchImpl });
    assert.ok(outage !== undefined, 'a delivery reached the ingress while Redis was cut');
    assert.deepEqual([outage.readyStatus, outage.cache], [503, false], 'not ready without Redis');
    const [first, second] = report.deliveries;
    assert.deepEqual([first?.status, first?.isTimedOut], [null, true], `the first delivery answered ${first?.status}`);
    assert.deepEqual([second?.status, second?.body], [200, 'success']);
    assert.deepEqual(
      executions.filter((text) => text === '办理宽带 😀𠮷'),
      ['办理宽带 😀𠮷'],
      'executed by the retry only',
    );
    await until(() => recorder.from(from).length === 1, 10_000, 'the forwarded message');
    // a late third delivery of the same message is a duplicate: same answer, no second execution
    const late = await sendToAccount({ url, account: stack.account, xml });
    assert.equal(late.deliveries[0]?.body, 'success');
    assert.equal(executions.filter((text) => text === '办理宽带 😀𠮷').length, 1);
    assert.equal(recorder.from(from).length, 1);
  });
});
