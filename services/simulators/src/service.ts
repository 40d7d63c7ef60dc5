import { join } from 'node:path';
import { commonEnvSchema, type Environment, intFromEnv, loadConfig } from '@mpstack/common/config';
import { createLogger } from '@mpstack/common/logging';
import { z } from 'zod';
import { type RunningSimulator, type StartSimulatorOptions, startSimulator } from './main.js';

const simulatorsEnvSchema = commonEnvSchema.extend({
  MPSTACK_SIMULATORS_PORT: intFromEnv(9090, 0, 65535),
  /** The ingress the phone and the API's events post to (`<url>/wx/<account id>`). */
  MPSTACK_SIMULATORS_INGRESS_URL: z.url().default('http://127.0.0.1:8080'),
  /** The mailbox's SMTP server (the platform's MPSTACK_SMTP_URL points here in development). */
  MPSTACK_SIM_SMTP_PORT: intFromEnv(8025, 0, 65535),
  /** The simulator's HTTPS listener (certificate and CA made at start). */
  MPSTACK_SIMULATORS_HTTPS_PORT: intFromEnv(9443, 0, 65535),
  /** A second API host standing for api2.weixin.qq.com (failover tests); none when unset. */
  MPSTACK_SIMULATORS_API2_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Delivery receipts (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH) pushed at once to the ingress. */
  MPSTACK_SIMULATORS_DELIVERY_CONCURRENCY: intFromEnv(32, 1, 4096),
});

export interface SimulatorsConfig {
  readonly logLevel: string;
  readonly port: number;
  readonly host: string;
  readonly ingressBaseUrl: string;
  readonly smtpPort: number;
  readonly httpsPort: number;
  readonly api2Port: number | undefined;
  /** Delivery receipts in flight at once. */
  readonly deliveryConcurrency: number;
  /** The HTTPS listener's CA is written to `<dataDir>/simulator-ca.pem`. */
  readonly dataDir: string;
}

/** The only place the simulators read the environment. */
export function loadSimulatorsConfig(env: Environment): SimulatorsConfig {
  const e = loadConfig(simulatorsEnvSchema, env);
  return Object.freeze({
    logLevel: e.MPSTACK_LOG_LEVEL,
    port: e.MPSTACK_SIMULATORS_PORT,
    host: e.MPSTACK_HOST,
    ingressBaseUrl: e.MPSTACK_SIMULATORS_INGRESS_URL,
    smtpPort: e.MPSTACK_SIM_SMTP_PORT,
    httpsPort: e.MPSTACK_SIMULATORS_HTTPS_PORT,
    api2Port: e.MPSTACK_SIMULATORS_API2_PORT,
    deliveryConcurrency: e.MPSTACK_SIMULATORS_DELIVERY_CONCURRENCY,
    dataDir: e.MPSTACK_DATA_DIR,
  });
}

/** What a caller gives besides the configuration: the accounts to simulate (and a test's clock …). */
export type SimulatedAccounts = Omit<
  StartSimulatorOptions,
  'port' | 'host' | 'ingressBaseUrl' | 'smtpPort' | 'httpsPort' | 'caFile' | 'api2Port' | 'deliveryConcurrency'
>;

/**
 * Starts the simulator with every listener its configuration names — the API and phone page,
 * the api2 host, HTTPS (its CA written to `<dataDir>/simulator-ca.pem`) and the mailbox's
 * SMTP server: the one path of `mpstack dev` and `mpstack run simulators`.
 */
export function startConfiguredSimulator(
  config: SimulatorsConfig,
  options: SimulatedAccounts,
): Promise<RunningSimulator> {
  const start: StartSimulatorOptions = {
    ...options,
    port: config.port,
    host: config.host,
    ingressBaseUrl: config.ingressBaseUrl,
    smtpPort: config.smtpPort,
    httpsPort: config.httpsPort,
    caFile: join(config.dataDir, 'simulator-ca.pem'),
    deliveryConcurrency: config.deliveryConcurrency,
    ...(config.api2Port === undefined ? {} : { api2Port: config.api2Port }),
  };
  return startSimulator(start);
}

export interface RunSimulatorsOptions {
  /** Ends the process (tests pass a recorder); `process.exit` when absent. */
  readonly exit?: (code: number) => void;
}

/**
 * `mpstack run simulators`: {@link startConfiguredSimulator} from the environment; on SIGTERM
 * or SIGINT it stops taking requests, waits for the pending event pushes and exits 0 (1 when
 * closing failed); a second signal exits 1 at once.
 */
export async function runSimulators(
  env: Environment,
  options: SimulatedAccounts,
  { exit = (code) => process.exit(code) }: RunSimulatorsOptions = {},
): Promise<RunningSimulator> {
  const config = loadSimulatorsConfig(env);
  const logger = createLogger({ service: 'simulators', level: config.logLevel });
  const running = await startConfiguredSimulator(config, options);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal while closing; exiting now');
      exit(1);
      return;
    }
    signalled = true;
    logger.info({ signal }, 'stopping');
    void running.close().then(
      () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        logger.info({}, 'stopped');
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stopped with failures');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  logger.info(
    {
      url: running.url,
      hosts: running.hosts,
      https: running.https?.url,
      caFile: running.https?.caFile,
      smtp: running.smtp?.url,
      ingress: config.ingressBaseUrl,
      accounts: options.accounts.map((a) => a.id),
    },
    'simulators listening',
  );
  return running;
}
