import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastPathPlugin } from '@mpstack/ingress';
import { type FetchLike, randomMsgId, sendToAccount, textMessage } from '@mpstack/simulators';
import { AMQP_BASE_URL, REDIS_URL, uniqueName, until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { freePort } from '../../support/fault/index.js';
import { QueueRecorder, type Received } from '../../support/queue-recorder.js';
import { createStack, partitions, type Stack } from '../../support/stack.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { assertExactlyOnce, flushPartitions } from './load.js';

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
        fetchImpl: routeRetriesTo(a.url, b.url),
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

/** Routes every delivery after the first of a message from replica `a` to replica `b` (base URLs). */
function routeRetriesTo(a: string, b: string): FetchLike {
  let isFirst = true;
  return (input, init) => {
    const target = isFirst ? input : input.replace(a, b);
    isFirst = false;
    return fetch(target, init);
  };
}

/**
 * A second ingress in a process of its own (`mpstack run ingress`), killed with SIGKILL while
 * it holds claims: its broker link is frozen (a TCP proxy that stops moving bytes), so every
 * message it claimed is mid-publish when it dies — a publish already written to the network
 * reaches the broker after the death. This is the case the ingress cannot rule out
 * (docs/architecture.md, "Exactly once", case 1): the delivery that takes over publishes
 * again, and the copies carry the same contract `id`, for consumers to drop all but one.
 */
describe('faults: an ingress process killed (SIGKILL) between claim and reply', function () {
  this.timeout(60_000);
  let stack: Stack;
  let recorder: QueueRecorder;
  let proxy: TcpProxy;
  let child: ChildProcess | undefined;

  before(async () => {
    stack = await createStack();
    recorder = await QueueRecorder.start(stack.amqpUrl, partitions);
    const broker = new URL(AMQP_BASE_URL);
    proxy = await TcpProxy.start(broker.hostname, Number(broker.port || 5672));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await recorder?.close();
    await stack?.dispose();
    await proxy?.close();
  });

  it('WeChat’s re-delivery to another replica takes every dead claim over; copies of a message share its id', async () => {
    const port = await freePort();
    const env = stack.replicaEnv({ amqpUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}/${stack.vhost}` });
    child = spawn(process.execPath, [cliBin, 'run', 'ingress'], {
      env: { ...process.env, ...env, MPSTACK_INGRESS_PORT: String(port) },
      stdio: 'ignore',
    });
    const a = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${a}/readyz`)).status === 200, 20_000, 'the ingress process to be ready');
    const b = await stack.replica();
    proxy.freeze();
    const users = Array.from({ length: 5 }, () => uniqueName('oKill9'));
    const sending = users.map((from) => {
      const msgId = randomMsgId();
      return sendToAccount({
        url: `${a}/wx/${stack.account.id}`,
        account: stack.account,
        xml: textMessage({ from, to: stack.account.originalId, content: 'load kill -9', msgId }),
        fetchImpl: routeRetriesTo(a, b.url),
      }).then((report) => ({ from, msgId, report }));
    });
    await until(async () => (await leasesUnder(stack.keyPrefix)) === users.length, 10_000, 'the process to claim all');
    child.kill('SIGKILL');
    proxy.thaw();
    const sent = await Promise.all(sending);
    for (const { report } of sent) {
      assert.equal(report.deliveries[0]?.status, null, 'the killed process never answered');
      assert.equal(report.deliveries[1]?.status, 200, 'the re-delivery to the other replica was answered');
    }
    await flushPartitions(stack, b, recorder, users);
    const copies = users.flatMap((from) =>
      recorder.from(from).filter((r) => r.message.kind === 'text' && r.message.content === 'load kill -9'),
    );
    const byId = new Map<string, Received[]>();
    for (const copy of copies) byId.set(copy.id, [...(byId.get(copy.id) ?? []), copy]);
    assert.equal(byId.size, users.length, 'one id per acknowledged message');
    for (const [id, group] of byId) {
      const fences = group.map((r) => r.fence).sort();
      assert.ok(
        ['2', '1,2'].includes(fences.join()),
        `${id}: fences ${fences.join()} — the taken-over copy (2), and the dead holder's (1) if its publish had left it`,
      );
      assert.equal(new Set(group.map((r) => JSON.stringify(r.message.fields))).size, 1, 'copies are the same message');
    }
    assert.deepEqual(
      dedupeById(copies)
        .map((r) => (r.message.kind === 'text' ? r.message.msgId : ''))
        .sort(),
      sent.map((s) => s.msgId).sort(),
      'a consumer de-duplicating on id executes each acknowledged message once',
    );
  });
});

/** What the contract asks of consumers: the first copy of an id is executed, later ones only acked. */
function dedupeById(received: readonly Received[]): Received[] {
  const seen = new Set<string>();
  return received.filter((r) => {
    if (seen.has(r.id)) return false;
    seen.add(r.id);
    return true;
  });
}

const cliBin = fileURLToPath(new URL('../../../../services/cli/bin/mpstack.js', import.meta.url));

/** Claims currently held as leases under a key prefix (values, not keys: a reply is not a lease). */
async function leasesUnder(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    let count = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      for (const key of keys as string[]) {
        const value = await redis.get(key).catch(() => null);
        if (value?.startsWith('\u0000mpstack:lease:') === true) count += 1;
      }
    }
    return count;
  } finally {
    redis.disconnect();
  }
}
