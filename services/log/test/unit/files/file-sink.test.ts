import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { InterfaceLogEvent, LogEvent, MessageLogEvent } from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import { createTelemetry, type Telemetry } from '@mpstack/common/telemetry';
import { FileSink, type FileSinkOptions, nodeSinkFs, type SinkFs, withFileSink } from '../../../src/index.js';

const logger = createLogger({ service: 'log-files-test', level: 'silent' });

let sequence = 0;
function access(at: number, overrides: Partial<MessageLogEvent> = {}): MessageLogEvent {
  sequence += 1;
  return {
    type: 'message',
    id: `m${sequence}`,
    at,
    account: 'acme',
    openId: 'oUser1',
    msgType: 'text',
    event: undefined,
    msgId: String(sequence),
    content: '我的手机号 13800000000',
    outcome: 'replied',
    decidedBy: 'keyword',
    latencyMs: 3,
    ...overrides,
  };
}

function call(at: number): InterfaceLogEvent {
  sequence += 1;
  return {
    type: 'interface',
    id: `i${sequence}`,
    at,
    account: 'acme',
    api: '/cgi-bin/message/custom/send',
    errcode: 0,
    latencyMs: 40,
  };
}

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** An injected filesystem that refuses every append with ENOSPC while `full` is set. */
function fullDisk(): SinkFs & { full: boolean; attempts: number } {
  const fs = {
    full: true,
    attempts: 0,
    ensureDir: (dir: string) => nodeSinkFs.ensureDir(dir),
    async append(path: string, data: Buffer) {
      fs.attempts += 1;
      if (fs.full) {
        throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' });
      }
      await nodeSinkFs.append(path, data);
    },
  };
  return fs;
}

