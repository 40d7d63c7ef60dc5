import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmqpQueue, RedisCoordination } from '@mpstack/common/adapters';
import {
  decodeInbound,
  decodeLogEventBatch,
  decodeReceipts,
  inboundQueueName,
  inboundQueues,
  type JobReceipt,
  logEventsDeclaration,
  logEventsQueue,
  type MessageLogEvent,
  receiptsDeclaration,
  receiptsQueue,
} from '@mpstack/common/contracts';
import { createServiceServer } from '@mpstack/common/http';
import { createLogger } from '@mpstack/common/logging';
import type { CoordinationPort } from '@mpstack/common/ports';
import { createTelemetry } from '@mpstack/common/telemetry';
import type { WxMessage } from '@mpstack/common/wechat';
import { createVhost, deleteKeys, deleteVhost, REDIS_URL, uniqueName, until } from '@mpstack/testkit';
import { createIngress, type Ingress } from '../../src/app.js';
import type { FastPathPlugin } from '../../src/rules/rule.types.js';
import type { WebhookSettings } from '../../src/webhook/webhook-handler.js';
import { type TestAccount, testAccounts, testRules } from './accounts.js';
import { plainPost, send, textXml } from './callback.js';

/** What a worker would receive from a partition queue. */
export interface Forwarded {
  readonly queue: string;
  readonly messageId: string | undefined;
  readonly account: string;
  readonly message: WxMessage;
}

export const harnessSettings: WebhookSettings = {
  timestampWindowSeconds: 300,
  dedupeTtlSeconds: 60,
  partitions: 4,
  maxBodyBytes: 8 * 1024,
  retryWaitMs: 2_000,
  claimLeaseMs: 3_000,
  holdMs: 6_000,
};

/**
 * One ingress on port 0 against the real Redis (unique key prefix) and RabbitMQ (a vhost of
 * its own), the three test accounts and their rules, a spy plugin recording every
 * execution, and a consumer recording what reaches the partition and log-event queues.
 */
export interface Harness {
  readonly url: string;
  readonly accounts: ReturnType<typeof testAccounts>;
  readonly ingress: Ingress;
  /** Messages the fast path executed (the spy plugin saw them). */
  readonly executed: WxMessage[];
  readonly forwarded: Forwarded[];
  readonly logEvents: MessageLogEvent[];
  /** What reached the outbound pipeline's receipt queue. */
  readonly receipts: JobReceipt[];
  /** The ingress's coordination (real Redis under the harness's key prefix). */
  readonly coordination: CoordinationPort;
  /**
   * Resolves once everything published so far for `openId` has been consumed: sends an
   * unmatched text from that user and waits for it (same user ⇒ same partition ⇒ FIFO).
   */
  drain(openId: string): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Overrides of {@link harnessSettings}. */
  readonly settings?: Partial<WebhookSettings>;
  /** Where the ingress's JSON log lines go, at debug level (silent without it). */
  readonly logLines?: string[];
  /** Ids of the test accounts loaded as disabled in the console. */
  readonly disabled?: readonly string[];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const vhost = uniqueName('mpstack-test-ingress');
  const amqpUrl = await createVhost(vhost);
  try {
    return await startOn(vhost, amqpUrl, options);
  } catch (error) {
    await deleteVhost(vhost).catch(() => undefined);
    throw error;
  }
}

function harnessLogger(lines: string[] | undefined) {
  if (lines === undefined) return createLogger({ service: 'ingress', level: 'silent' });
  return createLogger({ service: 'ingress', level: 'debug', destination: { write: (line) => lines.push(line) } });
}

