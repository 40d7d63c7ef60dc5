import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, createLogger, type PublishOptions, type QueuePort } from '@mpstack/common';
import { Forwarder } from '../../../src/slowpath/forwarder.js';
import { DiskSpool, type SpoolEntry } from '../../../src/spool/disk-spool.js';

interface Published {
  readonly queue: string;
  readonly body: string;
  readonly options: PublishOptions | undefined;
}

/** A broker the test switches on and off; publish confirms or rejects like the AMQP adapter. */
class FakeQueue implements QueuePort {
  connected = true;
  confirms = true;
  readonly published: Published[] = [];
  attempts = 0;

  isConnected(): boolean {
    return this.connected;
  }
  async publish(queue: string, body: Buffer, options?: PublishOptions): Promise<void> {
    this.attempts++;
    if (!this.connected || !this.confirms) throw new AppError('unavailable', 'not confirmed');
    this.published.push({ queue, body: body.toString('utf8'), options });
  }
  async declare(): Promise<void> {}
  async consume(): Promise<never> {
    throw new Error('not used');
  }
  async depth(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

const entry = (n: number): SpoolEntry => ({
  queue: 'mpstack.inbound.p1',
  messageId: `wx:dd:a:m${n}`,
  headers: { account: 'a' },
  body: JSON.stringify({ n }),
});

describe('slowpath/Forwarder', () => {
  const logger = createLogger({ service: 'ingress', level: 'silent' });
  let dir: string;
  let queue: FakeQueue;
  let forwarder: Forwarder;
  let spool: DiskSpool;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mpstack-forwarder-'));
    queue = new FakeQueue();
    spool = new DiskSpool(join(dir, 'spool'));
    forwarder = new Forwarder({ queue, spool, logger });
  });
  afterEach(async () => {
    await forwarder.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes with the message id, headers and JSON content type when the broker confirms', async () => {
    assert.equal(await forwarder.forward(entry(1)), 'published');
    assert.deepEqual(queue.published, [
      {
        queue: 'mpstack.inbound.p1',
        body: '{"n":1}',
        options: { messageId: 'wx:dd:a:m1', headers: { account: 'a' }, contentType: 'application/json' },
      },
    ]);
    assert.equal(spool.depth, 0);
  });

  it('spools durably when the publish is not confirmed, and forwards it on the next drain', async () => {
    queue.confirms = false;
    assert.equal(await forwarder.forward(entry(1)), 'spooled');
    const [file] = await readdir(join(dir, 'spool'));
    assert.equal(await readFile(join(dir, 'spool', file ?? ''), 'utf8'), `${JSON.stringify(entry(1))}\n`);
    queue.confirms = true;
    await forwarder.drainNow();
    assert.deepEqual(
      queue.published.map((p) => p.options?.messageId),
      ['wx:dd:a:m1'],
    );
    assert.equal(spool.depth, 0);
  });

  it('spools without trying the broker while disconnected', async () => {
    queue.connected = false;
    assert.equal(await forwarder.forward(entry(1)), 'spooled');
    assert.equal(queue.attempts, 0);
    await forwarder.drainNow();
    assert.equal(queue.attempts, 0, 'no drain while disconnected');
  });

  it('keeps spooling while older messages wait in the spool, so they are not overtaken', async () => {
    queue.confirms = false;
    await forwarder.forward(entry(1));
    queue.confirms = true;
    assert.equal(await forwarder.forward(entry(2)), 'spooled');
    await forwarder.drainNow();
    assert.deepEqual(
      queue.published.map((p) => p.options?.messageId),
      ['wx:dd:a:m1', 'wx:dd:a:m2'],
    );
    assert.equal(await forwarder.forward(entry(3)), 'published');
  });

  it('throws when neither the broker nor the spool took the message (the caller must not answer success)', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const broken = new Forwarder({ queue, spool: new DiskSpool(join(dir, 'file', 'spool')), logger });
    queue.confirms = false;
    await assert.rejects(broken.forward(entry(1)));
    queue.connected = false;
    await assert.rejects(broken.forward(entry(2)));
    assert.deepEqual(queue.published, []);
    await broken.close();
  });
});
