import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastPathPlugin, RunningIngress } from '@mpstack/ingress';
import { type FetchLike, randomMsgId, sendToAccount, textMessage } from '@mpstack/simulators';
import { AMQP_BASE_URL, uniqueName, until } from '@mpstack/testkit';
import { QueueRecorder } from '../support/queue-recorder.js';
import { createStack, partitions, type Stack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** Lines currently in the spool files of a data directory. */
async function spooledLines(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'spool');
  const names = await readdir(dir).catch(() => []);
  const contents = await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8').catch(() => '')));
  return contents.flatMap((text) => text.split('\n').filter((line) => line !== ''));
}

describe('e2e broker outage: spool to disk, forward on recovery, never acknowledge what was not kept', function () {
  this.timeout(30_000);
  let stack: Stack;
  let proxy: TcpProxy;
  let recorder: QueueRecorder;
  let proxiedUrl: string;

  before(async () => {
    stack = await createStack();
    const broker = new URL(AMQP_BASE_URL);
    proxy = await TcpProxy.start(broker.hostname, Number(broker.port || 5672));
    proxiedUrl = `amqp://guest:guest@127.0.0.1:${proxy.port}/${stack.vhost}`;
    // The worker stand-in talks to RabbitMQ directly: only the ingress loses the broker.
    recorder = await QueueRecorder.start(stack.amqpUrl, partitions);
  });
  afterEach(() => proxy.restore());
  after(async () => {
    await recorder?.close();
    await stack?.dispose();
    await proxy?.close();
  });

  async function cutBroker(ingress: RunningIngress): Promise<void> {
    proxy.cut();
    await until(() => !ingress.infrastructure.queue.isConnected(), 5_000, 'the ingress to notice the outage');
  }

  /** Sends one more message per user and waits for it: FIFO per partition flushes out any duplicate. */
  async function settle(ingress: RunningIngress, users: readonly string[]): Promise<void> {
    for (const from of users) {
      const xml = textMessage({ from, to: stack.account.originalId, content: 'barrier' });
      await sendToAccount({ url: `${ingress.url}/wx/${stack.account.id}`, account: stack.account, xml });
    }
    await until(
      () =>
        users.every((from) =>
          recorder.from(from).some((r) => r.message.kind === 'text' && r.message.content === 'barrier'),
        ),
      10_000,
      'the barrier messages',
    );
  }

  it('answers `success` while the broker is down, spools to disk, and delivers every message exactly once after it returns', async () => {
    const dataDir = join(stack.dir, uniqueName('spooling'));
    const ingress = await stack.replica({ amqpUrl: proxiedUrl, dataDir });
    await cutBroker(ingress);
    const sent = Array.from({ length: 6 }, (_, i) => ({
      from: uniqueName(`oUser${i}`),
      msgId: randomMsgId(),
      content: `离线消息 ${i} 😀𠮷`,
    }));
    for (const m of sent) {
      const xml = textMessage({ ...m, to: stack.account.originalId });
      const report = await sendToAccount({ url: `${ingress.url}/wx/${stack.account.id}`, account: stack.account, xml });
      assert.deepEqual([report.deliveries.length, report.deliveries[0]?.body], [1, 'success']);
    }
    const spooled = await spooledLines(dataDir);
    assert.equal(spooled.length, sent.length, 'every acknowledged message is on disk');
    // Still ready: Kubernetes must keep sending WeChat's traffic to a replica that spools.
    const ready = await fetch(`${ingress.url}/readyz`);
    const readiness = (await ready.json()) as { checks: { queue: { ok: boolean; detail: string } } };
    assert.equal(ready.status, 200);
    assert.equal(readiness.checks.queue.ok, true);
    assert.match(readiness.checks.queue.detail, /spooled to disk/);
    assert.deepEqual(
      sent.filter((m) => recorder.from(m.from).length > 0),
      [],
      'nothing reached the queue during the outage',
    );

    proxy.restore();
    await until(async () => (await spooledLines(dataDir)).length === 0, 20_000, 'the spool to drain');
    await settle(
      ingress,
      sent.map((m) => m.from),
    );
    for (const m of sent) {
      const got = recorder.from(m.from).filter((r) => r.message.kind === 'text' && r.message.content !== 'barrier');
      assert.equal(got.length, 1, `exactly one copy of ${m.msgId}`);
      const message = got[0]?.message;
      assert.deepEqual(message?.kind === 'text' && [message.content, message.msgId, message.toUserName], [
        m.content,
        m.msgId,
        stack.account.originalId,
      ]);
    }
    await ingress.close();
  });

  it('holds the request unanswered when it can neither publish nor spool; WeChat’s timeout retry takes the claim over and executes', async () => {
    const notADirectory = join(stack.dir, uniqueName('file'));
    await writeFile(notADirectory, 'a regular file where the data directory should be');
    const executions: string[] = [];
    const counter: FastPathPlugin = (message) => {
      executions.push(message.fromUserName);
      return undefined;
    };
    const ingress = await stack.replica({ amqpUrl: proxiedUrl, dataDir: notADirectory, plugins: [counter] });
    await cutBroker(ingress);
    const unready = await fetch(`${ingress.url}/readyz`);
    assert.equal(unready.status, 503, 'no broker and no spool: not ready');
    assert.match(JSON.stringify(await unready.json()), /spool directory is not writable/);
    // WeChat re-delivers after the unanswered delivery; the broker is back by then.
    const fetchImpl: FetchLike = async (input, init) => {
      try {
        return await fetch(input, init);
      } finally {
        if (proxy.isCut) {
          proxy.restore();
          await until(() => ingress.infrastructure.queue.isConnected(), 15_000, 'the ingress to reconnect');
        }
      }
    };
    const from = uniqueName('oUser');
    const xml = textMessage({ from, to: stack.account.originalId, content: '无法落盘' });
    const report = await sendToAccount({
      url: `${ingress.url}/wx/${stack.account.id}`,
      account: stack.account,
      xml,
      fetchImpl,
      timeoutMs: 3_500,
    });
    assert.deepEqual(
      [report.deliveries[0]?.status, report.deliveries[0]?.isTimedOut],
      [null, true],
      'the first delivery is not answered (no error status WeChat would not retry)',
    );
    assert.deepEqual([report.deliveries[1]?.status, report.deliveries[1]?.body], [200, 'success']);
    assert.deepEqual(report.userSees, { kind: 'nothing' });
    assert.deepEqual(executions, [from, from], 'the retry executed again');
    await settle(ingress, [from]);
    assert.equal(
      recorder.from(from).filter((r) => r.message.kind === 'text' && r.message.content === '无法落盘').length,
      1,
    );
    await ingress.close();
  });
});
