import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@mpstack/common/errors';
import { createLogger } from '@mpstack/common/logging';
import { PublishInDoubtError, type PublishOptions, type QueuePort } from '@mpstack/common/ports';
import { Forwarder, SpoolKeptError } from '../../../src/slowpath/forwarder.js';
import { DiskSpool, type SpoolEntry } from '../../../src/spool/disk-spool.js';
import type { SpoolHandover } from '../../../src/spool/handover.js';

/**
 * The hand-over store as the ingress uses it, in memory: `store` all or nothing, `claim`
 * leases rows to one caller (the SQL behind it is tested against MariaDB and SQLite in common).
 */
class MemoryHandover implements SpoolHandover {
  failStore = false;
  readonly rows = new Map<number, SpoolEntry & { claimed: boolean }>();
  #next = 1;

  async store(entries: readonly SpoolEntry[]): Promise<void> {
    if (this.failStore) throw new Error('database unreachable');
    for (const e of entries) this.rows.set(this.#next++, { ...e, claimed: false });
  }
  async claim(limit: number) {
    const mine = [...this.rows.entries()].filter(([, row]) => !row.claimed).slice(0, limit);
    for (const [, row] of mine) row.claimed = true;
    return {
      messages: mine.map(([id, { claimed: _, ...entry }]) => ({ id, ...entry })),
      forwarded: async (id: number) => void this.rows.delete(id),
      release: async () => {
        for (const [id] of mine) {
          const row = this.rows.get(id);
          if (row !== undefined) row.claimed = false;
        }
      },
    };
  }
}

async function spoolLines(spoolDir: string): Promise<number> {
  const names = await readdir(spoolDir).catch(() => [] as string[]);
  const texts = await Promise.all(names.map((n) => readFile(join(spoolDir, n), 'utf8')));
  return texts
    .join('')
    .split('\n')
    .filter((line) => line !== '').length;
}

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
  /** When set, the next publish times out in doubt; the test settles the broker's late answer. */
  inDoubt: ((isConfirmed: boolean) => void) | null | undefined;

