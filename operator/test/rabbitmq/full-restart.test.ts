import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { rabbitmqStatefulSet } from '../../src/resources/rabbitmq.js';
import { platformFrom } from '../resources/fixture.js';
import { createRabbitCluster, type RabbitCluster } from './rabbitmq-cluster.js';

/**
 * Issue: RabbitMQ ran with `OrderedReady`, the full-cluster-restart deadlock the RabbitMQ
 * cluster-operator moved away from. These tests run three real RabbitMQ nodes with the
 * operator's own `rabbitmq.conf` and show both halves: started at once (`Parallel`) they form
 * one cluster and survive a full restart with their quorum-queue messages; started one by one
 * the way `OrderedReady` would after the same full stop, pod 0 cannot boot at all.
 *
 * Mnesia's table-loading wait is shortened (2 × 10 s instead of 10 × 30 s) so the deadlock
 * shows within the test's time; it does not change who waits for whom.
 */
const QUEUE = 'mpstack.full-restart-check';
const MESSAGES = 200;
const TABLE_WAIT = ['mnesia_table_loading_retry_timeout = 10000', 'mnesia_table_loading_retry_limit = 2'];

async function publishPersistent(port: number, count: number): Promise<void> {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (let i = 0; i < count; i++) channel.sendToQueue(QUEUE, Buffer.from(`m${i}`), { persistent: true });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

async function messageCount(port: number, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  let last = -1;
  while (Date.now() < deadline) {
    try {
      const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
      try {
        const channel = await connection.createChannel();
        last = (await channel.checkQueue(QUEUE)).messageCount;
      } finally {
        await connection.close();
      }
      if (last === MESSAGES) return last;
    } catch {
      // the queue's leader is still being elected
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return last;
}

async function stopAllInOrder(cluster: RabbitCluster): Promise<void> {
  for (const i of [0, 1, 2]) await cluster.stop(i);
}

describe('RabbitMQ StatefulSet: Parallel pod management against real RabbitMQ nodes', function () {
  this.timeout(300_000);
  let cluster: RabbitCluster;

  before(async () => {
    cluster = await createRabbitCluster(3, `fr${process.pid}`, TABLE_WAIT);
  });
  after(async () => {
    await cluster.close();
  });

  it('the StatefulSet starts its pods in Parallel', () => {
    assert.equal(
      rabbitmqStatefulSet(platformFrom({ rabbitmq: { mode: 'statefulSet', replicas: 3 } })).spec?.podManagementPolicy,
      'Parallel',
    );
  });

  it("forms exactly one cluster when all three nodes boot at once from empty data (the operator's rabbitmq.conf)", async () => {
    cluster.start([0, 1, 2]);
    const booted = await Promise.all([0, 1, 2].map((i) => cluster.awaitStartup(i, 120)));
    assert.deepEqual(booted, [true, true, true]);
    const names = cluster.nodes.map((n) => n.name).sort();
    for (const i of [0, 1, 2]) assert.deepEqual(await cluster.runningNodes(i), names, `as node ${i} sees it`);
  });

  it('comes back whole after a full stop when every pod starts at once, quorum-queue messages kept', async () => {
    await publishPersistent(cluster.nodes[0]?.amqpPort ?? 0, MESSAGES);
    await stopAllInOrder(cluster); // node 2 stops last: the others will wait for it
    cluster.start([0, 1, 2]);
    const booted = await Promise.all([0, 1, 2].map((i) => cluster.awaitStartup(i, 150)));
    assert.deepEqual(booted, [true, true, true]);
    assert.equal((await cluster.runningNodes(1)).length, 3);
    assert.equal(await messageCount(cluster.nodes[1]?.amqpPort ?? 0, 60_000), MESSAGES);
  });

  it('deadlocks under OrderedReady: after the same full stop, pod 0 started alone gives up waiting for its peers', async () => {
    await stopAllInOrder(cluster);
    cluster.start([0]); // OrderedReady starts pod 1 only once pod 0 is Ready
    // It gives up after the table wait and stops: the boot was aborted, it never served.
    assert.notEqual(await cluster.waitExit(0, 90_000), undefined, 'pod 0 neither booted nor gave up');
    const log = readFileSync(join(cluster.dir, 'node-0', 'log', `${cluster.nodes[0]?.name}.log`), 'utf8');
    assert.match(log, /Waiting for Mnesia tables/);
    assert.match(log, /timeout_waiting_for_tables/);
  });
});
