import type { Environment } from '@mpstack/common/config';
import {
  decodeInvalidation,
  invalidationChannels,
  outboundDeclarations,
  receiptsDeclaration,
} from '@mpstack/common/contracts';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import { errorResponse, type ReadinessDetail } from '@mpstack/common/http';
import type { Logger } from '@mpstack/common/logging';
import { accessEvents, type Infrastructure, LogSink, openInfrastructure } from '@mpstack/common/runtime';
import { type RunningService, runService, type ServiceDefinition, startComposed } from '@mpstack/common/shell';
import type { Telemetry } from '@mpstack/common/telemetry';
import express, { type ErrorRequestHandler } from 'express';
import { sql } from 'kysely';
import { AccountExistence } from './accounts/account-existence.js';
import { createApiRouter } from './api.router.js';
import { type BusinessConfig, expectedRateOf, loadBusinessConfig } from './config.js';
import { AccountHealth } from './console/account-health.js';
import { createConsoleApiRouter } from './console/console.router.js';
import { KefuRepository } from './kefu/kefu.repository.js';
import { createKefuRouter } from './kefu/kefu.router.js';
import { KefuService } from './kefu/kefu.service.js';
import { KefuWorker } from './kefu/kefu-worker.js';
import { failureReportUrl, PushMailer, pushFinishedMail } from './mail/push-mail.js';
import { MassRepository } from './mass/mass.repository.js';
import { MassService } from './mass/mass.service.js';
import { PushRepository } from './pushes/push.repository.js';
import { PushService } from './pushes/push.service.js';
import type { PushJob } from './pushes/push.types.js';
import { PushWorker } from './pushes/push-worker.js';
import { ReceiptRepository } from './receipts/receipt.repository.js';
import { ReceiptConsumer } from './receipts/receipt-consumer.js';
import { Scheduler } from './scheduler.js';
import { SendRepository } from './sends/send.repository.js';
import { SendService } from './sends/send.service.js';
import { SendWorker } from './sends/send-worker.js';
import { TemplateCatalog } from './templates/template-catalog.js';
import type { AccountClient } from './wechat/account-client.js';
import { createOutboundClient } from './wechat/client-api.js';
import type { OutboundApi } from './wechat/outbound-api.js';
import { recordingSends, type SendEventSink } from './wechat/send-events.js';

export interface BusinessServiceOptions {
  /** Shared infrastructure (`mpstack dev`); not closed here. */
  readonly infrastructure?: Infrastructure;
  /** How WeChat is called; by default the shared client of `@mpstack/common/wechat-api`. */
  readonly api?: OutboundApi;
  readonly clock?: () => number;
  /** Start the workers (default); a process may serve the API only. */
  readonly workers?: boolean;
  readonly onComposed?: (built: BusinessParts) => void;
}

export interface BusinessParts {
  readonly infrastructure: Infrastructure;
  readonly pushService: PushService;
  readonly pushes: PushRepository;
  readonly sendService: SendService;
  readonly sends: SendRepository;
  readonly kefuService: KefuService;
  readonly kefu: KefuRepository;
  readonly mass: MassService;
  readonly scheduler: Scheduler;
  readonly pushWorker: PushWorker | undefined;
  readonly templates: TemplateCatalog;
  readonly health: AccountHealth;
}

/** Longest a request (an upload of recipients) may take to arrive. */
const uploadTimeoutMs = 30 * 60_000;

/**
 * The business service (the outbound part of issue 11): the send / push / mass API, the
 * workers that execute them from RabbitMQ, the receipt consumer, and the scheduler. Its port
 * serves `/api/*` besides `/healthz`, `/readyz`, `/metrics`.
 */
export function businessService(options: BusinessServiceOptions = {}): ServiceDefinition<BusinessConfig> {
  return {
    name: 'business',
    config: loadBusinessConfig,
    async compose({ config, logger, telemetry, onClose }) {
      let infrastructure = options.infrastructure;
      if (infrastructure === undefined) {
        const own = await openInfrastructure({ service: 'business', ...config, migrate: true }, logger);
        onClose('infrastructure', () => own.close());
        infrastructure = own;
      }
      const { queue } = infrastructure;
      await queue.declare([...outboundDeclarations, receiptsDeclaration]).catch((error: unknown) => {
        logger.warn({ err: error }, 'outbound queues not declared yet (broker unavailable)');
      });
      // One log sink for the API's access events and the sends' and receipts' events: registered
      // before the workers, so it closes (publishing what it holds) after they have drained. A
      // broker outage delays no request and no send: past 50,000 held events the oldest are
      // dropped (and counted).
      const sink = new LogSink({ queue, logger, meter: telemetry.meter, maxBuffered: 50_000, declareQueue: true });
      sink.start();
      onClose('log events', () => sink.close());
      const parts = await composeParts(config, infrastructure, options, { logger, telemetry, onClose, sink });
      const { pushService, pushes, sendService, sends, kefuService, kefu, mass, templates, health } = parts;
      options.onComposed?.(parts);
      const app = express();
      app.disable('x-powered-by');
      const checkTemplate = templates.check.bind(templates);
      // One access event per API request to the log service's access file, batched.
      app.use('/api', accessEvents({ sink, service: 'business', prefix: '/api' }));
      app.use('/api', createApiRouter({ pushService, pushes, sendService, sends, mass, checkTemplate }));
      app.use('/api', createKefuRouter({ kefuService, kefu }));
      app.use('/api', createConsoleApiRouter({ templates, health }));
      app.use((_req, _res, next) => next(new AppError(ErrorCode.notFound, 'no such route')));
      app.use(errorHandler(logger));
      return {
        listen: { port: config.port, host: config.host },
        app,
        // A 1,000,000-row upload is read as it is stored: minutes under load, past Node's 300 s.
        requestTimeoutMs: uploadTimeoutMs,
        ready: async () => ({ queue: queue.isConnected(), database: await databaseReadiness(infrastructure) }),
        describe: { ...infrastructure.mode, workers: options.workers !== false },
      };
    },
  };
}

