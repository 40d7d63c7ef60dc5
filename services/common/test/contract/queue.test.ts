import { AmqpQueue } from '../../src/adapters/amqp-queue.js';
import { MemoryQueue } from '../../src/adapters/memory-queue.js';
import { AMQP_URL, deleteQueues } from './amqp-support.js';
import { CONTRACT_DELIVERY_LIMIT, describeQueueContract } from './queue.contract.js';
import { uniqueSuffix } from './support.js';

const retryBackoff = { initialMs: 0, maxMs: 0 };

describeQueueContract('memory', async () => {
  const run = uniqueSuffix();
  return {
    create: async () => new MemoryQueue({ deliveryLimit: CONTRACT_DELIVERY_LIMIT, retryBackoff }),
    queueName: (base) => `t.${base}.${run}.${uniqueSuffix()}`,
    cleanup: async () => undefined,
  };
});

describeQueueContract('rabbitmq', async () => {
  const run = uniqueSuffix();
  const created: string[] = [];
  return {
    create: async () => {
      const queue = new AmqpQueue({
        url: AMQP_URL,
        connectionName: `mpstack-test-${run}`,
        deliveryLimit: CONTRACT_DELIVERY_LIMIT,
        retryBackoff,
      });
      await queue.waitUntilConnected(5_000);
      return queue;
    },
    queueName: (base) => {
      const name = `t.${base}.${run}.${uniqueSuffix()}`;
      created.push(name, `${name}.dlq`);
      return name;
    },
    cleanup: async () => deleteQueues(created),
  };
});
