import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  decodeInvalidation,
  inboundQueues,
  invalidationChannels,
  logEventsDeclaration,
  receiptsDeclaration,
  ServiceWindowRecorder,
} from '@mpstack/common/contracts';
import { createHttpApp, type FastHandler, type ReadinessCheck, type ReadinessDetail } from '@mpstack/common/http';
import type { Logger } from '@mpstack/common/logging';
import type { CoordinationPort, QueuePort } from '@mpstack/common/ports';
import { LogSink } from '@mpstack/common/runtime';
import type { Telemetry } from '@mpstack/common/telemetry';
import { createAccountStatusRouter } from './account-status/account-status.router.js';
import { createAccountStatusService } from './account-status/account-status.service.js';
import type { AccountStatusRepository } from './account-status/account-status.types.js';
import type { AccountSource } from './accounts/account.types.js';
import { AccountRegistry } from './accounts/account-registry.js';
import { IngressMetrics } from './metrics.js';
import type { FastPathPlugin, ReplyRule } from './rules/rule.types.js';
import { RuleCache } from './rules/rule-cache.js';
import { Forwarder } from './slowpath/forwarder.js';
import { ReceiptGroups } from './slowpath/receipt-groups.js';
import { DiskSpool } from './spool/disk-spool.js';
import type { SpoolHandover } from './spool/handover.js';
import { createWebhookHandler, type WebhookSettings } from './webhook/webhook-handler.js';

export interface IngressDeps {
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly coordination: CoordinationPort;
  readonly queue: QueuePort;
  readonly loadAccounts: () => Promise<readonly AccountSource[]>;
  readonly loadRules: (accountId: string) => Promise<readonly ReplyRule[]>;
  readonly settings: WebhookSettings;
  readonly spoolDir: string;
  /** Storage that outlives the pod for a spool the broker cannot take at shutdown (see {@link Forwarder}). */
  readonly handover?: SpoolHandover;
  /** On shutdown, how long the spool is offered to the broker before it is handed over. */
  readonly shutdownDrainMs?: number;
  readonly plugins?: readonly FastPathPlugin[];
  readonly clock?: () => number;
  /** Extra readiness checks (e.g. the database). */
  readonly readiness?: () => Promise<Readonly<Record<string, boolean>>>;
  /** Stored accounts for `GET /api/accounts` (the database); the route is absent without it. */
  readonly accountStatus?: AccountStatusRepository;
}

export interface Ingress {
  readonly fastHandler: FastHandler;
  readonly app: (request: IncomingMessage, response: ServerResponse) => void;
  readonly registry: AccountRegistry;
  readonly rules: RuleCache;
  readonly forwarder: Forwarder;
  readonly logSink: LogSink;
  /** What `/readyz` reports: cache, queue (or the spool), accounts loaded, extra checks. */
  readonly readiness: ReadinessCheck;
  /** Loads accounts, declares queues, subscribes to invalidations, starts background loops. */
  start(): Promise<void>;
  /**
   * Stops background work and flushes; the caller closes the server first. Rejects when
   * spooled messages could be neither forwarded nor handed over (the files are kept).
   */
  close(): Promise<void>;
}