interface ShellParts {
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly onClose: (name: string, run: () => Promise<void>) => void;
  /** The service's log events (access, sends, receipts). */
  readonly sink: SendEventSink;
}

async function composeParts(
  config: BusinessConfig,
  infrastructure: Infrastructure,
  options: BusinessServiceOptions,
  { logger, telemetry, onClose, sink }: ShellParts,
): Promise<BusinessParts> {
  const clock = options.clock ?? Date.now;
  const { db, queue } = infrastructure;
  let api = options.api;
  let client: AccountClient | undefined;
  if (api === undefined) {
    const built = createOutboundClient(config.wechat, db, infrastructure.coordination, telemetry, logger);
    onClose('wechat client', () => built.client.close());
    api = built.api;
    client = built.accounts;
  }
  const existence = new AccountExistence({ db });
  const forget = (account: string) => {
    client?.forget(account);
    existence.forget(account);
  };
  onClose('account invalidation', await followAccountChanges(infrastructure, forget, logger));
  // Every send attempt becomes a `send` log event (the dashboard's sends per minute).
  api = recordingSends(api, sink, clock);
  const accountExists = (account: string) => existence.exists(account);
  const pushes = new PushRepository(db);
  const sends = new SendRepository(db);
  const receipts = new ReceiptRepository(db);
  const sendService = new SendService({ sends, queue, clock, accountExists });
  const kefu = new KefuRepository(db);
  const kefuService = new KefuService({ kefu, queue, clock, accountExists });
  const pushService = new PushService({
    pushes,
    queue,
    sends: sendService,
    clock,
    chunkSize: config.push.chunkSize,
    maxRecipients: config.push.maxRecipients,
    accountExists,
    expectedRate: config.push.expectedRate,
    ...(client === undefined ? {} : { expectedRateOf: accountExpectedRate(client, config.push.unlimitedRate) }),
  });
  const mass = new MassService({
    mass: new MassRepository(db),
    api,
    clock,
    logger,
    accountType: (account) => config.accountTypes[account] ?? 'service',
    accountExists,
    ...(client === undefined ? {} : { tagExists: tagLookup(client) }),
  });
  const templates = new TemplateCatalog({ db, client, clock });
  const health = new AccountHealth({ client, rates: config.wechat.rates, accountExists, now: clock });
  const mailer = new PushMailer(config.mail, logger);
  onClose('mailer', async () => mailer.close());
  const onFinished = async (push: PushJob) => {
    if (!(await pushes.markNotified(push.id, clock()))) return;
    const report = failureReportUrl(
      { consoleUrl: config.consoleUrl, publicUrl: config.publicUrl, listen: `http://${config.host}:${config.port}` },
      push.id,
    );
    await mailer.send(pushFinishedMail(push, await pushes.counts(push.id), report));
  };
  const scheduler = new Scheduler({
    pushes,
    pushService,
    sends,
    sendService,
    mass,
    kefu: { repository: kefu, service: kefuService },
    queue,
    logger,
    clock,
    tickMs: config.tickMs,
    stallMs: config.push.stallMs,
  });
  const pushWorker =
    options.workers === false
      ? undefined
      : await startWorkers(
          config,
          { infrastructure, api, client, pushes, sends, kefu, receipts, scheduler, onFinished, clock },
          { logger, telemetry, onClose, sink },
        );
  return {
    ...{ infrastructure, pushService, pushes, sendService, sends, kefuService, kefu },
    ...{ mass, scheduler, pushWorker, templates, health },
  };
}

/**
 * Hears the console's account changes (created, AppID edited, disabled, AppSecret replaced) as
 * every ingress replica does, on the accounts invalidation channel, and drops what is cached of
 * the account (its AppID, limits and existence); the AppSecret itself is read from `accounts` at
 * each token fetch. Returns the unsubscribe.
 */
