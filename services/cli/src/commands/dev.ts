import { join } from 'node:path';
import { createConsoleUser, loadAdminConfig, recordAudit, startAdmin } from '@mpstack/admin';
import { loadBusinessConfig, startBusiness } from '@mpstack/business';
import type { Environment } from '@mpstack/common/config';
import { describeMysqlTarget, mysqlTarget } from '@mpstack/common/db';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import { createLogger, type Logger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import { loadIngressConfig, startIngress } from '@mpstack/ingress';
import { loadLogConfig, type RunningLog, startLog } from '@mpstack/log';
import {
  loadSimulatorsConfig,
  type RunningSimulator,
  type SimulatorsConfig,
  startConfiguredSimulator,
} from '@mpstack/simulators';
import { createDemoMenu, demoAccount, demoSeed, demoSimAccount } from '../dev/demo-account.js';
import { startDevWorker } from '../dev/dev-worker.js';
import { type ScaleSettings, startScaledIngress } from '../dev/scaled-ingress.js';
import { seed, seedFromFile } from '../seed/seed.js';

export interface DevOptions {
  /** `--ingress-port`; when absent, MPSTACK_INGRESS_PORT, else 8080. */
  readonly ingressPort?: number;
  /** `--simulator-port`; when absent, MPSTACK_SIMULATORS_PORT, else 9090. */
  readonly simulatorPort?: number;
  /** The log service's port; when absent, MPSTACK_LOG_PORT, else 8087 (0 = any free port). */
  readonly logPort?: number;
  /** The business service's port; when absent, MPSTACK_BUSINESS_PORT, else 8083 (0 = any free port). */
  readonly businessPort?: number;
  /** The console's port; when absent, MPSTACK_ADMIN_PORT, else 8086 (0 = any free port). */
  readonly adminPort?: number;
  /** `--scale auto`: ingress copies as processes, scaled on their request rates. */
  readonly scale?: ScaleSettings;
  /**
   * The simulator mailbox's SMTP port; when absent, MPSTACK_SIM_SMTP_PORT, else 8025 — or any
   * free port when the simulator's port is 0.
   */
  readonly smtpPort?: number;
  /** `--send-summary`: e-mail today's summary so far once everything runs (it lands in the mailbox). */
  readonly sendSummary?: boolean;
}

export interface RunningDev {
  readonly urls: Readonly<Record<string, string>>;
  /** Lines for the start-up banner beyond the URLs (what runs where, what nothing consumes yet). */
  readonly notes: readonly string[];
  /** Process ids of the child processes (the ingress copies of `--scale auto`; none otherwise). */
  childPids(): readonly number[];
  close(): Promise<void>;
}

/**
 * A listen error as the user can act on it: which port, what wanted it and how to choose
 * another; anything else unchanged.
 */
export function explainListenError(error: unknown, what: string, port: number, host: string, change: string): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return error;
  return new AppError(
    ErrorCode.configInvalid,
    `port ${port} on ${host} (${what}) is already in use: stop what listens there or choose another port with ${change}`,
    { cause: error },
  );
}

/**
 * `mpstack dev`: the whole platform on this machine. With no MPSTACK_*_URL set it runs on
 * the embedded default (SQLite in .mpstack/, in-process cache and queue), seeds the demo
 * account and wires it to the WeChat simulator and its phone page. If any part fails to
 * start, the parts already started are closed before the error is thrown.
 */
