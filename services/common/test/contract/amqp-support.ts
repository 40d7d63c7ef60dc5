import amqp from 'amqplib';

export const AMQP_URL = process.env['MPSTACK_TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Deletes test queues through a connection of its own (the adapters are closed by then). */
export async function deleteQueues(names: readonly string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteQueue(name);
  } finally {
    await connection.close();
  }
}
