import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The two JSON-lines logs: `interface` (the outbound WeChat API calls services publish as
 * `interface` log events) and `access` (WeChat's requests to the webhook: the `message` log
 * events, without the text of the message; and the requests the admin and business APIs
 * answered: the `access` log events — method, route pattern, status, latency, user id, IP).
 */
export const LOG_FILE_KINDS = ['interface', 'access'] as const;
export type LogFileKind = (typeof LOG_FILE_KINDS)[number];

/** `<kind>-YYYY-MM.jsonl`, gzipped once its month is over: `<kind>-YYYY-MM.jsonl.gz`. */
const FILE_NAME = /^(interface|access)-(\d{4})-(0[1-9]|1[0-2])\.jsonl(\.gz)?$/;

export interface LogFileName {
  readonly name: string;
  readonly kind: LogFileKind;
  /** `YYYY-MM` (UTC): the month the lines were written in. */
  readonly month: string;
  readonly gzipped: boolean;
}

/** The file's parts, or undefined when `name` is not a log file's name (nothing else is served). */
export function parseLogFileName(name: string): LogFileName | undefined {
  const match = FILE_NAME.exec(name);
  if (match === null) return undefined;
  return { name, kind: match[1] as LogFileKind, month: `${match[2]}-${match[3]}`, gzipped: match[4] !== undefined };
}

/** The month (`YYYY-MM`, UTC — the months of the log partitions) of a time in ms. */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

export function logFileName(kind: LogFileKind, month: string, gzipped = false): string {
  return `${kind}-${month}.jsonl${gzipped ? '.gz' : ''}`;
}

export interface LogFileEntry extends LogFileName {
  readonly bytes: number;
}

/** The log files in `dir`, newest month first (an absent directory has none). */
export async function listLogFiles(dir: string): Promise<LogFileEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: LogFileEntry[] = [];
  for (const name of names) {
    const parsed = parseLogFileName(name);
    if (parsed === undefined) continue;
    try {
      const info = await stat(join(dir, name));
      if (info.isFile()) entries.push({ ...parsed, bytes: info.size });
    } catch (error) {
      // Removed between the listing and the stat (retention, or gzip's rename).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return entries.sort((a, b) => (a.month === b.month ? a.name.localeCompare(b.name) : b.month.localeCompare(a.month)));
}
