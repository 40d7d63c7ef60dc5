import assert from 'node:assert/strict';
import type { RunningIngress } from '@mpstack/ingress';
import { RedisServer } from '../../support/fault/index.js';
import { QueueRecorder } from '../../support/queue-recorder.js';
import { createStack, partitions, type Stack } from '../../support/stack.js';
import { fencesOf, loadUnderFault } from './load.js';

/**
 * Issue 7, finding 1: a Redis stall must not strand a message behind a dead claim. The
 * ingress's Redis is a redis-server of the test's own, frozen with SIGSTOP under load: the
 * claims sent meanwhile time out on the client (2 s) and are applied by Redis when it
 * resumes. Every message must be answered within WeChat's three deliveries and queued once.
 */
describe('faults: Redis stalled under load (25 msg/s)', function () {
  this.timeout(60_000);
  let stack: Stack;
  let redis: RedisServer;
  let recorder: QueueRecorder;
  let ingress: RunningIngress;

  before(async () => {
    stack = await createStack();
    recorder = await QueueRecorder.start(stack.amqpUrl, partitions);
  });
  beforeEach(async () => {
    redis = await RedisServer.start();
    ingress = await stack.replica({ redisUrl: redis.url });
  });
  afterEach(async () => {
    redis.resume();
    await ingress?.close();
    await redis?.stop();
  });
  after(async () => {
    await recorder?.close();
    await stack?.dispose();
  });

  it('a 2.5 s stall: the claims applied late are given back to their deliveries; each message queued exactly once', async () => {
    const { sent } = await loadUnderFault(stack, ingress, recorder, {
      seconds: 4,
      atMs: 1_000,
      fault: () => redis.stall(2_500),
    });
    const waited = sent.filter((s) => (s.report.deliveries[0]?.elapsedMs ?? 0) > 2_000);
    assert.ok(waited.length > 0, 'some first deliveries outlived the 2 s Redis command timeout (the stall hit them)');
    assert.ok(
      sent.every((s) => s.report.deliveries.length === 1),
      'each answered on its first delivery: a claim applied late is given back to the delivery that sent it',
    );
  });

  it('a 10 s stall: deliveries are held unanswered, WeChat re-delivers, a later delivery takes the dead claims over', async () => {
    const { sent, users } = await loadUnderFault(stack, ingress, recorder, {
      seconds: 3,
      atMs: 500,
      fault: () => redis.stall(10_000),
    });
    const redelivered = sent.filter((s) => s.report.deliveries.length > 1);
    assert.ok(redelivered.length > 0, 'the stall made WeChat re-deliver');
    assert.ok(
      redelivered.every((s) => s.report.deliveries.slice(0, -1).every((d) => d.isTimedOut)),
      'only after no answer: the ingress never answered an error status',
    );
    assert.ok(Math.max(...fencesOf(recorder, users)) > 1, 'some claims were taken over from a delivery that gave up');
  });
});