async function startOn(vhost: string, amqpUrl: string, options: HarnessOptions): Promise<Harness> {
  const keyPrefix = `${uniqueName('t')}:`;
  const spoolDir = await mkdtemp(join(tmpdir(), 'mpstack-spool-'));
  const accounts = testAccounts();
  const executed: WxMessage[] = [];
  const spy: FastPathPlugin = (message) => {
    executed.push(message);
    return undefined;
  };
  const coordination = new RedisCoordination({ url: REDIS_URL, keyPrefix });
  const queue = new AmqpQueue({ url: amqpUrl, connectionName: `${vhost}-ingress` });
  const telemetry = createTelemetry({ service: 'ingress', traceSampleRatio: 0, registerGlobalTracer: false });
  const byId = new Map(Object.values(accounts).map((a) => [a.id, a]));
  const ingress = createIngress({
    logger: harnessLogger(options.logLines),
    telemetry,
    coordination,
    queue,
    loadAccounts: async () =>
      [...byId.values()].map((a) => ({ ...a, disabled: options.disabled?.includes(a.id) === true })),
    loadRules: async (accountId) => testRules(accountId),
    settings: { ...harnessSettings, ...options.settings },
    spoolDir,
    plugins: [spy],
  });
  await queue.waitUntilConnected(5_000);
  await ingress.start();
  const server = createServiceServer(ingress.app, ingress.fastHandler);
  const url = await server.listen(0, '127.0.0.1');
  const consumer = await startRecorder(amqpUrl, `${vhost}-consumer`);
  return {
    url,
    accounts,
    ingress,
    executed,
    forwarded: consumer.forwarded,
    logEvents: consumer.logEvents,
    receipts: consumer.receipts,
    coordination,
    drain: (openId) => drainUser(url, accounts.plain, openId, consumer.forwarded),
    close: async () => {
      await server.close();
      await ingress.close();
      await Promise.allSettled([queue.close(), coordination.close(), consumer.close(), telemetry.shutdown()]);
      await Promise.allSettled([deleteVhost(vhost), deleteKeys(keyPrefix), rm(spoolDir, { recursive: true })]);
    },
  };
}

async function drainUser(url: string, account: TestAccount, openId: string, forwarded: Forwarded[]): Promise<void> {
  const marker = uniqueName('drain');
  const answer = await send(
    plainPost(url, account, textXml({ to: account.originalId, from: openId, content: marker })),
  );
  if (answer.status !== 200) throw new Error(`drain message refused: ${answer.status} ${answer.body}`);
  await until(
    () => forwarded.some((f) => f.message.kind === 'text' && f.message.content === marker),
    5_000,
    `the drain message of ${openId}`,
  );
}

interface Recorder {
  readonly forwarded: Forwarded[];
  readonly logEvents: MessageLogEvent[];
  readonly receipts: JobReceipt[];
  close(): Promise<void>;
}

/** A worker stand-in: consumes every partition, the log-event and the receipt queue, records and acks. */
export async function startRecorder(amqpUrl: string, connectionName: string): Promise<Recorder> {
  const forwarded: Forwarded[] = [];
  const logEvents: MessageLogEvent[] = [];
  const receipts: JobReceipt[] = [];
  const queue = new AmqpQueue({ url: amqpUrl, connectionName });
  await queue.waitUntilConnected(5_000);
  await queue.declare([...inboundQueues(harnessSettings.partitions), logEventsDeclaration, receiptsDeclaration]);
  for (let partition = 0; partition < harnessSettings.partitions; partition++) {
    const name = inboundQueueName(partition);
    await queue.consume(
      name,
      async (delivery) => {
        const body = decodeInbound(delivery.body);
        forwarded.push({ queue: name, messageId: delivery.messageId, account: body.account, message: body.message });
        return { action: 'ack' };
      },
      { prefetch: 50 },
    );
  }
  await queue.consume(
    logEventsQueue,
    async (delivery) => {
      logEvents.push(...decodeLogEventBatch(delivery.body));
      return { action: 'ack' };
    },
    { prefetch: 10 },
  );
  await queue.consume(
    receiptsQueue,
    async (delivery) => {
      receipts.push(...decodeReceipts(delivery.body).receipts);
      return { action: 'ack' };
    },
    { prefetch: 10 },
  );
  return { forwarded, logEvents, receipts, close: () => queue.close() };
}

const isDrain = (message: WxMessage): boolean => message.kind === 'text' && message.content.startsWith('drain-');

/** Messages from `openId` the fast path executed and those forwarded, drain probes left out. */
export function traceOf(harness: Harness, openId: string) {
  return {
    executed: harness.executed.filter((m) => m.fromUserName === openId && !isDrain(m)),
    forwarded: harness.forwarded.filter((f) => f.message.fromUserName === openId && !isDrain(f.message)),
  };
}

/** A refused request must leave no trace: not executed, not forwarded (checked after a drain). */
export async function assertUntouched(harness: Harness, openId: string): Promise<void> {
  await harness.drain(openId);
  assert.deepEqual(traceOf(harness, openId), { executed: [], forwarded: [] });
}
