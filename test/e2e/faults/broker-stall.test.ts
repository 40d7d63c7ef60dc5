import assert from 'node:assert/strict';
import type { RunningIngress } from '@mpstack/ingress';
import { until } from '@mpstack/testkit';
import { RabbitMqNode } from '../../support/fault/index.js';
import { QueueRecorder } from '../../support/queue-recorder.js';
import { createStack, partitions, type Stack } from '../../support/stack.js';
import { loadUnderFault } from './load.js';

/**
 * Issue 7, finding 4: a broker stall past the publish timeout (2 s) made the ingress spool
 * messages whose publish the broker then confirmed late, and the spool forwarded them again
 * (500 answered, 525 queued). The broker here is a RabbitMQ node of the test's own, frozen
 * with SIGSTOP for 3 s under load.
 */
describe('faults: the broker stalled past the publish timeout under load (25 msg/s)', function () {
  this.timeout(90_000);
  let stack: Stack;
  let node: RabbitMqNode;
  let recorder: QueueRecorder;
  let ingress: RunningIngress;

  before(async () => {
    [stack, node] = await Promise.all([createStack(), RabbitMqNode.start()]);
    recorder = await QueueRecorder.start(node.url, partitions);
    ingress = await stack.replica({ amqpUrl: node.url });
  });
  after(async () => {
    node?.resume();
    await recorder?.close();
    await stack?.dispose();
    await node?.stop();
  });

  it('a 3 s stall: timed-out publishes are spooled, the late confirms win, no message is queued twice', async () => {
    const { sent } = await loadUnderFault(stack, ingress, recorder, {
      seconds: 4,
      atMs: 1_000,
      fault: () => node.stall(3_000),
    });
    await until(
      () => recorder.logEvents.some((e) => e.outcome.endsWith('_spooled')),
      10_000,
      'a log event of a spooled message (the stall outlived the publish timeout)',
    );
    assert.ok(
      sent.every((s) => s.report.deliveries.length === 1),
      'each acknowledged on its first delivery (spooled within the 5 s budget)',
    );
  });
});
