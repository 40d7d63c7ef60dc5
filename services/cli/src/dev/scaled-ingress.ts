import { fileURLToPath } from 'node:url';
import { AppError, type Environment, ErrorCode, type Logger } from '@mpstack/common';
import { startLocalScaler } from '@mpstack/operator';
import { startRoundRobinProxy } from './round-robin-proxy.js';

export interface ScaleSettings {
  readonly min: number;
  readonly max: number;
  /** Requests per second one ingress copy should carry. */
  readonly target: number;
  readonly intervalMs: number;
}

export interface ScaledIngress {
  readonly url: string;
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
  const copiesEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
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
    onDecision: (decision) =>
      logger.info({ replicas: decision.replicas, reason: decision.reason, observed: decision.observed }, 'autoscale'),
  });
  const proxy = await startRoundRobinProxy(front.port, front.host, () =>
    scaler.driver
      .targets()
      .filter((target) => target.isReady)
      .map((target) => target.metricsUrl.replace(/\/metrics$/, '')),
  );
  return {
    url: proxy.url,
    async close() {
      await proxy.close();
      await scaler.stop();
    },
  };
}
