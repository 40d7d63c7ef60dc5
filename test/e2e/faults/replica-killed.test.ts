import assert from 'node:assert/strict';
import type { FastPathPlugin, RunningIngress } from '@mpstack/ingress';
import { type FetchLike, randomMsgId, sendToAccount, textMessage } from '@mpstack/simulators';
import { uniqueName, until } from '@mpstack/testkit';
import { QueueRecorder } from '../../support/queue-recorder.js';
import { createStack, partitions, type Stack } from '../../support/stack.js';
import { assertExactlyOnce } from './load.js';

/**
 * Issue 7, finding 1: a replica that dies between claim and reply left a claim every later
 * delivery waited on for the whole de-duplication TTL. Replica A claims messages and is cut
 * off mid-execution — its Redis connection gone (no lease renewal, as after kill -9), its
 * callers never answered — while the code it was running is still alive, as a process frozen
 * and thawed would be. WeChat's re-deliveries reach replica B.
 */
describe('faults: a replica dies between claim and reply', function () {
  this.timeout(60_000);
  let stack: Stack;
  let recorder: QueueRecorder;

  before(async () => {
    stack = await createStack();
    recorder = await QueueRecorder.start(stack.amqpUrl, partitions);
  });
  after(async () => {
    await recorder?.close();
    await stack?.dispose();
  });

  it('the re-delivery to another replica takes the claim over (fence 2); the thawed first holder publishes nothing', async () => {
    let release: () => void = () => undefined;
    const frozen = new Promise<void>((resolve) => {
      release = resolve;
    });
    const claimedOnA: string[] = [];
    const freezeOnA: FastPathPlugin = async (message) => {
      claimedOnA.push(message.fromUserName);
      await frozen;
      return undefined;
    };
    const a = await stack.replica({ plugins: [freezeOnA] });
    const b = await stack.replica();
    const users = Array.from({ length: 5 }, () => uniqueName('oKilled'));
    // WeChat's load balancer: a message's first delivery reaches A, its re-deliveries B.
    const sending = users.map((from) => {
      const msgId = randomMsgId();
      return sendToAccount({
        url: `${a.url}/wx/${stack.account.id}`,
        account: stack.account,
        xml: textMessage({ from, to: stack.account.originalId, content: 'load killed', msgId }),
        fetchImpl: routeRetriesTo(a, b),
      }).then((report) => ({ from, msgId, report }));
    });
    await until(() => claimedOnA.length === users.length, 10_000, 'replica A to claim every message');
    await a.infrastructure.coordination.close(); // A is gone for Redis: its leases are not renewed
    const sent = await Promise.all(sending);
    for (const { report } of sent) {
      assert.deepEqual(
        report.deliveries.map((d) => [d.isTimedOut, d.status]),
        [
          [true, null],
          [false, 200],
        ],
        'A never answered; the first re-delivery (to B) was answered',
      );
    }
    release(); // A thaws and carries on with the messages it had claimed
    await until(() => users.every((from) => recorder.from(from).length > 0), 10_000, 'the messages on the queue');
    const onQueue = users.flatMap((from) => recorder.from(from));
    assert.deepEqual(
      onQueue.map((r) => r.fence),
      users.map(() => 2),
      'each queued by the delivery that took the claim over',
    );
    await assertExactlyOnce(stack, b, recorder, sent, users);
    await a.close();
  });
});

/** Routes every delivery after the first of a message to replica `b`. */
function routeRetriesTo(a: RunningIngress, b: RunningIngress): FetchLike {
  let isFirst = true;
  return (input, init) => {
    const target = isFirst ? input : input.replace(a.url, b.url);
    isFirst = false;
    return fetch(target, init);
  };
}
