import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskSpool, rejectedSpoolFile, type SpoolEntry } from '../../../src/spool/disk-spool.js';

const entry = (n: number): SpoolEntry => ({
  queue: `mpstack.inbound.p${n % 3}`,
  messageId: `wx:dd:a:m${n}`,
  headers: { account: 'a' },
  body: JSON.stringify({ n, text: '😀𠮷' }),
});
const lines = (entries: readonly SpoolEntry[]) => entries.map((e) => `${JSON.stringify(e)}\n`).join('');

/** A pid that belonged to a process which has exited (a crashed ingress). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.ok(child.pid !== undefined && child.pid > 0);
  return child.pid;
}

describe('spool/DiskSpool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mpstack-spool-unit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('drains every appended entry in order, then deletes the file', async () => {
    const spool = new DiskSpool(dir);
    const entries = Array.from({ length: 20 }, (_, i) => entry(i));
    await Promise.all(entries.map((e) => spool.append(e)));
    assert.equal(spool.depth, 20);
    const files = await readdir(dir);
    assert.equal(files.length, 1, 'concurrent appends share one file');
    assert.equal(await readFile(join(dir, files[0] ?? ''), 'utf8'), lines(entries));
    const published: SpoolEntry[] = [];
    assert.equal(
      await spool.drain(async (e) => {
        published.push(e);
      }),
      20,
    );
    assert.deepEqual(published, entries);
    assert.deepEqual(await readdir(dir), []);
    assert.equal(spool.depth, 0);
    await spool.close();
  });

  it('resolves an append made right after the previous group commit finished (no lost wake-up)', async () => {
    const spool = new DiskSpool(dir);
    for (let i = 0; i < 10; i++) await spool.append(entry(i));
    assert.equal(spool.depth, 10);
    await spool.close();
  });

  it('keeps the unsent remainder when the publisher fails, and sends exactly that on the next drain', async () => {
    const spool = new DiskSpool(dir);
    const entries = Array.from({ length: 5 }, (_, i) => entry(i));
    for (const e of entries) await spool.append(e);
    const first: SpoolEntry[] = [];
    await assert.rejects(
      spool.drain(async (e) => {
        if (first.length === 2) throw new Error('broker gone');
        first.push(e);
      }),
      /broker gone/,
    );
    assert.deepEqual(first, entries.slice(0, 2));
    assert.equal(spool.depth, 3);
    const second: SpoolEntry[] = [];
    await spool.drain(async (e) => {
      second.push(e);
    });
    assert.deepEqual(second, entries.slice(2));
    assert.deepEqual(await readdir(dir), []);
    await spool.close();
  });

  it('writes appends made after a drain to a new file that the next drain forwards', async () => {
    const spool = new DiskSpool(dir);
    await spool.append(entry(1));
    await spool.drain(async () => undefined);
    await spool.append(entry(2));
    const published: SpoolEntry[] = [];
    await spool.drain(async (e) => {
      published.push(e);
    });
    assert.deepEqual(published, [entry(2)]);
    await spool.close();
  });

  it("never touches another live process's files (active or being drained)", async () => {
    const live = process.ppid;
    const active = `spool-${Date.now()}-${live}.jsonl`;
    const draining = `spool-${Date.now() - 1}-${deadPid()}.jsonl.${live}.draining`;
    await writeFile(join(dir, active), lines([entry(1)]));
    await writeFile(join(dir, draining), lines([entry(2)]));
    const published: SpoolEntry[] = [];
    const spool = new DiskSpool(dir);
    assert.equal(
      await spool.drain(async (e) => {
        published.push(e);
      }),
      0,
    );
    assert.deepEqual(published, []);
    assert.deepEqual((await readdir(dir)).sort(), [active, draining].sort());
    assert.equal(await readFile(join(dir, active), 'utf8'), lines([entry(1)]));
    await spool.close();
  });

  it('recovers the files a dead process left, including one it was draining when it died', async () => {
    const dead = deadPid();
    const left = [entry(1), entry(2)];
    const halfDrained = [entry(3)];
    await writeFile(join(dir, `spool-1000-${dead}.jsonl`), lines(left));
    await writeFile(join(dir, `spool-1001-${dead}.jsonl.${dead}.draining`), lines(halfDrained));
    await writeFile(join(dir, 'unrelated.txt'), 'keep me');
    const published: SpoolEntry[] = [];
    const spool = new DiskSpool(dir);
    await spool.drain(async (e) => {
      published.push(e);
    });
    assert.deepEqual(published, [...left, ...halfDrained]);
    assert.deepEqual(await readdir(dir), ['unrelated.txt']);
    await spool.close();
  });

  it('sets aside a line that is not a spool entry (torn or edited) and forwards the lines after it', async () => {
    const dead = deadPid();
    const torn = '{"queue":"mpstack.inbound.p0","messageId":"wx:dd:a:m9","hea';
    const wrongShape = JSON.stringify({ queue: 'mpstack.inbound.p1', messageId: 7, headers: {}, body: '' });
    await writeFile(
      join(dir, `spool-1000-${dead}.jsonl`),
      `${lines([entry(1)])}${torn}\n${wrongShape}\n${lines([entry(2)])}`,
    );
    const published: SpoolEntry[] = [];
    const spool = new DiskSpool(dir);
    assert.equal(
      await spool.drain(async (e) => {
        published.push(e);
      }),
      2,
    );
    assert.deepEqual(published, [entry(1), entry(2)]);
    assert.equal(spool.rejected, 2);
    assert.deepEqual(await readdir(dir), [rejectedSpoolFile]);
    assert.equal(await readFile(join(dir, rejectedSpoolFile), 'utf8'), `${torn}\n${wrongShape}\n`);
    assert.equal(await spool.drain(async () => assert.fail('the rejected file is never drained')), 0);
    await spool.close();
  });

  it('hands every pending entry over in one call and deletes the files only after it resolved', async () => {
    const dead = deadPid();
    await writeFile(join(dir, `spool-1000-${dead}.jsonl`), `${lines([entry(1)])}{"queue":"mpstack.inb\n`);
    const spool = new DiskSpool(dir);
    for (const n of [2, 3]) await spool.append(entry(n));
    assert.equal(await spool.hasPending(), true);
    await assert.rejects(
      spool.handOver(async () => {
        throw new Error('store down');
      }),
      /store down/,
    );
    assert.equal((await readdir(dir)).length, 2, 'both files kept after a failed hand-over');
    const calls: SpoolEntry[][] = [];
    assert.equal(
      await spool.handOver(async (entries) => {
        calls.push(entries);
      }),
      3,
    );
    assert.deepEqual(
      calls.map((c) => c.map((e) => e.messageId).sort()),
      [['wx:dd:a:m1', 'wx:dd:a:m2', 'wx:dd:a:m3']],
    );
    assert.deepEqual(await readdir(dir), [rejectedSpoolFile], 'a torn line is set aside, not handed over');
    assert.equal(await spool.hasPending(), false);
    await spool.close();
  });

  it('reports whether it can take messages: yes in a fresh directory, no under a regular file', async () => {
    const fresh = new DiskSpool(join(dir, 'not-yet-created'));
    assert.equal(await fresh.isWritable(), true);
    assert.deepEqual(await readdir(join(dir, 'not-yet-created')), [], 'the probe leaves nothing behind');
    await writeFile(join(dir, 'file'), 'x');
    const blocked = new DiskSpool(join(dir, 'file', 'spool'));
    assert.equal(await blocked.isWritable(), false);
    await assert.rejects(blocked.append(entry(1)), { code: 'ENOTDIR' });
    assert.equal(await blocked.isWritable(), false);
    await Promise.all([fresh.close(), blocked.close()]);
  });

  it('rejects an append it cannot make durable (spool path under a regular file)', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const spool = new DiskSpool(join(dir, 'file', 'spool'));
    await assert.rejects(spool.append(entry(1)), /ENOTDIR|EEXIST/);
    assert.equal(spool.depth, 0);
    await spool.close();
  });
});
