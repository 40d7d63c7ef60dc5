import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AmqpQueue } from '@mpstack/common/adapters';
import { decodeReceipts, type JobReceipt, receiptsDeclaration, receiptsQueue } from '@mpstack/common/contracts';
import { templateSendJobFinishEvent } from '@mpstack/common/wechat';
import { loadIngressConfig, type RunningIngress, startIngress } from '@mpstack/ingress';
import { sendToAccount } from '@mpstack/simulators';
import { AMQP_BASE_URL, uniqueName, until } from '@mpstack/testkit';
import { createStack, type Stack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** Lines in the spool files of a data directory (one per spooled message). */
async function spooledLines(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'spool');
  const names = await readdir(dir).catch(() => []);
  const contents = await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8').catch(() => '')));
  return contents.flatMap((text) => text.split('\n').filter((line) => line !== ''));
}

let msgIds = Date.now() * 1000;

/**
 * The ingress's receipt groups on RabbitMQ: the TEMPLATESENDJOBFINISH pushes of a few
 * milliseconds travel as one message of `mpstack.receipts`, each push answered only once its
 * group was confirmed — or spooled, when the broker does not confirm it, and published later.
 */
describe('e2e receipt groups: one confirmed publish per group, the spool when unconfirmed', function () {
  this.timeout(60_000);
  let stack: Stack;
  let proxy: TcpProxy;
  let consumer: AmqpQueue;
  /** Each message of mpstack.receipts as it arrived: its receipts. */
  const messages: JobReceipt[][] = [];
  const replicas: RunningIngress[] = [];

  before(async () => {
    stack = await createStack();
    const broker = new URL(AMQP_BASE_URL);
    proxy = await TcpProxy.start(broker.hostname, Number(broker.port || 5672));
    consumer = new AmqpQueue({ url: stack.amqpUrl, connectionName: 'mpstack-e2e-receipts' });
    await consumer.waitUntilConnected(5_000);
    await consumer.declare([receiptsDeclaration]);
    await consumer.consume(
      receiptsQueue,
      async (delivery) => {
        messages.push(decodeReceipts(delivery.body).receipts);
        return { action: 'ack' };
      },
      { prefetch: 50 },
    );
  });
  afterEach(() => proxy.restore());
  after(async () => {
    await Promise.allSettled(replicas.map((r) => r.close()));
    await consumer?.close();
    await stack?.dispose();
    await proxy?.close();
  });

  /** An ingress through the proxy whose publishes wait `publishTimeoutMs` for a confirm. */
  async function replica(dataDir: string, publishTimeoutMs: number): Promise<RunningIngress> {
    const env = stack.replicaEnv({ amqpUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}/${stack.vhost}`, dataDir });
    const running = await startIngress({
      config: loadIngressConfig({ ...env, MPSTACK_PUBLISH_TIMEOUT_MS: String(publishTimeoutMs) }),
    });
    replicas.push(running);
    await until(() => running.infrastructure.queue.isConnected(), 5_000, 'the ingress connected');
    return running;
  }

  /** Pushes `n` receipts at once, as WeChat's push servers do; resolves with each answer. */
  function pushReceipts(ingress: RunningIngress, n: number, timeoutMs = 5_000) {
    const sent = Array.from({ length: n }, (_, i) => ({ from: uniqueName(`oFollower${i}`), msgId: String(++msgIds) }));
    const answers = Promise.all(
      sent.map((s) =>
        sendToAccount({
          url: `${ingress.url}/wx/${stack.account.id}`,
          account: stack.account,
          xml: templateSendJobFinishEvent({ ...s, to: stack.account.originalId, status: 'success' }),
          maxDeliveries: 1,
          timeoutMs,
        }),
      ),
    );
    return { sent, answers };
  }

  const received = (msgId: string) => messages.flat().filter((r) => r.msgId === msgId).length;

  it('gathers receipts pushed at once into a few messages, every one answered success and queued once', async () => {
    const ingress = await replica(join(stack.dir, uniqueName('grouping')), 2_000);
    const before = messages.length;
    const { sent, answers } = pushReceipts(ingress, 60);
    const reports = await answers;
    assert.ok(reports.every((r) => r.deliveries[0]?.status === 200 && r.deliveries[0]?.body === 'success'));
    // Answered after the group's confirm: every receipt is in the queue by now (consumed shortly).
    await until(() => sent.every((s) => received(s.msgId) === 1), 5_000, 'every receipt consumed');
    const groups = messages.slice(before);
    // How many share a message depends on how closely they arrive (a loaded machine spreads them).
    assert.ok(groups.length < 60 && groups.some((g) => g.length > 1), `60 receipts in ${groups.length} messages`);
    assert.deepEqual(
      sent.map((s) => messages.flat().find((r) => r.msgId === s.msgId)?.openId),
      sent.map((s) => s.from),
    );
  });

  it('spools a group the broker does not confirm, answers success, and publishes it once the broker is back', async () => {
    const dataDir = join(stack.dir, uniqueName('unconfirmed'));
    const ingress = await replica(dataDir, 300);
    // The broker stops answering (a stalled network): the group's publish is never confirmed.
    proxy.freeze();
    const { sent, answers } = pushReceipts(ingress, 12);
    const reports = await answers;
    assert.ok(
      reports.every((r) => r.deliveries[0]?.body === 'success'),
      'each answered after the group was spooled',
    );
    const spooled = await spooledLines(dataDir);
    assert.ok(spooled.length >= 1 && spooled.length < 12, `12 receipts in ${spooled.length} spool entries`);
    assert.equal(sent.filter((s) => received(s.msgId) > 0).length, 0);
    // The connection dies with the publish unanswered; the drain publishes the spooled group.
    proxy.cut();
    proxy.restore();
    await until(() => sent.every((s) => received(s.msgId) === 1), 20_000, 'the spooled group published');
    await until(async () => (await spooledLines(dataDir)).length === 0, 5_000, 'the spool emptied');
    assert.ok(
      sent.every((s) => received(s.msgId) === 1),
      'each receipt once',
    );
  });

  it('holds every request of a group neither the broker nor the spool took, so that WeChat re-delivers them', async () => {
    // A regular file where the data directory should be: the spool cannot take anything.
    const dataDir = join(stack.dir, uniqueName('file'));
    await writeFile(dataDir, 'a regular file where the data directory should be');
    const ingress = await replica(dataDir, 300);
    proxy.cut();
    await until(() => !ingress.infrastructure.queue.isConnected(), 5_000, 'the ingress to notice the outage');
    const { sent, answers } = pushReceipts(ingress, 5, 3_500);
    const reports = await answers;
    assert.ok(
      reports.every((r) => r.deliveries[0]?.status === null && r.deliveries[0]?.isTimedOut === true),
      'no answer (held): WeChat re-delivers',
    );
    assert.equal(sent.filter((s) => received(s.msgId) > 0).length, 0);
  });
});
