import { join } from 'node:path';
import type { Environment } from '@mpstack/common/config';
import type { ReadinessDetail } from '@mpstack/common/http';
import type { Logger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import { type RunningService, runService, type ServiceDefinition, startComposed } from '@mpstack/common/shell';
import type { Telemetry } from '@mpstack/common/telemetry';
import { sql } from 'kysely';
import { type LogConfig, loadLogConfig } from './config.js';
import { FileSink, type SinkFs, withFileSink } from './files/file-sink.js';
import { fileRoutes } from './files/files.router.js';
import { LogConsumer } from './log-consumer.js';
import { LogStore } from './log-store.js';
import { summaryRoutes } from './mail/summary.router.js';
import { SummaryMailer } from './mail/summary-mailer.js';
import { maintainPartitions } from './partitions.js';
import { queryRoutes } from './query-api.js';

export interface LogServiceOptions {
  /** Shared infrastructure (`mpstack dev`: one in-process queue for every service); not closed here. */
  readonly infrastructure?: Infrastructure;
  /** The clock of partition maintenance and retention (tests inject one). */
  readonly clock?: () => number;
  /** The JSON-lines files' filesystem calls (tests make them fail with ENOSPC). */
  readonly fileSystem?: SinkFs;
  /** Told what was built (tests). */
  readonly onComposed?: (built: Built) => void;
}

interface Built {
  readonly consumer: LogConsumer;
  readonly infrastructure: Infrastructure;
  readonly files: FileSink;
  readonly summary: SummaryMailer | undefined;
}

const MAINTENANCE_INTERVAL_MS = 3_600_000;

/**
 * The log service: consumes `mpstack.log-events` into the message and interface logs (batched,
 * idempotent, acknowledged after the commit) with the dashboard's rollups, and keeps the
 * monthly partitions (ahead of time, and retention by dropping whole partitions).
 */
export function logService(options: LogServiceOptions = {}): ServiceDefinition<LogConfig> {
  const clock = options.clock ?? Date.now;
  return {
    name: 'log',
    config: loadLogConfig,
    async compose({ config, logger, telemetry, onClose }) {
      let infrastructure = options.infrastructure;
      if (infrastructure === undefined) {
        const own = await openInfrastructure({ service: 'log', ...config, migrate: true }, logger);
        onClose('infrastructure', () => own.close());
        infrastructure = own;
      }
      const { db, queue } = infrastructure;
      const filesDir = config.filesDir ?? join(config.dataDir, 'logs');
      const files = new FileSink({
        dir: filesDir,
        clock,
        retentionMonths: config.retentionMonths,
        logger,
        meter: telemetry.meter,
        flushMs: config.fileFlushMs,
        maxBufferedBytes: config.fileBufferBytes,
        ...(options.fileSystem === undefined ? {} : { fs: options.fileSystem }),
      });
      files.start();
      onClose('files', () => files.close());
      const maintain = async () => {
        try {
          await maintainPartitions(db, {
            now: clock(),
            ahead: config.partitionsAhead,
            retentionMonths: config.retentionMonths,
            logger,
          });
        } catch (error) {
          logger.error({ err: error }, 'log partition maintenance failed; retried within the hour');
        }
        await files.rotate().then(
          (done) => {
            if (done.gzipped.length > 0 || done.removed.length > 0) logger.info(done, 'log files rotated');
          },
          (error: unknown) => logger.error({ err: error }, 'log file rotation failed; retried within the hour'),
        );
      };
      await maintain();
      const timer = setInterval(() => void maintain(), MAINTENANCE_INTERVAL_MS);
      timer.unref();
      onClose('maintenance', async () => clearInterval(timer));
      const consumer = new LogConsumer({
        queue,
        writer: withFileSink(new LogStore(db), files),
        logger,
        meter: telemetry.meter,
        batchEvents: config.batchEvents,
        flushMs: config.flushMs,
        prefetch: config.prefetch,
        writers: config.writers,
      });
      await consumer.start();
      onClose('consumer', () => consumer.close());
      const summary = startSummary(config, infrastructure, { logger, meter: telemetry.meter, clock });
      if (summary !== undefined) onClose('summary', () => summary.close());
      options.onComposed?.({ consumer, infrastructure, files, summary });
      return {
        listen: { port: config.port, host: config.host },
        routes: (app) => {
          queryRoutes(db, clock)(app);
          fileRoutes(filesDir)(app);
          summaryRoutes(summary)(app);
        },
        ready: async () => ({
          queue: queue.isConnected(),
          database: await databaseReadiness(infrastructure, consumer),
          files: fileReadiness(files),
        }),
        describe: {
          ...infrastructure.mode,
          batchEvents: config.batchEvents,
          prefetch: config.prefetch,
          writers: config.writers,
        },
      };
    },
  };
}

async function databaseReadiness(infrastructure: Infrastructure, consumer: LogConsumer): Promise<ReadinessDetail> {
  try {
    await sql`SELECT 1`.execute(infrastructure.db);
  } catch (error) {
    return { ok: false, detail: `database unreachable: ${error instanceof Error ? error.message : String(error)}` };
  }
  const failing = consumer.writeError;
  return failing === undefined
    ? { ok: true, detail: 'writes succeed' }
    : { ok: false, detail: `log writes failing (events wait in the queue): ${failing}` };
}

/** The daily summary e-mail, when an SMTP server and recipients are configured. */
function startSummary(
  config: LogConfig,
  infrastructure: Infrastructure,
  deps: { readonly logger: Logger; readonly meter: Telemetry['meter']; readonly clock: () => number },
): SummaryMailer | undefined {
  if (config.smtpUrl === undefined || config.summaryTo.length === 0) {
    deps.logger.info('daily summary e-mail off (set MPSTACK_SMTP_URL and MPSTACK_SUMMARY_TO)');
    return undefined;
  }
  const mailer = new SummaryMailer({
    db: infrastructure.db,
    coordination: infrastructure.coordination,
    ...deps,
    smtpUrl: config.smtpUrl,
    to: config.summaryTo,
    from: config.summaryFrom,
    at: config.summaryAt,
    timeZone: config.summaryTimeZone,
  });
  mailer.start();
  return mailer;
}

/** The files never make the service unready (the database path goes on); the detail says why they fail. */
function fileReadiness(files: FileSink): ReadinessDetail {
  const { failing, bufferedBytes, droppedLines } = files.status;
  if (failing === undefined)
    return {
      ok: true,
      detail: droppedLines === 0 ? 'writes succeed' : `writes succeed (${droppedLines} lines lost earlier)`,
    };
  return {
    ok: true,
    detail: `file sink failing (${failing}); database writes go on, ${bufferedBytes} bytes of lines held, ${droppedLines} lost`,
  };
}

export interface StartLogOptions extends Omit<LogServiceOptions, 'onComposed'> {
  readonly config: LogConfig;
  readonly logger?: Logger;
  readonly telemetry?: Telemetry;
}

export interface RunningLog {
  readonly url: string;
  readonly consumer: LogConsumer;
  readonly infrastructure: Infrastructure;
  readonly files: FileSink;
  /** The daily summary e-mail (undefined when not configured). */
  readonly summary: SummaryMailer | undefined;
  readonly service: RunningService;
  close(): Promise<void>;
}

/** Starts the log service in this process through the shell (`mpstack dev`, tests). */
export async function startLog(options: StartLogOptions): Promise<RunningLog> {
  const { built, url, service, close } = await startComposed(
    (onComposed: (built: Built) => void) => logService({ ...options, onComposed }),
    options.config,
    options,
  );
  const { consumer, infrastructure, files, summary } = built;
  return { url, consumer, infrastructure, files, summary, service, close };
}

/** The container entrypoint (`mpstack run log`). */
export async function runLog(env: Environment): Promise<void> {
  await runService(logService(), env);
}