  isConnected(): boolean {
    return this.connected;
  }
  answerLate(isConfirmed: boolean): void {
    this.inDoubt?.(isConfirmed);
  }
  async publish(queue: string, body: Buffer, options?: PublishOptions): Promise<void> {
    this.attempts++;
    if (this.inDoubt === null) {
      let answer: (isConfirmed: boolean) => void = () => undefined;
      const late = new Promise<boolean>((resolve) => {
        answer = resolve;
      });
      this.inDoubt = (isConfirmed) => {
        if (isConfirmed) this.published.push({ queue, body: body.toString('utf8'), options });
        answer(isConfirmed);
      };
      throw new PublishInDoubtError('publish not confirmed within 2000 ms', late);
    }
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
    queue.connected = true;
    queue.confirms = true;
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

  for (const isConfirmedLate of [true, false]) {
    it(`a publish that timed out is spooled; the drain ${isConfirmedLate ? 'drops the copy the broker confirmed late' : 'publishes the copy the broker refused'}`, async () => {
      queue.inDoubt = null;
      assert.equal(await forwarder.forward(entry(1)), 'spooled');
      const draining = forwarder.drainNow();
      queue.answerLate(isConfirmedLate);
      await draining;
      assert.equal(spool.depth, 0);
      assert.deepEqual(
        queue.published.map((p) => p.options?.messageId),
        ['wx:dd:a:m1'],
        'on the queue exactly once',
      );
    });
  }

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
    await assert.rejects(broken.forward(entry(1)), { code: 'ENOTDIR' });
    queue.connected = false;
    await assert.rejects(broken.forward(entry(2)), { code: 'ENOTDIR' });
    assert.deepEqual(queue.published, []);
    await broken.close();
  });

  describe('shutdown', () => {
    let handover: MemoryHandover;
    const spoolDir = () => join(dir, 'spool');
    const shutdownForwarder = (shutdownDrainMs: number, withHandover = true) =>
      new Forwarder({ queue, spool, logger, shutdownDrainMs, ...(withHandover ? { handover } : {}) });

    beforeEach(() => {
      handover = new MemoryHandover();
    });

    it('forwards the spool to the broker when it is reachable, handing nothing over', async () => {
      queue.connected = false;
      for (const n of [1, 2, 3]) await forwarder.forward(entry(n));
      queue.connected = true;
      await shutdownForwarder(0).close();
      assert.deepEqual(
        queue.published.map((p) => p.options?.messageId),
        ['wx:dd:a:m1', 'wx:dd:a:m2', 'wx:dd:a:m3'],
      );
      assert.equal(handover.rows.size, 0);
      assert.equal(await spoolLines(spoolDir()), 0);
    });

    it('keeps trying the broker for the drain budget: a broker back within it gets the spool', async () => {
      queue.connected = false;
      await forwarder.forward(entry(1));
      setTimeout(() => {
        queue.connected = true;
      }, 300).unref();
      await shutdownForwarder(5_000).close();
      assert.deepEqual(
        queue.published.map((p) => p.options?.messageId),
        ['wx:dd:a:m1'],
      );
      assert.equal(handover.rows.size, 0);
    });

    it('hands the spool over when the broker stays down past the budget; a live replica forwards it once', async () => {
      queue.connected = false;
      for (const n of [1, 2, 3]) await forwarder.forward(entry(n));
      const started = Date.now();
      await shutdownForwarder(300).close();
      assert.ok(Date.now() - started >= 300, 'the broker was given the drain budget');
      assert.deepEqual(
        [...handover.rows.values()].map((r) => r.messageId),
        ['wx:dd:a:m1', 'wx:dd:a:m2', 'wx:dd:a:m3'],
      );
      assert.equal(await spoolLines(spoolDir()), 0, 'the pod-local files are gone only once stored');
      // Another replica, its broker back: forwards the rows and deletes each after the confirm.
      queue.connected = true;
      const other = new Forwarder({ queue, spool: new DiskSpool(join(dir, 'other')), logger, handover });
      await other.drainNow();
      await other.drainNow();
      await other.close();
      assert.deepEqual(
        queue.published.map((p) => [p.options?.messageId, p.body]),
        [1, 2, 3].map((n) => [`wx:dd:a:m${n}`, JSON.stringify({ n })]),
      );
      assert.equal(handover.rows.size, 0);
    });

    it('gives handed-over rows back when a publish fails, and forwards them on a later pass', async () => {
      await handover.store([entry(1), entry(2)]);
      queue.confirms = false;
      const other = new Forwarder({ queue, spool, logger, handover, handoverPollMs: 0 });
      await other.drainNow();
      assert.deepEqual(
        [...handover.rows.values()].map((r) => [r.messageId, r.claimed]),
        [
          ['wx:dd:a:m1', false],
          ['wx:dd:a:m2', false],
        ],
      );
      queue.confirms = true;
      await other.drainNow();
      assert.deepEqual(
        queue.published.map((p) => p.options?.messageId),
        ['wx:dd:a:m1', 'wx:dd:a:m2'],
      );
      await other.close();
    });

    for (const [name, withHandover] of [
      ['the hand-over store fails', true],
      ['there is no hand-over store', false],
    ] as const) {
      it(`does not pretend when the broker is down and ${name}: rejects, every line stays on disk`, async () => {
        queue.connected = false;
        for (const n of [1, 2, 3]) await forwarder.forward(entry(n));
        handover.failStore = true;
        await assert.rejects(shutdownForwarder(0, withHandover).close(), SpoolKeptError);
        assert.equal(await spoolLines(spoolDir()), 3);
        assert.equal(handover.rows.size, 0);
        // A successor (same data directory after a container restart) still forwards them.
        queue.connected = true;
        const successor = new Forwarder({ queue, spool: new DiskSpool(spoolDir()), logger });
        await successor.drainNow();
        await successor.close();
        assert.deepEqual(
          queue.published.map((p) => p.options?.messageId),
          ['wx:dd:a:m1', 'wx:dd:a:m2', 'wx:dd:a:m3'],
        );
      });
    }
  });
});