/** Builds the ingress from its dependencies; nothing happens until `start`. */
export function createIngress(deps: IngressDeps): Ingress {
  const registry = new AccountRegistry({ load: deps.loadAccounts, logger: deps.logger });
  const rules = new RuleCache({ load: deps.loadRules, logger: deps.logger });
  const forwarder = new Forwarder({
    queue: deps.queue,
    spool: new DiskSpool(deps.spoolDir),
    logger: deps.logger,
    ...(deps.handover === undefined ? {} : { handover: deps.handover }),
    ...(deps.shutdownDrainMs === undefined ? {} : { shutdownDrainMs: deps.shutdownDrainMs }),
  });
  const metrics = new IngressMetrics(deps.telemetry.meter);
  const receiptGroups = receiptGroupsOf(deps, forwarder, metrics);
  const logSink = new LogSink({ queue: deps.queue, logger: deps.logger, meter: deps.telemetry.meter });
  const serviceWindows = windowRecorder(deps);
  const unsubscribers: Array<() => Promise<void>> = [];
  let reloadTimer: NodeJS.Timeout | undefined;
  const fastHandler = createWebhookHandler({
    registry,
    rules,
    plugins: deps.plugins ?? [],
    coordination: deps.coordination,
    serviceWindows,
    forwarder,
    receiptGroups,
    logSink,
    metrics,
    logger: deps.logger,
    tracer: deps.telemetry.tracer,
    settings: deps.settings,
    clock: deps.clock ?? Date.now,
  });
  // The broker being down does not make the ingress unready while the spool can take the
  // slow path's messages: taking every replica out of the Service would turn a broker
  // outage the spool was built for into WeChat seeing no server at all.
  const readiness: ReadinessCheck = async () => ({
    cache: await deps.coordination.ping(),
    queue: deps.queue.isConnected() ? true : await spoolReadiness(forwarder),
    accounts: registry.size > 0,
    ...(await deps.readiness?.()),
  });
  const { accountStatus } = deps;
  const app = createHttpApp({
    service: 'ingress',
    logger: deps.logger,
    metricsHandler: deps.telemetry.metricsHandler,
    readiness,
    ...(accountStatus === undefined
      ? {}
      : {
          routes: (express) => {
            const service = createAccountStatusService({ repository: accountStatus, served: registry });
            express.use('/api/accounts', createAccountStatusRouter(service));
          },
        }),
  });
  return {
    fastHandler,
    app,
    registry,
    rules,
    forwarder,
    logSink,
    readiness,
    async start() {
      await registry.reload();
      await declareQueues(deps);
      unsubscribers.push(
        await deps.coordination.subscribe(
          invalidationChannels.accounts,
          () => void reloadAccounts(registry, deps.logger),
        ),
        await deps.coordination.subscribe(invalidationChannels.rules, (payload) =>
          invalidateRules(rules, payload, deps.logger),
        ),
      );
      reloadTimer = setInterval(() => void reloadAccounts(registry, deps.logger), 60_000);
      reloadTimer.unref();
      forwarder.start();
      logSink.start();
    },
    async close() {
      if (reloadTimer !== undefined) clearInterval(reloadTimer);
      // The requests of a group being gathered wait for it: hand it over before the spool closes.
      await receiptGroups.flush();
      const [spool] = await Promise.allSettled([
        forwarder.close(),
        logSink.close(),
        serviceWindows.close(),
        ...unsubscribers.map((unsubscribe) => unsubscribe()),
      ]);
      // Acknowledged messages neither forwarded nor handed over: the caller must not exit 0.
      if (spool.status === 'rejected') throw spool.reason;
    },
  };
}

/** Delivery receipts gathered into one message of `mpstack.receipts` per group (see ReceiptGroups). */
function receiptGroupsOf(deps: IngressDeps, forwarder: Forwarder, metrics: IngressMetrics): ReceiptGroups {
  return new ReceiptGroups({
    forwarder,
    onGroup: (receipts) => metrics.recordReceiptGroup(receipts),
    tracer: deps.telemetry.tracer,
    windowMs: deps.settings.receiptGroupMs ?? 5,
    maxReceipts: deps.settings.receiptGroupMax ?? 200,
  });
}

/** The followers' customer-service windows, written in coalesced batches (see ServiceWindowRecorder). */
function windowRecorder(deps: IngressDeps): ServiceWindowRecorder {
  return new ServiceWindowRecorder({
    coordination: deps.coordination,
    ...(deps.settings.serviceWindowRules === undefined ? {} : { rules: deps.settings.serviceWindowRules }),
    onError: (error, followers) =>
      deps.logger.warn(
        { err: error, followers },
        'customer-service windows not recorded (Redis did not take the batch)',
      ),
  });
}

async function declareQueues(deps: IngressDeps): Promise<void> {
  try {
    await deps.queue.declare([...inboundQueues(deps.settings.partitions), logEventsDeclaration, receiptsDeclaration]);
  } catch (error) {
    // The broker may be down at boot; messages spool until it returns and the adapter re-declares.
    deps.logger.warn({ err: error }, 'queues not declared yet (broker unavailable)');
  }
}

function invalidateRules(rules: RuleCache, payload: string, logger: Logger): void {
  try {
    rules.invalidate(decodeInvalidation(payload));
  } catch (error) {
    logger.warn({ err: error }, 'rules invalidation ignored');
  }
}

async function reloadAccounts(registry: AccountRegistry, logger: Logger): Promise<void> {
  try {
    await registry.reload();
  } catch (error) {
    logger.warn({ err: error }, 'account reload failed; keeping the previous set');
  }
}

async function spoolReadiness(forwarder: Forwarder): Promise<ReadinessDetail> {
  const writable = await forwarder.spoolWritable();
  return {
    ok: writable,
    detail: writable
      ? 'broker unreachable: slow-path messages are spooled to disk and forwarded when it returns'
      : 'broker unreachable and the spool directory is not writable',
  };
}
