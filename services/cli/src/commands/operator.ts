import {
  commonEnvSchema,
  createHttpApp,
  createLogger,
  createServiceServer,
  createTelemetry,
  type Environment,
  intFromEnv,
  loadConfig,
} from '@mpstack/common';
import { runOperator } from '@mpstack/operator';
import { z } from 'zod';

const operatorEnvSchema = commonEnvSchema.extend({
  /** Comma-separated namespaces whose platforms are reconciled; every namespace when empty. */
  MPSTACK_OPERATOR_WATCH_NAMESPACES: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    ),
  /** The operator's own namespace (the chart sets the pod's): where replicas elect a leader. */
  MPSTACK_OPERATOR_NAMESPACE: z.string().optional(),
  MPSTACK_OPERATOR_PORT: intFromEnv(8081, 0, 65535),
  KUBECONFIG: z.string().optional(),
  /** In a pod: its name, this replica's identity in leader election. */
  HOSTNAME: z.string().optional(),
});

/**
 * `mpstack run operator`: the WeChatPlatform operator with `/healthz`, `/readyz` and
 * `/metrics` on MPSTACK_OPERATOR_PORT (in-cluster credentials, or KUBECONFIG).
 */
export async function runOperatorService(env: Environment): Promise<void> {
  const config = loadConfig(operatorEnvSchema, env);
  const logger = createLogger({ service: 'operator', level: config.MPSTACK_LOG_LEVEL });
  const telemetry = createTelemetry({ service: 'operator', traceSampleRatio: 0 });
  const operator = await runOperator({
    clock: Date.now,
    logger,
    namespaces: config.MPSTACK_OPERATOR_WATCH_NAMESPACES,
    ...(config.KUBECONFIG === undefined ? {} : { kubeconfig: config.KUBECONFIG }),
    // Inside the cluster (its own namespace known) replicas elect a leader; one reconciles.
    ...(config.MPSTACK_OPERATOR_NAMESPACE === undefined
      ? {}
      : {
          leaderElection: {
            namespace: config.MPSTACK_OPERATOR_NAMESPACE,
            identity: config.HOSTNAME ?? `mpstack-operator-${process.pid}`,
          },
        }),
  });
  const app = createHttpApp({
    service: 'operator',
    logger,
    metricsHandler: telemetry.metricsHandler,
    readiness: async () => ({ reconciling: true }),
  });
  const server = createServiceServer(app);
  const url = await server.listen(config.MPSTACK_OPERATOR_PORT, '0.0.0.0');
  const watched = config.MPSTACK_OPERATOR_WATCH_NAMESPACES;
  logger.info({ url, namespaces: watched.length === 0 ? '(all)' : watched.join(',') }, 'operator running');
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    void Promise.allSettled([server.close(), operator.close(), telemetry.shutdown()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
