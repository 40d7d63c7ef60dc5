import type { FileHandle } from 'node:fs/promises';
import { appendFile, mkdir, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJson } from '@mpstack/common/contracts';
import { z } from 'zod';

/** One message waiting for the broker: where it goes and what it is. */
export interface SpoolEntry {
  readonly queue: string;
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const spoolEntrySchema = z.object({
  queue: z.string().min(1),
  messageId: z.string().min(1),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});

/**
 * Where lines that are not spool entries are set aside (a torn last line after a crash in
 * mid-append — that append was never acknowledged — or a hand-edited file): kept for a
 * person to look at, never claimed again, never blocking the lines after them.
 */
export const rejectedSpoolFile = 'rejected.jsonl';

export type SpoolPublisher = (entry: SpoolEntry) => Promise<void>;

interface PendingWrite {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The broker-outage spool (docs/architecture.md §3, the disk spool): messages acknowledged to WeChat while
 * RabbitMQ is unreachable are appended to a local file and fsynced before `success` is
 * answered; concurrent appends share one fsync (group commit). `drain` forwards them once
 * the broker is back. Files are claimed for draining by an atomic rename, so several
 * processes sharing a data directory never forward the same file twice.
 */
export class DiskSpool {
  private handle: FileHandle | undefined;
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private pendingCount = 0;
  private lastAppendFailed = false;
  private rejectedCount = 0;

  constructor(
    private readonly dir: string,
    private readonly processTag: string = `${process.pid}`,
  ) {}

  /** Where the spool files are. */
  get directory(): string {
    return this.dir;
  }

  /** Messages appended and not yet forwarded by this process (approximate across restarts). */
  get depth(): number {
    return this.pendingCount;
  }

  /**
   * Whether an append would succeed now: the last append did not fail, or a probe file can be
   * written and synced in the spool directory (the readiness check while the broker is down).
   */
  async isWritable(): Promise<boolean> {
    if (!this.lastAppendFailed && this.handle !== undefined) return true;
    const probe = join(this.dir, `.probe-${this.processTag}`);
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(probe, 'ok', { flush: true });
      await unlink(probe);
      this.lastAppendFailed = false;
      return true;
    } catch {
      return false;
    }
  }

  /** Appends durably; resolves only after the data reached the disk. */
  append(entry: SpoolEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(entry)}\n`, resolve, reject });
      this.startFlush();
    });
  }

  /**
   * An append that lands after the flush loop saw an empty queue but before `flushing` is
   * cleared would otherwise wait for a flush that never comes: restart for it.
   */
  private startFlush(): void {
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.startFlush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const handle = await this.open();
        await handle.appendFile(batch.map((write) => write.line).join(''));
        await handle.datasync();
        this.pendingCount += batch.length;
        this.lastAppendFailed = false;
        for (const write of batch) write.resolve();
      } catch (error) {
        this.lastAppendFailed = true;
        for (const write of batch) write.reject(error);
      }
    }
  }

  private async open(): Promise<FileHandle> {
    if (this.handle !== undefined) return this.handle;
    await mkdir(this.dir, { recursive: true });
    this.handle = await open(join(this.dir, `spool-${Date.now()}-${this.processTag}.jsonl`), 'a');
    return this.handle;
  }

  /**
   * Forwards every spooled message (this process's and any left by a crashed one).
   * Stops at the first failure and keeps the rest for the next attempt; a message may be
   * forwarded twice after a crash mid-file, so consumers de-duplicate on messageId.
   */
  async drain(publish: SpoolPublisher): Promise<number> {
    await this.rotate();
    let forwarded = 0;
    for (const file of await this.claimFiles()) {
      forwarded += await this.forwardFile(file, publish);
    }
    return forwarded;
  }

  /** Whether a file this process may forward (its own, or a dead process's) is still there. */
  async hasPending(): Promise<boolean> {
    await this.rotate();
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.some((name) => this.isClaimable(name));
  }

  /**
   * Hands every message still spooled to `store` in one call (the shutdown hand-over to
   * storage that outlives the pod) and deletes the files only after it resolved. When it
   * throws, the files stay where they are, for a successor or an operator.
   */
  async handOver(store: (entries: SpoolEntry[]) => Promise<void>): Promise<number> {
    await this.rotate();
    const files = await this.claimFiles();
    const entries: SpoolEntry[] = [];
    const rejected: string[] = [];
    for (const file of files) {
      for (const line of (await readFile(file, 'utf8')).split('\n')) {
        if (line.length === 0) continue;
        const entry = this.decodeLine(line);
        if (entry === undefined) rejected.push(line);
        else entries.push(entry);
      }
    }
    if (entries.length > 0) await store(entries);
    if (rejected.length > 0) {
      await appendFile(join(this.dir, rejectedSpoolFile), rejected.map((line) => `${line}\n`).join(''), {
        flush: true,
      });
    }
    for (const file of files) await unlink(file);
    this.pendingCount = 0;
    return entries.length;
  }

  /** Detaches the active file once no group commit is running; new appends open a new file. */
  private async rotate(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async claimFiles(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const claimed: string[] = [];
    for (const name of names.filter((n) => this.isClaimable(n)).sort()) {
      const from = join(this.dir, name);
      const to = name.endsWith('.draining') ? from : `${from}.${this.processTag}.draining`;
      try {
        if (from !== to) await rename(from, to);
        claimed.push(to);
      } catch {
        // another process claimed it first
      }
    }
    return claimed;
  }

  /**
   * Own files, and files of processes that are gone (crash recovery). Another live
   * process's active file is never touched: it may still be appending to it.
   */
  private isClaimable(name: string): boolean {
    const match = /^spool-\d+-(\d+)\.jsonl(?:\.(\d+)\.draining)?$/.exec(name);
    if (match === null) return false;
    const owner = match[2] ?? match[1] ?? '';
    return owner === this.processTag || !isAlive(Number(owner));
  }

  private async forwardFile(path: string, publish: SpoolPublisher): Promise<number> {
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.length > 0);
    let done = 0;
    let published = 0;
    try {
      for (const line of lines) {
        const entry = this.decodeLine(line);
        if (entry === undefined) {
          await appendFile(join(this.dir, rejectedSpoolFile), `${line}\n`, { flush: true });
        } else {
          await publish(entry);
          published++;
        }
        done++;
      }
    } finally {
      this.pendingCount = Math.max(0, this.pendingCount - done);
      if (done === lines.length) await unlink(path);
      else await this.keepRemainder(path, lines.slice(done));
    }
    return published;
  }

  private decodeLine(line: string): SpoolEntry | undefined {
    try {
      return decodeJson('spool entry', spoolEntrySchema, line);
    } catch {
      this.rejectedCount++;
      return undefined;
    }
  }

  /** Lines set aside into {@link rejectedSpoolFile} by this process. */
  get rejected(): number {
    return this.rejectedCount;
  }

  private async keepRemainder(path: string, lines: readonly string[]): Promise<void> {
    const handle = await open(`${path}.tmp`, 'w');
    try {
      await handle.writeFile(lines.map((line) => `${line}\n`).join(''));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(`${path}.tmp`, path);
  }

  async close(): Promise<void> {
    await this.rotate();
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
