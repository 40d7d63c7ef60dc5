import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccessLogEvent, InterfaceLogEvent, LogEvent, MessageLogEvent } from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { Telemetry } from '@mpstack/common/telemetry';
import type { EventWriter } from '../log-consumer.js';
import { eventIdOf, type WriteResult } from '../log-store.js';
import { type LogFileKind, logFileName, monthOf } from './log-files.js';
import { type FileMaintenance, maintainLogFiles } from './rotation.js';

/** The filesystem calls the sink makes, injectable so a test can make them fail (ENOSPC). */
export interface SinkFs {
  /** Creates the directory (and its parents) when missing. */
  ensureDir(dir: string): Promise<void>;
  /** Appends `data` to `path` whole or not at all: a failed append is cut back to the old size. */
  append(path: string, data: Buffer): Promise<void>;
}

export const nodeSinkFs: SinkFs = {
  async ensureDir(dir) {
    await mkdir(dir, { recursive: true });
  },
  async append(path, data) {
    const handle = await open(path, 'a');
    try {
      const { size } = await handle.stat();
      try {
        // A write may land fewer bytes than asked (a filling disk): go on until all are in or it throws.
        for (let offset = 0; offset < data.length; ) {
          const { bytesWritten } = await handle.write(data, offset, data.length - offset);
          if (bytesWritten === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
          offset += bytesWritten;
        }
      } catch (error) {
        // A disk-full write may have landed part of the batch: cut it off so the retry does
        // not leave half a line in the file (truncating frees space, so it works when full).
        await handle.truncate(size).catch(() => undefined);
        throw error;
      }
    } finally {
      await handle.close();
    }
  },
};

export interface FileSinkOptions {
  /** `<dataDir>/logs`. */
  readonly dir: string;
  readonly clock: () => number;
  readonly retentionMonths: number;
  readonly logger: Logger;
  readonly meter: Telemetry['meter'];
  /** Lines are appended at most this often (ms). */
  readonly flushMs: number;
  /** Most characters (≈ bytes) of lines held while the disk refuses them; lines beyond are dropped and counted. */
  readonly maxBufferedBytes: number;
  /** At most one error line per this interval while the sink keeps failing (ms). */
  readonly alertIntervalMs?: number;
  readonly fs?: SinkFs;
}

/** What `/readyz` says about the files. */
export interface FileSinkStatus {
  readonly failing: string | undefined;
  readonly bufferedBytes: number;
  readonly droppedLines: number;
}

/**
 * The JSON-lines files beside the database (docs/architecture.md §5a, "Files"): events are
 * taken after their database commit, held in memory, and appended once a `flushMs` to
 * `<dir>/<kind>-YYYY-MM.jsonl` of the current UTC month — never on the consumer's path, so a
 * slow or full disk cannot hold up the database writes or their acks. When an append fails
 * (ENOSPC, EIO, EACCES, …) its lines stay in memory and are appended again at the next flush
 * (lost nothing while `maxBufferedBytes` suffices; beyond, lines are dropped and counted),
 * the failure is counted, logged (rate-limited) and reported by `/readyz`. The month's
 * rotation (gzip of past months, retention) runs through the same queue as the appends.
 */
export class FileSink {
  private readonly pending = new Map<LogFileKind, string[]>();
  private bufferedBytes = 0;
  private dropped = 0;
  private failing: string | undefined;
  private failuresSinceAlert = 0;
  private lastAlertAt = Number.NEGATIVE_INFINITY;
  private lastMonth: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly fs: SinkFs;
  private readonly failures;
  private readonly linesWritten;
  private readonly linesDropped;

  constructor(private readonly options: FileSinkOptions) {
    this.fs = options.fs ?? nodeSinkFs;
    const { meter } = options;
    this.failures = meter.createCounter('mpstack_log_file_sink_failures_total', {
      description: 'Failed appends to the JSON-lines log files (the lines are retried; the database path goes on)',
    });
    this.linesWritten = meter.createCounter('mpstack_log_file_lines_written_total', {
      description: 'Lines appended to the JSON-lines log files',
    });
    this.linesDropped = meter.createCounter('mpstack_log_file_lines_dropped_total', {
      description: 'Lines lost because the file sink failed longer than its buffer lasted',
    });
    meter
      .createObservableGauge('mpstack_log_file_sink_failing', {
        description: '1 while appends to the JSON-lines log files fail (disk full, …)',
      })
      .addCallback((result) => result.observe(this.failing === undefined ? 0 : 1));
  }

  get status(): FileSinkStatus {
    return { failing: this.failing, bufferedBytes: this.bufferedBytes, droppedLines: this.dropped };
  }

  /** Starts the periodic flush. */
  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /**
   * Takes committed events; synchronous and never throws. The buffer is bounded in UTF-16
   * characters (≈ bytes for these mostly-ASCII lines), which spares a byte count per line.
   */
  append(events: readonly FiledEvent[]): void {
    for (const event of events) {
      const kind: LogFileKind = event.type === 'interface' ? 'interface' : 'access';
      const line = `${lineOf(event)}\n`;
      if (this.bufferedBytes + line.length > this.options.maxBufferedBytes) {
        this.dropped += 1;
        this.linesDropped.add(1, { kind });
        continue;
      }
      let lines = this.pending.get(kind);
      if (lines === undefined) {
        lines = [];
        this.pending.set(kind, lines);
      }
      lines.push(line);
      this.bufferedBytes += line.length;
    }
  }

  /** Appends what is held (after the appends and rotations already queued). */
  flush(): Promise<void> {
    return this.enqueue(() => this.flushNow());
  }

  /** Gzips past months and applies the retention, between two flushes. */
  rotate(): Promise<FileMaintenance> {
    return this.enqueue(() =>
      maintainLogFiles(this.options.dir, { now: this.options.clock(), retentionMonths: this.options.retentionMonths }),
    );
  }

  /** Stops the timer and appends what is held. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async flushNow(): Promise<void> {
    const month = monthOf(this.options.clock());
    if (this.lastMonth !== undefined && this.lastMonth !== month) {
      // A new month: the previous month's file is complete — gzip it now, not within the hour.
      void this.rotate().catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'log file rotation failed; retried within the hour'),
      );
    }
    this.lastMonth = month;
    for (const [kind, lines] of this.pending) {
      if (lines.length === 0) continue;
      this.pending.set(kind, []);
      const text = lines.join('');
      try {
        await this.fs.ensureDir(this.options.dir);
        await this.fs.append(join(this.options.dir, logFileName(kind, month)), Buffer.from(text));
        this.bufferedBytes -= text.length;
        this.linesWritten.add(lines.length, { kind });
        this.recovered();
      } catch (error) {
        // The lines go back in front of those that arrived meanwhile, for the next flush.
        this.pending.set(kind, [...lines, ...(this.pending.get(kind) ?? [])]);
        this.failed(kind, error);
        return;
      }
    }
  }

  private failed(kind: LogFileKind, error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    const message = error instanceof Error ? error.message : String(error);
    this.failures.add(1, { kind, code });
    this.failing = `${code}: ${message}`;
    this.failuresSinceAlert += 1;
    const now = Date.now();
    if (now - this.lastAlertAt < (this.options.alertIntervalMs ?? 60_000)) return;
    this.lastAlertAt = now;
    this.options.logger.error(
      {
        err: error,
        code,
        failures: this.failuresSinceAlert,
        bufferedBytes: this.bufferedBytes,
        droppedLines: this.dropped,
      },
      'log file sink failing: lines held in memory and retried, the database path goes on',
    );
    this.failuresSinceAlert = 0;
  }

  private recovered(): void {
    if (this.failing === undefined) return;
    this.options.logger.info({ droppedLines: this.dropped }, 'log file sink writes again');
    this.failing = undefined;
    this.failuresSinceAlert = 0;
    this.lastAlertAt = Number.NEGATIVE_INFINITY;
  }
}

/**
 * A line of the files: the event with its id (given or derived, the database's `event_id`);
 * an access line leaves out the message's text (the files record who called, not what they
 * said). Object literals, not a rest spread: this runs for every event the consumer writes.
 */
function lineOf(event: FiledEvent): string {
  if (event.type === 'access') {
    const { id, at, service, method, route, status, latencyMs, userId, ip } = event;
    return JSON.stringify({ type: 'access', id, at, service, method, route, status, latencyMs, userId, ip });
  }
  const id = eventIdOf(event);
  if (event.type === 'interface') {
    const { at, account, api, errcode, errmsg, latencyMs } = event;
    return JSON.stringify({ type: 'interface', id, at, account, api, errcode, errmsg, latencyMs });
  }
  return JSON.stringify({
    type: 'message',
    id,
    at: event.at,
    account: event.account,
    openId: event.openId,
    msgType: event.msgType,
    event: event.event,
    eventKey: event.eventKey,
    msgId: event.msgId,
    outcome: event.outcome,
    decidedBy: event.decidedBy,
    latencyMs: event.latencyMs,
  });
}

/** Writes the stored events (message and interface) to the database: {@link LogStore}. */
export interface StoreWriter {
  write(events: readonly LogEvent[]): Promise<WriteResult>;
}

/** The events the files carry: sends and receipts are counted in the database only. */
export type FiledEvent = MessageLogEvent | InterfaceLogEvent | AccessLogEvent;

function isFiled(event: LogEvent): event is MessageLogEvent | InterfaceLogEvent {
  return event.type !== 'send' && event.type !== 'receipt';
}

/**
 * The consumer's writer with the files behind it: events reach the sink only after their
 * database commit, and a batch whose every event was stored before (a redelivery) is not
 * appended again. A batch mixing new and redelivered events is appended whole, so a line can
 * appear twice after a crash (at least once; the line's `id` tells). Access events (the admin
 * and business APIs' requests) are not stored: they go to the access file alone, and a
 * redelivered batch appends them again (at least once, by the same `id`).
 */
export function withFileSink(store: StoreWriter, sink: FileSink): EventWriter {
  return {
    async write(events) {
      const stored = events.filter((event): event is LogEvent => event.type !== 'access');
      const result = stored.length === 0 ? { written: 0, duplicates: 0 } : await store.write(stored);
      if (result.written > 0) sink.append(stored.filter(isFiled));
      if (stored.length === events.length) return result;
      sink.append(events.filter((event): event is AccessLogEvent => event.type === 'access'));
      return { ...result, written: result.written + events.length - stored.length };
    },
  };
}
