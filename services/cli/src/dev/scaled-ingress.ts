import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Environment } from '@mpstack/common/config';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Logger } from '@mpstack/common/logging';
import { readScheduledPushes, startLocalScaler } from '@mpstack/operator';
import { type Backends, startRoundRobinProxy } from './round-robin-proxy.js';

export interface ScaleSettings {
  readonly min: number;
  readonly max: number;
  /** Requests per second one ingress copy should carry. */
  readonly target: number;
  readonly intervalMs: number;
}

export interface ScaledIngress {
  readonly url: string;
  /**
   * Where the business service runs (it starts after the ingress): from then on every round
   * reads its announced pushes and pre-scales the copies for them, as the operator does.
   */
  announceFrom(businessUrl: string): void;
  pids(): readonly number[];
  close(): Promise<void>;
}

const cliBin = fileURLToPath(new URL('../../../bin/mpstack.js', import.meta.url));

/**
 * `mpstack dev --scale auto`: ingress copies as separate processes, scaled by the operator's
 * decision logic on their measured request rates, behind one round-robin front URL. The
 * copies must share de-duplication, the queue and the accounts, so the embedded in-process
 * adapters cannot be used: Redis, RabbitMQ and a database URL are required.
 */
export async function startScaledIngress(
  env: Environment,
  front: { readonly port: number; readonly host: string },
  scale: ScaleSettings,
  logger: Logger,
): Promise<ScaledIngress> {
  const missing = ['MPSTACK_DATABASE_URL', 'MPSTACK_REDIS_URL', 'MPSTACK_AMQP_URL'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new AppError(
      ErrorCode.configInvalid,
      `--scale auto runs several ingress processes that must share state; set ${missing.join(', ')}`,
    );
  }
  // `mpstack dev` has seeded already; the copies need not seed again.
  const copiesEnv = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[0] !== 'MPSTACK_SEED_FILE',
    ),
  );
  // The front port first and the copies' ports checked: if one is taken, no copy has started.
  let ready: Backends = () => [];
  const proxy = await startRoundRobinProxy(front.port, front.host, () => ready());
  try {
    for (let copy = 1; copy <= scale.max; copy++) await assertPortFree(front.host, front.port + copy);
  } catch (error) {
    await proxy.close();
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const { port } = error as { port?: number };
    throw new AppError(
      ErrorCode.configInvalid,
      `port ${port} on ${front.host} (an ingress copy of --scale auto: copies listen on the webhook port + 1 … + ${scale.max}) is already in use: choose another webhook port with --ingress-port or MPSTACK_INGRESS_PORT, or fewer copies with --scale-max`,
      { cause: error },
    );
  }
  let businessUrl: string | undefined;
  const scaler = startLocalScaler({
    service: 'ingress',
    command: [process.execPath, cliBin, 'run', 'ingress'],
    basePort: front.port + 1,
    portEnv: 'MPSTACK_INGRESS_PORT',
    env: copiesEnv,
    min: scale.min,
    max: scale.max,
    target: scale.target,
    clock: Date.now,
    intervalMs: scale.intervalMs,
    announcements: async () => (businessUrl === undefined ? undefined : readScheduledPushes(businessUrl)),
    onDecision: (decision, prescale) =>
      logger.info(
        {
          replicas: decision.replicas,
          reason: decision.reason,
          observed: decision.observed,
          ...(prescale.pushes.length === 0 ? {} : { scheduledPushes: prescale.pushes, prescaleFloor: prescale.floor }),
        },
        prescale.floor > 0 ? 'autoscale (pre-scaled for an announced push)' : 'autoscale',
      ),
  });
  ready = () =>
    scaler.driver
      .targets()
      .filter((target) => target.isReady)
      .map((target) => target.metricsUrl.replace(/\/metrics$/, ''));
  return {
    url: proxy.url,
    announceFrom(url) {
      businessUrl = url;
    },
    /** Process ids of the running copies (for `mpstack dev` tests: nothing may outlive close). */
    pids: () => scaler.driver.pids(),
    async close() {
      await proxy.close();
      await scaler.stop();
    },
  };
}

/** Rejects with EADDRINUSE when something listens on the port (bound for a moment, then released). */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