async function followAccountChanges(
  infrastructure: Infrastructure,
  forget: (account: string) => void,
  logger: Logger,
): Promise<() => Promise<void>> {
  return infrastructure.coordination.subscribe(invalidationChannels.accounts, (payload) => {
    try {
      forget(decodeInvalidation(payload));
    } catch (error) {
      logger.warn({ err: error }, 'account invalidation ignored');
    }
  });
}

/** An account's push rate: its template bucket (its own, else the deployment's), else the expected rate. */
function accountExpectedRate(client: AccountClient, unlimitedRate: number) {
  return async (account: string) =>
    expectedRateOf((await client.client.ratesOf(await client.appIdOf(account))).template, unlimitedRate);
}

/** An account's template sends per second (its own bucket, else the deployment's); undefined when off. */
function templateRate(client: AccountClient) {
  return async (account: string) => {
    const rate = (await client.client.ratesOf(await client.appIdOf(account))).template;
    return rate === 'off' ? undefined : rate.perSecond;
  };
}

/** A mass send's tag checked against the account's tags on WeChat (`tags/get`) before it is accepted. */
function tagLookup(client: AccountClient) {
  return async (account: string, tagId: number) =>
    (await client.client.getTags(await client.appIdOf(account))).some((tag) => tag.id === tagId);
}

interface WorkerDeps {
  readonly infrastructure: Infrastructure;
  readonly api: OutboundApi;
  /** The shared client (the accounts' rates); undefined with an injected API. */
  readonly client: AccountClient | undefined;
  readonly pushes: PushRepository;
  readonly sends: SendRepository;
  readonly kefu: KefuRepository;
  readonly receipts: ReceiptRepository;
  readonly scheduler: Scheduler;
  readonly onFinished: (push: PushJob) => Promise<void>;
  readonly clock: () => number;
}

/** The consumers (receipts, single sends, push tickets) and the scheduler, each closed with the service. */
async function startWorkers(
  config: BusinessConfig,
  { infrastructure, api, client, pushes, sends, kefu, receipts, scheduler, onFinished, clock }: WorkerDeps,
  { logger, telemetry, onClose, sink }: ShellParts,
): Promise<PushWorker> {
  const { queue } = infrastructure;
  const pushWorker = new PushWorker({
    pushes,
    receipts,
    api,
    queue,
    logger,
    meter: telemetry.meter,
    clock,
    settings: { prefetch: config.push.prefetch, batchSize: config.push.batchSize, leaseMs: config.push.leaseMs },
    onFinished,
    ...(client === undefined ? {} : { templateRateOf: templateRate(client) }),
  });
  const sendWorker = new SendWorker({ sends, api, queue, logger, prefetch: config.sendPrefetch, clock });
  // The same prefetch: the kefu bucket paces the calls in hand, as the template bucket does single sends.
  const kefuWorker = new KefuWorker({ kefu, api, queue, logger, prefetch: config.sendPrefetch, clock });
  const receiptConsumer = new ReceiptConsumer({
    queue,
    receipts,
    logger,
    meter: telemetry.meter,
    prefetch: config.receiptPrefetch,
    events: sink,
  });
  await receiptConsumer.start();
  onClose('receipts', () => receiptConsumer.close());
  await sendWorker.start();
  onClose('send worker', () => sendWorker.close());
  await kefuWorker.start();
  onClose('kefu worker', () => kefuWorker.close());
  await pushWorker.start();
  onClose('push worker', () => pushWorker.close());
  scheduler.start();
  onClose('scheduler', () => scheduler.close());
  return pushWorker;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const type = (error as { type?: unknown } | null)?.type;
    const normalized =
      type === 'entity.too.large'
        ? new AppError(ErrorCode.bodyTooLarge, 'request body too large')
        : type === 'entity.parse.failed'
          ? new AppError(ErrorCode.badRequest, 'malformed JSON body')
          : error;
    const { status, body } = errorResponse(normalized);
    if (status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json(body);
  };
}

async function databaseReadiness(infrastructure: Infrastructure): Promise<ReadinessDetail> {
  try {
    await sql`SELECT 1`.execute(infrastructure.db);
    return { ok: true, detail: 'reachable' };
  } catch (error) {
    return { ok: false, detail: `database unreachable: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export interface StartBusinessOptions extends Omit<BusinessServiceOptions, 'onComposed'> {
  readonly config: BusinessConfig;
  readonly logger?: Logger;
  readonly telemetry?: Telemetry;
}

export interface RunningBusiness extends BusinessParts {
  readonly url: string;
  readonly service: RunningService;
  close(): Promise<void>;
}

/** Starts the business service in this process through the shell (`mpstack dev`, tests). */
export async function startBusiness(options: StartBusinessOptions): Promise<RunningBusiness> {
  const { built, url, service, close } = await startComposed(
    (onComposed: (built: BusinessParts) => void) => businessService({ ...options, onComposed }),
    options.config,
    options,
  );
  return { ...built, url, service, close };
}

/** The container entrypoint (`mpstack run business`). */
export async function runBusiness(env: Environment): Promise<void> {
  await runService(businessService(), env);
}
