import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { until } from '@mpstack/testkit';
import amqplib from 'amqplib';
import { createRabbitManagementClient, readQueueDepth } from '../../src/metrics/index.js';

const AMQP_URL = process.env['MPSTACK_TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const MANAGEMENT_URL = process.env['MPSTACK_TEST_RABBITMQ_MANAGEMENT_URL'] ?? 'http://127.0.0.1:15672';

describe('metrics/rabbitmq-management: queue depth from the REAL RabbitMQ management API', function () {
  this.timeout(60_000);
  const client = createRabbitManagementClient({ url: MANAGEMENT_URL, username: 'guest', password: 'guest' });
  const queue = `operator-depth-${randomUUID()}`;
  let connection: amqplib.ChannelModel;
  let channel: amqplib.Channel;

  before(async () => {
    await promisify(execFile)('rabbitmq-plugins', ['enable', 'rabbitmq_management']);
    await until(
      async () =>
        (
          await fetch(`${MANAGEMENT_URL}/api/overview`, {
            headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
          })
        ).ok
          ? true
          : undefined,
      30_000,
      'management API',
      250,
    );
    connection = await amqplib.connect(AMQP_URL);
    channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
  });

  after(async () => {
    await channel?.deleteQueue(queue).catch(() => undefined);
    await connection?.close().catch(() => undefined);
  });

  it('reads N after N publishes, and still N with 2 of them delivered but unacknowledged (ready + unacked)', async () => {
    const n = 25;
    for (let i = 0; i < n; i++) channel.sendToQueue(queue, Buffer.from(`m${i}`));
    await until(
      async () => ((await client.queueDepth('/', queue)) === n ? true : undefined),
      30_000,
      `depth ${n}`,
      250,
    );
    const held = [await channel.get(queue, { noAck: false }), await channel.get(queue, { noAck: false })];
    assert.ok(held.every((m) => m !== false));
    const detail = await until(
      async () => {
        const res = await fetch(`${MANAGEMENT_URL}/api/queues/%2F/${encodeURIComponent(queue)}`, {
          headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
        });
        const body = (await res.json()) as { messages_ready?: number; messages_unacknowledged?: number };
        return body.messages_unacknowledged === 2 ? body : undefined;
      },
      30_000,
      'stats showing 2 unacknowledged',
      250,
    );
    assert.equal(detail.messages_ready, n - 2);
    assert.equal(await client.queueDepth('/', queue), n);
    assert.deepEqual(await readQueueDepth(client, { vhost: '/', queue, targetPerReplica: 10 }), {
      kind: 'total',
      total: n,
      targetPerReplica: 10,
    });
  });

  it('a missing queue is an error, which readQueueDepth turns into unavailable (hold)', async () => {
    await assert.rejects(client.queueDepth('/', `${queue}-absent`), /HTTP 404/);
    const reading = await readQueueDepth(client, { vhost: '/', queue: `${queue}-absent`, targetPerReplica: 10 });
    assert.equal(reading.kind, 'unavailable');
  });
});
