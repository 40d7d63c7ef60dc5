import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeAesKey, decryptWithKey, parseXml } from '@mpstack/common/wechat';
import type { FastPathPlugin } from '@mpstack/ingress';
import { type DeliveryReport, type FetchLike, sendToAccount, textMessage } from '@mpstack/simulators';
import { uniqueName } from '@mpstack/testkit';
import { createStack, type Stack } from '../support/stack.js';

/** How long the handler takes on its first call: longer than WeChat's 5 s timeout. */
const slowMs = 6_000;
const replyText = '处理好了 ✅ 😀𠮷';

/**
 * A fast-path plugin whose first call is too slow for WeChat (a cold cache, a slow backend);
 * it records every execution and which replica ran it.
 */
function slowHandler() {
  const executions: string[] = [];
  const on =
    (replica: string): FastPathPlugin =>
    async (message) => {
      executions.push(replica);
      if (executions.length === 1) await delay(slowMs);
      return {
        reply: { type: 'text', content: `${replyText} ${message.fromUserName}` },
        forward: false,
        decidedBy: 'plugin:slow',
      };
    };
  return { executions, on };
}

/** The decrypted reply XML of every delivery that got an HTTP answer. */
function answeredReplies(stack: Stack, report: DeliveryReport): string[] {
  return report.deliveries
    .filter((d) => d.status === 200 && d.body !== undefined)
    .map((d) => {
      const envelope = parseXml(d.body ?? '');
      return decryptWithKey(decodeAesKey(stack.account.encodingAesKey), stack.account.appId, envelope.Encrypt ?? '');
    });
}

describe('e2e WeChat retry of a slow first delivery (5 s timeout, real Redis dedupe)', function () {
  this.timeout(30_000);
  let stack: Stack;

  before(async () => {
    stack = await createStack();
  });
  after(async () => {
    await stack?.dispose();
  });

  it('executes once: the first delivery times out, the retry gets the reply, a late retry gets the same', async () => {
    const handler = slowHandler();
    const replica = await stack.replica({ plugins: [handler.on('A')] });
    const from = uniqueName('oUser');
    const xml = textMessage({ from, to: stack.account.originalId, content: 'slow please' });
    const url = `${replica.url}/wx/${stack.account.id}`;
    const report = await sendToAccount({ url, account: stack.account, xml });
    assert.equal(report.deliveries[0]?.isTimedOut, true);
    assert.equal(report.deliveries[1]?.status, 200);
    assert.deepEqual(report.userSees.kind === 'reply' && report.userSees.reply, {
      type: 'text',
      content: `${replyText} ${from}`,
    });
    const late = await sendToAccount({ url, account: stack.account, xml, maxDeliveries: 1 });
    const replies = [...answeredReplies(stack, report), ...answeredReplies(stack, late)];
    assert.equal(replies.length, 2);
    assert.equal(new Set(replies).size, 1, 'every answered delivery got the same reply');
    assert.deepEqual(handler.executions, ['A']);
  });

  it('executes once across two replicas sharing Redis: first delivery to A, retry to B gets the same reply', async () => {
    const handler = slowHandler();
    const a = await stack.replica({ plugins: [handler.on('A')] });
    const b = await stack.replica({ plugins: [handler.on('B')] });
    const routed: string[] = [];
    // WeChat's load balancer: the first delivery lands on A, its retries on B.
    const fetchImpl: FetchLike = (input, init) => {
      const target = routed.length === 0 ? input : input.replace(a.url, b.url);
      routed.push(target);
      return fetch(target, init);
    };
    const from = uniqueName('oUser');
    const xml = textMessage({ from, to: stack.account.originalId, content: 'slow please' });
    const report = await sendToAccount({
      url: `${a.url}/wx/${stack.account.id}`,
      account: stack.account,
      xml,
      fetchImpl,
    });
    assert.equal(report.deliveries[0]?.isTimedOut, true);
    assert.deepEqual(
      routed.map((u) => u.startsWith(b.url)),
      [false, true],
    );
    assert.equal(report.deliveries[1]?.status, 200);
    assert.deepEqual(report.userSees.kind === 'reply' && report.userSees.reply, {
      type: 'text',
      content: `${replyText} ${from}`,
    });
    const late = await sendToAccount({
      url: `${b.url}/wx/${stack.account.id}`,
      account: stack.account,
      xml,
      maxDeliveries: 1,
    });
    assert.equal(new Set([...answeredReplies(stack, report), ...answeredReplies(stack, late)]).size, 1);
    assert.deepEqual(handler.executions, ['A']);
  });
});
