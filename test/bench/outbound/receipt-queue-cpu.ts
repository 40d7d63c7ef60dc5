/**
 * RabbitMQ's CPU per delivery receipt on `mpstack.receipts` (a quorum queue), one message per
 * receipt (as before the ingress's receipt groups) against groups of G: N receipts published
 * with 32 confirmed publishes in flight (the simulator's 32 push connections), consumed and
 * acked with prefetch 200 as business does. Also what the log events of a send cost there: three
 * events of about 250 bytes per receipt (the ingress's message event, business's send and
 * receipt events) in batches of 1,000 to `mpstack.log-events`, left queued (no log service, as
 * in push-throughput). The ways run in turn, R rounds, on a vhost of
 * their own; the broker's CPU (beam.smp, from /proc) is read around each round, so other users
 * of the broker add noise to both alike — compare the medians.
 *
 *   node test/dist/bench/outbound/receipt-queue-cpu.js [receipts=10000] [group=16] [rounds=3]
 */
import { AmqpQueue } from '@mpstack/common/adapters';
import {
  encodeReceipt,
  encodeReceiptGroup,
  type JobReceipt,
  logEventsDeclaration,
  logEventsQueue,
  receiptsDeclaration,
  receiptsQueue,
} from '@mpstack/common/contracts';
import { createVhost, deleteVhost, uniqueName } from '@mpstack/testkit';
import { processCpuSeconds, serverPids } from './cpu.js';

const receipts = Number(process.argv[2] ?? 10_000);
const groupSize = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 3);

const vhost = uniqueName('mpstack-bench-receipts');
const url = await createVhost(vhost);
const producer = new AmqpQueue({ url, connectionName: `${vhost}-producer` });
const consumer = new AmqpQueue({ url, connectionName: `${vhost}-consumer` });
try {
  await producer.waitUntilConnected(5_000);
  await consumer.waitUntilConnected(5_000);
  await producer.declare([receiptsDeclaration, logEventsDeclaration]);
  await consumer.declare([receiptsDeclaration, logEventsDeclaration]);
  let consumed = 0;
  await consumer.consume(
    receiptsQueue,
    async (delivery) => {
      const body = delivery.body.toString();
      consumed += body.startsWith('[') ? (JSON.parse(body) as unknown[]).length : 1;
      return { action: 'ack' };
    },
    { prefetch: 200 },
  );
  const beam = serverPids()['rabbitmq'] ?? [];
  const beamSeconds = () => beam.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  let sequence = Date.now() * 1000;
  const receipt = (): string => {
    sequence += 1;
    const r: JobReceipt = {
      id: `k${sequence}`,
      account: 'shop',
      kind: 'template',
      msgId: String(sequence),
      openId: `oFollower${String(sequence).padStart(19, '0')}`,
      status: 'success',
      at: Date.now(),
      receivedAt: Date.now(),
    };
    return encodeReceipt(r);
  };
  /** One round: every receipt published and consumed; the broker's CPU µs per receipt. */
  const round = async (size: number): Promise<number> => {
    const target = consumed + receipts;
    const messages = Math.ceil(receipts / size);
    let next = 0;
    const before = beamSeconds();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < messages) {
          next += 1;
          const parts = Array.from({ length: size }, receipt);
          const body = size === 1 ? (parts[0] as string) : encodeReceiptGroup(parts);
          await producer.publish(receiptsQueue, Buffer.from(body), { contentType: 'application/json' });
        }
      }),
    );
    while (consumed < target) await new Promise((resolve) => setTimeout(resolve, 20));
    return ((beamSeconds() - before) / receipts) * 1e6;
  };
  /** Three log events per receipt in batches of 1,000: the broker's CPU µs per receipt. */
  const logRound = async (): Promise<number> => {
    const event = JSON.stringify({ type: 'message', id: 'x'.repeat(16), at: Date.now(), pad: 'p'.repeat(180) });
    const batch = Buffer.from(`[${Array.from({ length: 1000 }, () => event).join(',')}]`);
    const before = beamSeconds();
    for (let i = 0; i < (receipts * 3) / 1000; i++) await producer.publish(logEventsQueue, batch);
    return ((beamSeconds() - before) / receipts) * 1e6;
  };
  const single: number[] = [];
  const grouped: number[] = [];
  const logs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    single.push(await round(1));
    grouped.push(await round(groupSize));
    logs.push(await logRound());
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const show = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
  console.log(`RabbitMQ CPU per receipt on ${receiptsQueue} (quorum), ${receipts} receipts a round:`);
  console.log(`  one message per receipt   median ${median(single).toFixed(0)} µs (${show(single)})`);
  console.log(`  groups of ${String(groupSize).padEnd(14)} median ${median(grouped).toFixed(0)} µs (${show(grouped)})`);
  console.log(`  3 log events (no consumer)  median ${median(logs).toFixed(0)} µs (${show(logs)})`);
} finally {
  await Promise.allSettled([producer.close(), consumer.close()]);
  await deleteVhost(vhost).catch(() => undefined);
}