export async function startDev(env: Environment, options: DevOptions): Promise<RunningDev> {
  const config = loadIngressConfig(
    options.ingressPort === undefined ? env : { ...env, MPSTACK_INGRESS_PORT: String(options.ingressPort) },
  );
  const simulatorsConfig = loadSimulatorsConfig(env);
  const simulatorPort = options.simulatorPort ?? simulatorsConfig.port;
  const smtpPort = options.smtpPort ?? (simulatorPort === 0 ? 0 : simulatorsConfig.smtpPort);
  const httpsPort = simulatorPort === 0 ? 0 : simulatorsConfig.httpsPort;
  const logger = createLogger({ service: 'dev', level: config.logLevel });
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => logger.warn({ err: error }, 'close step failed'));
    }
  };
  try {
    const infrastructure = await openInfrastructure({ service: 'dev', ...config, migrate: true }, logger);
    closers.push(() => infrastructure.close());
    await seedDev(env, infrastructure, logger);
    const ingressChange = '--ingress-port or MPSTACK_INGRESS_PORT';
    const ingress = await (options.scale === undefined
      ? startIngress({ config, logger: logger.child({ component: 'ingress' }), infrastructure })
      : startScaledIngress(env, { port: config.port, host: config.host }, options.scale, logger)
    ).catch((error: unknown) => {
      throw explainListenError(error, 'the webhook', config.port, config.host, ingressChange);
    });
    closers.push(() => ingress.close());
    const simulator = await startDevSimulator(
      {
        ...simulatorsConfig,
        host: config.host,
        ingressBaseUrl: ingress.url,
        port: simulatorPort,
        smtpPort,
        httpsPort,
        dataDir: config.dataDir,
      },
      config.host,
    );
    closers.push(() => simulator.close());
    await createDemoMenu(simulator.url);
    const log = await startDevLog(env, options, infrastructure, simulator, logger);
    closers.push(() => log.close());
    const { summary } = log;
    // A finished push's e-mail goes to the simulator's mailbox too, unless an SMTP server of one's own is set.
    const pushMailToSimulator =
      (env['MPSTACK_SMTP_URL'] ?? '') === '' && simulator.smtp !== undefined
        ? {
            MPSTACK_SMTP_URL: simulator.smtp.url,
            MPSTACK_OPERATOR_EMAIL: env['MPSTACK_OPERATOR_EMAIL'] ?? 'ops@mpstack.local',
          }
        : {};
    const business = await startBusinessPart(
      { MPSTACK_WECHAT_API_BASES: simulator.url, ...env, ...pushMailToSimulator },
      options,
      infrastructure,
      logger,
    );
    closers.push(() => business.close());
    const stopWorker = await startDevWorker({
      queue: infrastructure.queue,
      partitions: config.partitions,
      logger: logger.child({ component: 'dev-worker' }),
      businessUrl: business.url,
    });
    closers.push(stopWorker);
    if ('announceFrom' in ingress) ingress.announceFrom(business.url);
    // The console calls the log and business services started here, whatever ports they got (unless told otherwise).
    const consoleEnv = {
      ...env,
      MPSTACK_LOG_URL: env['MPSTACK_LOG_URL'] ?? log.url,
      MPSTACK_BUSINESS_URL: env['MPSTACK_BUSINESS_URL'] ?? business.url,
    };
    const { admin, demoAdmin } = await startConsole(consoleEnv, options, infrastructure, logger);
    closers.push(async () => {
      const failed = await admin.close();
      if (failed.length > 0) throw new Error(`admin close failed: ${failed.join(', ')}`);
    });
    const notes: string[] = [
      `the simulator's HTTPS CA (NODE_EXTRA_CA_CERTS or curl --cacert):\n${simulator.https?.caPem}`,
    ];
    if (options.sendSummary === true) notes.push(await sendSummaryNow(summary, simulator.url));
    return {
      urls: devUrls({ admin, demoAdmin, simulator, ingress, log, business, config, infrastructure }),
      notes,
      childPids: () => ('pids' in ingress ? ingress.pids() : []),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The URLs (and sign-in) `mpstack dev` prints, from what it started. */
function devUrls(parts: {
  admin: { url: string };
  demoAdmin: { username: string; password: string };
  simulator: Awaited<ReturnType<typeof startDevSimulator>>;
  ingress: { url: string };
  log: { url: string };
  business: { url: string };
  config: ReturnType<typeof loadIngressConfig>;
  infrastructure: { mode: { database: string; cache: string; queue: string } };
}): Record<string, string> {
  const { admin, demoAdmin, simulator, ingress, log, business, config, infrastructure } = parts;
  return {
    'console (admin)': `${admin.url}/admin/`,
    'console sign-in (demo super-admin)': `${demoAdmin.username} / ${demoAdmin.password}`,
    'phone (chat with the demo account)': `${simulator.url}/phone`,
    'webhook (demo account)': `${ingress.url}/wx/${demoAccount.id}`,
    'ingress health / metrics': `${ingress.url}/readyz  ${ingress.url}/metrics`,
    'WeChat API simulator': simulator.url,
    'WeChat API simulator over HTTPS (trust its CA)': `${simulator.https?.url}  CA: ${simulator.https?.caFile}`,
    'mailbox (e-mails the platform sent)': `${simulator.url}/mailbox`,
    'log service (query API, health)': `${log.url}/readyz`,
    'business service (sends, pushes, mass sends API)': `${business.url}/api/pushes`,
    data:
      config.databaseUrl === undefined
        ? join(config.dataDir, 'mpstack.db')
        : describeMysqlTarget(mysqlTarget(config.databaseUrl)),
    mode: `${infrastructure.mode.database}, cache ${infrastructure.mode.cache}, queue ${infrastructure.mode.queue}`,
  };
}

/**
 * The WeChat simulator for the demo account, as `mpstack run simulators` starts it: its API
 * and phone page, the mailbox's SMTP port, the HTTPS listener (CA to `<data dir>/simulator-ca.pem`)
 * and the api2 host when `MPSTACK_SIMULATORS_API2_PORT` is set.
 */
async function startDevSimulator(config: SimulatorsConfig, host: string): Promise<RunningSimulator> {
  return startConfiguredSimulator(config, { accounts: [demoSimAccount] }).catch((error: unknown) => {
    throw explainListenError(
      error,
      'the WeChat simulator and phone page, or its mailbox',
      config.port,
      host,
      `--simulator-port or MPSTACK_SIMULATORS_PORT (the mailbox's SMTP port ${config.smtpPort}: MPSTACK_SIM_SMTP_PORT; HTTPS ${config.httpsPort}: MPSTACK_SIMULATORS_HTTPS_PORT; api2 ${config.api2Port ?? 'none'}: MPSTACK_SIMULATORS_API2_PORT)`,
    );
  });
}

/**
 * The log service on the same ports (the in-process queue in embedded mode): message log,
 * rollups, query API, files. Its daily summary goes to the simulator's mailbox (whose page
 * can ask for one) unless an SMTP server of one's own is set.
 */
async function startDevLog(
  env: Environment,
  options: DevOptions,
  infrastructure: Infrastructure,
  simulator: RunningSimulator,
  logger: Logger,
): Promise<RunningLog> {
  const mailToSimulator = (env['MPSTACK_SMTP_URL'] ?? '') === '' && simulator.smtp !== undefined;
  const logConfig = loadLogConfig({
    ...env,
    ...(options.logPort === undefined ? {} : { MPSTACK_LOG_PORT: String(options.logPort) }),
    ...(mailToSimulator
      ? {
          MPSTACK_SMTP_URL: simulator.smtp?.url,
          MPSTACK_SUMMARY_TO: env['MPSTACK_SUMMARY_TO'] ?? 'ops@mpstack.local',
        }
      : {}),
  });
  const log = await startLog({ config: logConfig, logger: logger.child({ component: 'log' }), infrastructure }).catch(
    (error: unknown) => {
      throw explainListenError(error, 'the log service', logConfig.port, logConfig.host, 'MPSTACK_LOG_PORT');
    },
  );
  const { summary } = log;
  if (mailToSimulator && summary !== undefined) {
    simulator.mailbox.sendSummary = async () => (await summary.sendNow('today')).subject;
  }
  return log;
}

/** `--send-summary`: today's summary so far, e-mailed now; the banner says where to read it. */
async function sendSummaryNow(summary: RunningLog['summary'], simulatorUrl: string): Promise<string> {
  if (summary === undefined)
    return 'no summary sent: set MPSTACK_SUMMARY_TO (and MPSTACK_SMTP_URL) for the log service';
  try {
    const sent = await summary.sendNow('today');
    return `today's summary e-mailed ("${sent.subject}"): ${simulatorUrl}/mailbox`;
  } catch (error) {
    return `today's summary could not be sent: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The demo account, then `MPSTACK_SEED_FILE`'s accounts, through the admin service's writes (announced to the replicas). */
async function seedDev(env: Environment, infrastructure: Infrastructure, logger: Logger): Promise<void> {
  const { db, coordination } = infrastructure;
  const deps = {
    db,
    audit: recordAudit,
    publish: (channel: string, payload: string) => coordination.publish(channel, payload),
    logger,
  };
  await seed(deps, demoSeed);
  const seedFile = env['MPSTACK_SEED_FILE'];
  if (seedFile !== undefined && seedFile !== '') await seedFromFile(deps, seedFile);
}

/** The business service (outbound sends, pushes, mass sends, receipts) on the shared ports. */
async function startBusinessPart(
  env: Environment,
  options: DevOptions,
  infrastructure: Infrastructure,
  logger: Logger,
) {
  const config = loadBusinessConfig(
    options.businessPort === undefined ? env : { ...env, MPSTACK_BUSINESS_PORT: String(options.businessPort) },
  );
  return startBusiness({ config, logger: logger.child({ component: 'business' }), infrastructure }).catch(
    (error: unknown) => {
      throw explainListenError(error, 'the business service', config.port, config.host, 'MPSTACK_BUSINESS_PORT');
    },
  );
}

/** The console with its demo super-admin 'admin': a fresh password at each start, for the banner (development only). */
async function startConsole(env: Environment, options: DevOptions, infrastructure: Infrastructure, logger: Logger) {
  const adminConfig = loadAdminConfig(
    options.adminPort === undefined ? env : { ...env, MPSTACK_ADMIN_PORT: String(options.adminPort) },
  );
  const admin = await startAdmin({
    config: adminConfig,
    logger: logger.child({ component: 'admin' }),
    infrastructure,
  }).catch((error: unknown) => {
    throw explainListenError(error, 'the console', adminConfig.port, adminConfig.host, 'MPSTACK_ADMIN_PORT');
  });
  try {
    const demoAdmin = await createConsoleUser(infrastructure.db, {
      username: 'admin',
      role: 'super-admin',
      displayName: 'Demo admin',
      reset: true,
    });
    return { admin, demoAdmin };
  } catch (error) {
    await admin.close();
    throw error;
  }
}
