import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { monthStart } from '@mpstack/common/db';
import { logFileName, monthOf, parseLogFileName } from './log-files.js';

export interface FileMaintenance {
  /** Plain files of past months, now gzipped (their names before). */
  readonly gzipped: readonly string[];
  /** Files whose month is older than the retention, removed. */
  readonly removed: readonly string[];
}

/**
 * Keeps the log files of `dir`: every plain file of a month before the month of `now` is
 * gzipped (streamed into `.gz.tmp`, synced, renamed to `.gz`; the plain file is removed only
 * after), and every file of a month before the retention's first month is removed — the
 * same cutoff as the partitions (`monthStart(now, -retentionMonths)`), so rows and files of a
 * month go together. Leftover `.gz.tmp` files (a crash mid-gzip) are removed and redone; a
 * plain file whose `.gz` exists (a crash between the rename and the removal) is removed.
 * Idempotent; a failure (disk full while gzipping) leaves the plain file and is thrown.
 */
export async function maintainLogFiles(
  dir: string,
  options: { readonly now: number; readonly retentionMonths: number },
): Promise<FileMaintenance> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { gzipped: [], removed: [] };
    throw error;
  }
  const current = monthOf(options.now);
  const firstKept = monthOf(monthStart(options.now, -options.retentionMonths));
  const present = new Set(names);
  const gzipped: string[] = [];
  const removed: string[] = [];
  for (const name of names) {
    if (name.endsWith('.gz.tmp') && parseLogFileName(name.slice(0, -'.tmp'.length)) !== undefined) {
      await rm(join(dir, name), { force: true });
    }
  }
  for (const name of names.sort()) {
    const file = parseLogFileName(name);
    if (file === undefined) continue;
    if (file.month < firstKept) {
      await rm(join(dir, name), { force: true });
      removed.push(name);
      continue;
    }
    if (file.gzipped || file.month >= current) continue;
    const target = logFileName(file.kind, file.month, true);
    if (!present.has(target)) await gzipFile(join(dir, name), join(dir, target));
    await rm(join(dir, name), { force: true });
    gzipped.push(name);
  }
  return { gzipped, removed };
}

/** Streams `source` into `target` gzipped, atomically: a `.tmp` beside it, synced, then renamed. */
async function gzipFile(source: string, target: string): Promise<void> {
  const temporary = `${target}.tmp`;
  try {
    await pipeline(createReadStream(source), createGzip(), createWriteStream(temporary, { flags: 'w' }));
    const handle = await open(temporary, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // The rename is durable before the plain file goes: sync the directory where it is allowed.
  await syncDirectory(target);
}

async function syncDirectory(file: string): Promise<void> {
  const dir = join(file, '..');
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
  await stat(file);
}
