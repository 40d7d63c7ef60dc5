import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { until } from '@mpstack/testkit';
import amqp from 'amqplib';
import { AmqpQueue, type AmqpQueueOptions } from '../../src/adapters/amqp-queue.js';
import { DEAD_LETTER_EXCHANGE } from '../../src/adapters/amqp-topology.js';
import type { Delivery } from '../../src/ports/queue.js';
import { AMQP_URL, deleteQueues } from '../contract/amqp-support.js';
import { gate, uniqueSuffix } from '../contract/support.js';

const run = promisify(execFile);

/**
 * The broker-side pids of connections carrying this connection name — only ours. The table
 * output is used because only it prints pids in the form `close_connection` accepts.
 */
async function connectionPids(connectionName: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    '-q',
    '--no-table-headers',
    'pid',
    'client_properties',
  ]);
  const marker = `{"connection_name","${connectionName}"}`;
  return stdout
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0] ?? '');
}

async function closeOwnConnection(connectionName: string): Promise<string> {
  const [pid] = await until(async () => {
    const pids = await connectionPids(connectionName);
    return pids.length === 1 ? pids : undefined;
  });
  assert.ok(pid !== undefined);
  await run('rabbitmqctl', ['close_connection', pid, 'integration test: simulated broker restart']);
  return pid;
}

