import assert from 'node:assert/strict';
import { AmqpQueue } from '@mpstack/common/adapters';
import { until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { RabbitMqNode, RedisServer } from '../../support/fault/index.js';

/** The fault harnesses themselves: a stall answers nothing, a crash loses the connection, a restart serves again. */
describe('fault harness: servers of the test’s own that it pauses, kills and restarts', function () {
  this.timeout(60_000);

  it('redis-server: SIGSTOP stalls commands until SIGCONT; kill -9 and restart on the same port (AOF keeps the keys)', async () => {
    const server = await RedisServer.start({ persistence: 'aof' });
    const client = new Redis(server.url, { commandTimeout: 300, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.set('k', 'v');
      server.pause();
      await assert.rejects(client.get('k'), /timed out/i, 'a stalled server answers nothing');
      server.resume();
      await until(async () => (await client.get('k').catch(() => undefined)) === 'v', 5_000, 'answers after SIGCONT');
      await server.kill();
      await assert.rejects(
        client.get('k'),
        /max retries per request|ECONNREFUSED|Connection is closed/i,
        'a killed server answers nothing',
      );
      await server.restart();
      await until(async () => (await client.get('k').catch(() => undefined)) === 'v', 10_000, 'the key after restart');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('RabbitMQ node: own ports; SIGSTOP leaves a publish unconfirmed, SIGCONT confirms it late; kill -9 and restart', async () => {
    const node = await RabbitMqNode.start();
    const queue = new AmqpQueue({ url: node.url, connectionName: 'fault-harness', publishTimeoutMs: 500 });
    try {
      assert.notEqual(node.port, 5672);
      await queue.waitUntilConnected(5_000);
      await queue.declare([{ name: 'harness' }]);
      await queue.publish('harness', Buffer.from('before'));
      node.pause();
      await assert.rejects(queue.publish('harness', Buffer.from('stalled')), /not confirmed within 500 ms/);
      node.resume();
      await until(async () => (await queue.depth('harness')) === 2, 10_000, 'the stalled publish, confirmed late');
      await node.kill();
      await until(() => !queue.isConnected(), 10_000, 'the connection to drop');
      await node.restart();
      await queue.waitUntilConnected(20_000);
      // Not asserted: that 'harness' kept its messages. A quorum queue declared seconds before a
      // kill -9 was seen to come back empty and unavailable on 3.10.8 (its Ra server was not yet
      // registered on disk) — a broker-side limit the tests must not rely on.
      await queue.declare([{ name: 'after-restart' }]);
      await queue.publish('after-restart', Buffer.from('again'));
      await until(async () => (await queue.depth('after-restart')) === 1, 10_000, 'a publish after the restart');
    } finally {
      await queue.close();
      await node.stop();
    }
  });
});