describe('log file sink', () => {
  let root: string;
  let dir: string;
  let unmount: (() => Promise<void>) | undefined;
  let telemetry: Telemetry;
  let now: number;
  const sinks: FileSink[] = [];

  function sink(overrides: Partial<FileSinkOptions> = {}): FileSink {
    const made = new FileSink({
      dir,
      clock: () => now,
      retentionMonths: 6,
      logger,
      meter: telemetry.meter,
      flushMs: 60_000,
      maxBufferedBytes: 1024 * 1024,
      ...overrides,
    });
    sinks.push(made);
    return made;
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mpstack-sink-'));
    dir = join(root, 'logs');
    telemetry = createTelemetry({ service: 'log-files-test', traceSampleRatio: 0 });
    now = Date.parse('2026-11-30T23:59:00Z');
  });

  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.close().catch(() => undefined);
    await telemetry.shutdown();
    await unmount?.();
    unmount = undefined;
    await rm(root, { recursive: true, force: true });
  });

  it('appends committed events as JSON lines to the month’s files, access lines without the message text', async () => {
    const files = sink();
    const events: (MessageLogEvent | InterfaceLogEvent)[] = [
      access(now),
      call(now),
      access(now, { msgType: 'event', event: 'subscribe' }),
    ];
    files.append(events);
    await files.flush();
    const accessLines = await lines(join(dir, 'access-2026-11.jsonl'));
    assert.deepEqual(
      accessLines.map((l) => [l['id'], l['msgType'], 'content' in l]),
      [
        [events[0]?.id, 'text', false],
        [events[2]?.id, 'event', false],
      ],
    );
    assert.equal(accessLines[0]?.['openId'], 'oUser1');
    const interfaceLines = await lines(join(dir, 'interface-2026-11.jsonl'));
    assert.deepEqual(interfaceLines, [{ ...events[1] }]);
  });

  it('rotates monthly by its clock: the next month gets a new file and the previous one is gzipped', async () => {
    const files = sink();
    files.append([access(now), call(now)]);
    await files.flush();
    now = Date.parse('2026-12-01T00:00:30Z');
    files.append([access(now)]);
    await files.flush();
    await files.rotate();
    assert.deepEqual((await readdir(dir)).sort(), [
      'access-2026-11.jsonl.gz',
      'access-2026-12.jsonl',
      'interface-2026-11.jsonl.gz',
    ]);
    const november = gunzipSync(await readFile(join(dir, 'access-2026-11.jsonl.gz'))).toString();
    assert.equal(november.split('\n').filter(Boolean).length, 1);
    // Seven months later the November files are past the 6-month retention.
    now = Date.parse('2027-06-01T00:00:00Z');
    await files.rotate();
    assert.deepEqual((await readdir(dir)).sort(), ['access-2026-12.jsonl.gz']);
  });

  it('disk full (injected ENOSPC): counts and reports the failure, holds the lines and writes them once the disk has room', async () => {
    const fs = fullDisk();
    const files = sink({ fs });
    const events = [access(now), access(now), call(now)];
    files.append(events);
    await files.flush();
    await files.flush();
    assert.ok(fs.attempts >= 2, 'the append was retried');
    assert.match(files.status.failing ?? '', /^ENOSPC/);
    assert.ok(files.status.bufferedBytes > 0);
    const metrics = await metricsText(telemetry);
    assert.match(metrics, /mpstack_log_file_sink_failures_total\{[^}]*code="ENOSPC"[^}]*\} [2-9]/);
    assert.match(metrics, /mpstack_log_file_sink_failing\{?[^}]*\}? 1/);
    fs.full = false;
    files.append([access(now)]);
    await files.flush();
    assert.equal(files.status.failing, undefined);
    assert.equal(files.status.bufferedBytes, 0);
    assert.equal((await lines(join(dir, 'access-2026-11.jsonl'))).length, 3, 'the held lines and the new one, once');
    assert.equal((await lines(join(dir, 'interface-2026-11.jsonl'))).length, 1);
    assert.match(await metricsText(telemetry), /mpstack_log_file_sink_failing\{?[^}]*\}? 0/);
  });

  it('drops and counts the lines beyond its buffer while the disk stays full', async () => {
    const fs = fullDisk();
    const files = sink({ fs, maxBufferedBytes: 2000 });
    for (let i = 0; i < 50; i += 1) files.append([access(now)]);
    await files.flush();
    const { droppedLines, bufferedBytes } = files.status;
    assert.ok(bufferedBytes <= 2000);
    assert.ok(droppedLines > 30, `dropped ${droppedLines}`);
    assert.match(await metricsText(telemetry), /mpstack_log_file_lines_dropped_total\{[^}]*kind="access"[^}]*\} \d+/);
    fs.full = false;
    await files.flush();
    assert.equal((await lines(join(dir, 'access-2026-11.jsonl'))).length, 50 - droppedLines);
  });

  it('passes events to the files only after the database write, and not a batch stored before', async () => {
    const files = sink();
    const written: LogEvent[][] = [];
    let fail = true;
    let seen = false;
    const writer = withFileSink(
      {
        async write(events) {
          if (fail) throw new Error('database down');
          written.push([...events]);
          const duplicates = seen ? events.length : 0;
          seen = true;
          return { written: events.length - duplicates, duplicates };
        },
      },
      files,
    );
    const events = [access(now), call(now)];
    await assert.rejects(writer.write(events), /database down/);
    await files.flush();
    assert.deepEqual(await readdir(dir).catch(() => []), []);
    fail = false;
    await writer.write(events);
    await writer.write(events); // a redelivery: every event stored before
    await files.flush();
    assert.equal((await lines(join(dir, 'access-2026-11.jsonl'))).length, 1);
    assert.equal((await lines(join(dir, 'interface-2026-11.jsonl'))).length, 1);
  });

  it('disk full for real (a 64 KiB tmpfs): the failed append leaves no partial line, and the lines land once there is room', async function () {
    const mounted = await realTmpfs(this, root);
    unmount = mounted.unmount;
    dir = mounted.dir;
    const files = sink({ maxBufferedBytes: 4 * 1024 * 1024 });
    // A first line written, then the filesystem filled to the last byte.
    files.append([access(now)]);
    await files.flush();
    await fillUp(join(dir, 'filler'));
    const big = Array.from({ length: 200 }, () => access(now, { account: 'a'.repeat(60) }));
    files.append(big);
    await files.flush();
    assert.match(files.status.failing ?? '', /^ENOSPC/);
    const partial = await readFile(join(dir, 'access-2026-11.jsonl'), 'utf8').catch(() => '');
    assert.ok(partial === '' || partial.endsWith('\n'), 'no half line left behind');
    await rm(join(dir, 'filler'));
    await files.flush();
    assert.equal(files.status.failing, undefined);
    const written = await lines(join(dir, 'access-2026-11.jsonl'));
    assert.equal(written.length, 201);
    assert.equal(new Set(written.map((l) => l['id'])).size, 201);
  });

  it('disk full while gzipping a past month (a real tmpfs): the plain file stays whole, no .gz or .gz.tmp is left, and it is gzipped once there is room', async function () {
    const mounted = await realTmpfs(this, root);
    unmount = mounted.unmount;
    dir = mounted.dir;
    // 40 KiB that does not compress: the gzip needs about as much again, which the 64 KiB lack.
    const november = join(dir, 'interface-2026-11.jsonl');
    await writeFile(november, randomBytes(30 * 1024).toString('base64'));
    const files = sink();
    now = Date.parse('2026-12-01T01:00:00Z');
    await assert.rejects(files.rotate(), /ENOSPC/);
    assert.deepEqual(await readdir(dir), ['interface-2026-11.jsonl']);
    const before = await readFile(november, 'utf8');
    assert.equal(before.length, 40 * 1024);
    await truncate(november, 1024);
    const done = await files.rotate();
    assert.deepEqual(done.gzipped, ['interface-2026-11.jsonl']);
    assert.deepEqual(await readdir(dir), ['interface-2026-11.jsonl.gz']);
    assert.equal(gunzipSync(await readFile(join(dir, 'interface-2026-11.jsonl.gz'))).toString(), before.slice(0, 1024));
  });
});

/** Appends to `path` until the filesystem refuses with ENOSPC. */
async function fillUp(path: string): Promise<void> {
  const chunk = Buffer.alloc(1024, 1);
  for (;;) {
    try {
      await appendFile(path, chunk);
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
      return;
    }
  }
}

async function metricsText(telemetry: Telemetry): Promise<string> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => telemetry.metricsHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  try {
    return await (await fetch(`http://127.0.0.1:${address.port}/metrics`)).text();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Mounts a 64 KiB tmpfs under `root` (root only); skips the test, saying why, where mounting
 * is not allowed. The injected-ENOSPC test above covers the path always.
 */
async function realTmpfs(context: Mocha.Context, root: string): Promise<{ dir: string; unmount(): Promise<void> }> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    process.stderr.write('      skipped: mounting a tmpfs needs root on Linux\n');
    context.skip();
  }
  const dir = join(root, 'tmpfs');
  await mkdir(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    process.stderr.write(`      skipped: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})\n`);
    context.skip();
  }
  return {
    dir,
    unmount: async () => {
      execFileSync('umount', [dir]);
    },
  };
}
