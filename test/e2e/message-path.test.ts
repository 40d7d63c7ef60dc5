import assert from 'node:assert/strict';
import { inboundQueueName, partitionOf } from '@mpstack/common/contracts';
import type { RunningIngress } from '@mpstack/ingress';
import { sendToAccount, subscribeEvent, textMessage } from '@mpstack/simulators';
import { uniqueName, until } from '@mpstack/testkit';
import { QueueRecorder } from '../support/queue-recorder.js';
import { createStack, keyword, partitions, type Stack, welcome } from '../support/stack.js';

describe('e2e message path: simulator → ingress (MariaDB, Redis, RabbitMQ) → partition queue → worker', function () {
  this.timeout(30_000);
  let stack: Stack;
  let ingress: RunningIngress;
  let recorder: QueueRecorder;

  before(async () => {
    stack = await createStack();
    ingress = await stack.replica();
    recorder = await QueueRecorder.start(stack.amqpUrl, partitions);
  });
  after(async () => {
    await recorder?.close();
    await stack?.dispose();
  });

  const url = () => `${ingress.url}/wx/${stack.account.id}`;
  const parties = () => ({ from: uniqueName('oUser'), to: stack.account.originalId });

  it('shows the user the seeded keyword reply, encrypted, and does not forward the keyword', async () => {
    const who = parties();
    const report = await sendToAccount({
      url: url(),
      account: stack.account,
      xml: textMessage({ ...who, content: keyword.text }),
    });
    assert.equal(report.deliveries.length, 1);
    assert.equal(report.userSees.kind, 'reply');
    if (report.userSees.kind !== 'reply') return;
    assert.equal(report.userSees.isEncrypted, true);
    assert.deepEqual(report.userSees.reply, { type: 'text', content: keyword.reply });
    assert.equal(report.userSees.fields['ToUserName'], who.from);
    // Same user ⇒ same partition ⇒ FIFO: once a later message arrived, a forwarded keyword would have too.
    await sendToAccount({ url: url(), account: stack.account, xml: textMessage({ ...who, content: 'later' }) });
    const received = await until(() => recorder.from(who.from).length > 0 && recorder.from(who.from), 10_000);
    assert.deepEqual(
      received.map((r) => r.message.kind === 'text' && r.message.content),
      ['later'],
    );
  });

  it('forwards an unmatched text to exactly one partition queue, typed, and the worker acks it', async () => {
    const who = parties();
    const msgId = '6054768590064713728';
    const xml = textMessage({ ...who, content: '我想退货 📦', msgId });
    const report = await sendToAccount({ url: url(), account: stack.account, xml });
    assert.deepEqual(report.userSees, { kind: 'nothing' });
    assert.equal(report.deliveries[0]?.body, 'success');
    const [received] = await until(() => recorder.from(who.from).length > 0 && recorder.from(who.from), 10_000);
    assert.equal(received?.queue, inboundQueueName(partitionOf(who.from, partitions)));
    assert.equal(received?.account, stack.account.id);
    assert.equal(received?.headers['account'], stack.account.id);
    assert.ok(received?.messageId?.endsWith(`:m${msgId}`), received?.messageId);
    assert.deepEqual(
      received?.message.kind === 'text' && {
        content: received.message.content,
        msgId: received.message.msgId,
        to: received.message.toUserName,
      },
      { content: '我想退货 📦', msgId, to: stack.account.originalId },
    );
    await until(
      async () => {
        const depths = await Promise.all(
          Array.from({ length: partitions }, (_, p) => recorder.depth(inboundQueueName(p))),
        );
        return depths.every((d) => d === 0);
      },
      10_000,
      'every partition queue empty (acked)',
    );
    assert.equal(recorder.from(who.from).length, 1, 'exactly one copy');
  });

  it('answers subscribe with the welcome reply and forwards the event to the workers', async () => {
    const who = parties();
    const report = await sendToAccount({
      url: url(),
      account: stack.account,
      xml: subscribeEvent({ ...who, scene: 'poster42' }),
    });
    assert.equal(report.userSees.kind, 'reply');
    assert.deepEqual(report.userSees.kind === 'reply' && report.userSees.reply, { type: 'text', content: welcome });
    const [received] = await until(() => recorder.from(who.from).length > 0 && recorder.from(who.from), 10_000);
    const message = received?.message;
    assert.equal(message?.kind === 'event' && message.event, 'subscribe');
    assert.equal(message?.kind === 'event' && 'scene' in message && message.scene, 'poster42');
  });

  it('publishes a log event for every request on mpstack.log-events', async () => {
    const who = parties();
    await sendToAccount({ url: url(), account: stack.account, xml: textMessage({ ...who, content: keyword.text }) });
    await sendToAccount({ url: url(), account: stack.account, xml: textMessage({ ...who, content: 'no rule' }) });
    const events = await until(
      () => {
        const mine = recorder.logEvents.filter((e) => e.openId === who.from);
        return mine.length === 2 && mine;
      },
      10_000,
      'two log events',
    );
    assert.deepEqual(events.map((e) => [e.account, e.msgType, e.outcome]).sort(), [
      [stack.account.id, 'text', 'accepted_published'],
      [stack.account.id, 'text', 'replied'],
    ]);
    assert.ok(events.every((e) => e.msgId !== undefined && e.latencyMs >= 0));
  });
});
