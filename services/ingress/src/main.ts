import {
  createLogger,
  createServiceServer,
  createTelemetry,
  type Environment,
  type Infrastructure,
  type Logger,
  listAccounts,
  openInfrastructure,
  seedFromFile,
  type Telemetry,
} from '@mpstack/common';
import { createIngress, type Ingress } from './app.js';
import { type IngressConfig, loadIngressConfig } from './config.js';
import type { FastPathPlugin } from './rules/rule.types.js';
import { loadReplyRules } from './rules/rule-loader.js';
import { databaseHandover } from './spool/handover.js';

export interface StartIngressOptions {
  readonly config: IngressConfig;
  readonly logger?: Logger;
  /** Shared infrastructure (`mpstack dev` runs several services on one in-process queue). */
  readonly infrastructure?: Infrastructure;
  readonly telemetry?: Telemetry;
  readonly plugins?: readonly FastPathPlugin[];
}

export interface RunningIngress {
  readonly url: string;
  readonly ingress: Ingress;
  readonly infrastructure: Infrastructure;
  close(): Promise<void>;
}

/** Composition: infrastructure → seed → ingress → HTTP server. Used by `mpstack run ingress` and `mpstack dev`. */
export async function startIngress(options: StartIngressOptions): Promise<RunningIngress> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ service: 'ingress', level: config.logLevel });
  const ownsInfrastructure = options.infrastructure === undefined;
  const infrastructure =
    options.infrastructure ??
    (await openInfrastructure(
      { service: 'ingress', ...config, migrate: true, publishTimeoutMs: config.publishTimeoutMs },
      logger,
    ));
  if (config.seedFile !== undefined) await seedFromFile(infrastructure.db, config.seedFile);
  const telemetry =
    options.telemetry ?? createTelemetry({ service: 'ingress', traceSampleRatio: config.traceSampleRatio });
  const ingress = createIngress({
    logger,
    telemetry,
    coordination: infrastructure.coordination,
    queue: infrastructure.queue,
    loadAccounts: () => listAccounts(infrastructure.db),
    loadRules: (accountId) => loadReplyRules(infrastructure.db, accountId, logger),
    settings: config,
    spoolDir: `${config.dataDir}/spool`,
    handover: databaseHandover(infrastructure.db),
    shutdownDrainMs: config.shutdownDrainSeconds * 1000,
    ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
  });
  await ingress.start();
  const server = createServiceServer(ingress.app, ingress.fastHandler);
  let url: string;
  try {
    url = await server.listen(config.port, config.host);
  } catch (error) {
    // e.g. the port is taken: release what was opened so the process can exit.
    await ingress.close();
    if (ownsInfrastructure) await infrastructure.close();
    if (options.telemetry === undefined) await telemetry.shutdown();
    throw error;
  }
  logger.info({ url, accounts: ingress.registry.size, ...infrastructure.mode }, 'ingress listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    ingress,
    infrastructure,
    close: () => {
      closing ??= (async () => {
        await server.close();
        try {
          await ingress.close();
        } finally {
          if (ownsInfrastructure) await infrastructure.close();
          if (options.telemetry === undefined) await telemetry.shutdown();
        }
      })();
      return closing;
    },
  };
}

/** The container entrypoint (`mpstack run ingress`): config from the environment, stop on SIGTERM/SIGINT. */
export async function runIngress(env: Environment): Promise<void> {
  const config = loadIngressConfig(env);
  const logger = createLogger({ service: 'ingress', level: config.logLevel });
  const running = await startIngress({ config, logger });
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