describe('AmqpQueue against RabbitMQ', function () {
  this.timeout(60_000);
  const queues: string[] = [];
  const opened: AmqpQueue[] = [];

  const open = async (options: Partial<AmqpQueueOptions> = {}): Promise<{ queue: AmqpQueue; name: string }> => {
    const connectionName = `mpstack-it-${uniqueSuffix()}`;
    const queue = new AmqpQueue({
      url: AMQP_URL,
      connectionName,
      retryBackoff: { initialMs: 0, maxMs: 0 },
      ...options,
    });
    opened.push(queue);
    await queue.waitUntilConnected(5_000);
    return { queue, name: connectionName };
  };
  const queueName = (): string => {
    const name = `t.it.${uniqueSuffix()}`;
    queues.push(name, `${name}.dlq`);
    return name;
  };

  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((q) => q.close()));
  });
  after(async () => deleteQueues(queues));

  it('declares durable quorum queues dead-lettering to mpstack.dlx with a delivery limit', async () => {
    const { queue } = await open({ deliveryLimit: 7 });
    const name = queueName();
    await queue.declare([{ name, deadLetterQueue: `${name}.dlq` }]);
    const { stdout } = await run('rabbitmqctl', [
      'list_queues',
      '-q',
      'name',
      'type',
      'durable',
      'arguments',
      '--formatter',
      'json',
    ]);
    const listed = (JSON.parse(stdout) as { name: string; type: string; durable: boolean; arguments: unknown[][] }[])
      .filter((q) => q.name === name || q.name === `${name}.dlq`)
      .sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(
      listed.map((q) => [q.name, q.type, q.durable]),
      [
        [name, 'quorum', true],
        [`${name}.dlq`, 'quorum', true],
      ],
    );
    const args = Object.fromEntries((listed[0]?.arguments ?? []).map(([key, , value]) => [key, value]));
    assert.equal(args['x-dead-letter-exchange'], DEAD_LETTER_EXCHANGE);
    assert.equal(args['x-dead-letter-routing-key'], `${name}.dlq`);
    assert.equal(args['x-delivery-limit'], 7);
  });

  it('reconnects after the broker closes the connection and resumes consuming and publishing', async () => {
    const { queue, name: connectionName } = await open({ reconnect: { initialMs: 50, maxMs: 500 } });
    const name = queueName();
    await queue.declare([{ name }]);
    const seen: string[] = [];
    await queue.consume(
      name,
      async (d) => {
        seen.push(d.body.toString());
        return { action: 'ack' };
      },
      { prefetch: 5 },
    );
    await queue.publish(name, Buffer.from('before'));
    await until(() => seen.length === 1, 5_000, 'first delivery');

    const oldPid = await closeOwnConnection(connectionName);
    await until(
      async () => {
        const pids = await connectionPids(connectionName);
        return queue.isConnected() && pids.length === 1 && pids[0] !== oldPid;
      },
      15_000,
      'reconnect',
      100,
    );

    await queue.publish(name, Buffer.from('after'));
    await until(() => seen.length === 2, 5_000, 'delivery after the reconnect');
    assert.deepEqual(seen, ['before', 'after']);
  });

  it('confirms a publish of a few kB in milliseconds, not after the broker’s delayed ACK (Nagle off)', async () => {
    // With Nagle's algorithm on (amqplib's default) the body frames wait for the broker's
    // delayed ACK of the method frame: every confirm of a 7 kB publish took ≥ 40 ms.
    const { queue } = await open();
    const name = queueName();
    await queue.declare([{ name }]);
    const body = Buffer.alloc(7_000, 'r');
    const took: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      await queue.publish(name, body);
      took.push(performance.now() - started);
    }
    const median = took.sort((a, b) => a - b)[7] ?? Number.POSITIVE_INFINITY;
    assert.ok(median < 30, `median confirm ${median.toFixed(1)} ms (${took.map((ms) => ms.toFixed(0)).join(' ')})`);
  });

  it('publish while disconnected rejects at once with unavailable, so the caller can spool', async () => {
    const { queue, name: connectionName } = await open({ reconnect: { initialMs: 60_000, maxMs: 60_000 } });
    const name = queueName();
    await queue.declare([{ name }]);
    await closeOwnConnection(connectionName);
    await until(() => !queue.isConnected(), 5_000, 'disconnect noticed');
    const started = Date.now();
    await assert.rejects(queue.publish(name, Buffer.from('x')), { code: 'unavailable' });
    assert.ok(Date.now() - started < 200, `rejected after ${Date.now() - started} ms`);
  });

  it('an unreachable broker makes publish and declare fail fast and waitUntilConnected time out', async () => {
    const queue = new AmqpQueue({ url: 'amqp://guest:guest@127.0.0.1:1', reconnect: { initialMs: 50, maxMs: 200 } });
    opened.push(queue);
    await assert.rejects(queue.waitUntilConnected(300), { code: 'unavailable' });
    await assert.rejects(queue.declare([{ name: 'never' }]), { code: 'unavailable' });
    await assert.rejects(queue.publish('never', Buffer.from('x')), { code: 'unavailable' });
    await queue.close();
  });

  it('close waits for the in-flight handler and its ack reaches the broker (no redelivery)', async () => {
    const { queue } = await open();
    const name = queueName();
    await queue.declare([{ name }]);
    await queue.publish(name, Buffer.from('work'));
    const release = gate();
    let started = false;
    await queue.consume(
      name,
      async () => {
        started = true;
        await release.opened;
        return { action: 'ack' };
      },
      { prefetch: 1 },
    );
    await until(() => started, 5_000, 'handler started');
    const closed = queue.close();
    release.open();
    await closed;
    const { queue: observer } = await open();
    await observer.declare([{ name }]);
    const redelivered: Delivery[] = [];
    await observer.consume(
      name,
      async (d) => {
        redelivered.push(d);
        return { action: 'ack' };
      },
      { prefetch: 1 },
    );
    await observer.publish(name, Buffer.from('marker'));
    await until(() => redelivered.length > 0, 5_000, 'marker');
    assert.deepEqual(
      redelivered.map((d) => d.body.toString()),
      ['marker'],
    );
  });

  it('acks given together go out together, never covering a delivery still in its handler: only that one comes back', async () => {
    const { queue, name: connectionName } = await open();
    const name = queueName();
    await queue.declare([{ name }]);
    for (let i = 0; i < 6; i++) await queue.publish(name, Buffer.from(String(i)));
    const release = gate();
    const seen: string[] = [];
    await queue.consume(
      name,
      async (d) => {
        const body = d.body.toString();
        seen.push(body);
        // The second delivery is held: the acks of the others, given in one turn, must not cover it.
        if (body === '1' && d.deliveryCount === 0) await release.opened;
        return { action: 'ack' };
      },
      { prefetch: 10 },
    );
    await until(() => seen.length >= 6, 5_000, 'six deliveries');
    // The connection dies with '1' unacked: the broker redelivers it, and only it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await closeOwnConnection(connectionName);
    await until(() => seen.length >= 7, 20_000, 'the held delivery redelivered');
    release.open();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(seen.slice(6), ['1'], 'only the delivery in its handler came back');
  });

  it('the broker dead-letters a message redelivered past x-delivery-limit, reason visible', async () => {
    const { queue } = await open({ deliveryLimit: 2 });
    const name = queueName();
    await queue.declare([{ name, deadLetterQueue: `${name}.dlq` }]);
    await queue.publish(name, Buffer.from('crashes every consumer'));
    // A raw consumer that requeues without the adapter's own limit: like a crashing process.
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      await channel.consume(name, (message) => {
        if (message !== null) channel.nack(message, false, true);
      });
      const dead: Delivery[] = [];
      await queue.consume(
        `${name}.dlq`,
        async (d) => {
          dead.push(d);
          return { action: 'ack' };
        },
        { prefetch: 1 },
      );
      await until(() => dead.length === 1, 5_000, 'broker dead-lettering');
      assert.equal(dead[0]?.headers['x-death-reason'], 'delivery_limit');
      assert.equal(dead[0]?.headers['x-death-queue'], name);
    } finally {
      await connection.close();
    }
  });
});
