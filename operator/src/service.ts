import { commonEnvSchema, type Environment, intFromEnv, loadConfig } from '@mpstack/common/config';
import { runService, type ServiceDefinition } from '@mpstack/common/shell';
import { z } from 'zod';
import { type RunOperatorOptions, runOperator } from './main.js';

const operatorEnvSchema = commonEnvSchema.extend({
  /** All interfaces by default: the kubelet probes the pod's address. */
  MPSTACK_HOST: z.string().default('0.0.0.0'),
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

export interface OperatorConfig {
  readonly logLevel: string;
  readonly port: number;
  readonly host: string;
  /** Namespaces whose platforms are reconciled; every namespace when empty. */
  readonly watchNamespaces: readonly string[];
  /** Where replicas elect a leader; no election (this replica always reconciles) when absent. */
  readonly namespace: string | undefined;
  readonly kubeconfig: string | undefined;
  /** This replica's identity in leader election. */
  readonly identity: string;
}

/** The only place the operator reads the environment. */
export function loadOperatorConfig(env: Environment): OperatorConfig {
  const e = loadConfig(operatorEnvSchema, env);
  return Object.freeze({
    logLevel: e.MPSTACK_LOG_LEVEL,
    port: e.MPSTACK_OPERATOR_PORT,
    host: e.MPSTACK_HOST,
    watchNamespaces: Object.freeze([...e.MPSTACK_OPERATOR_WATCH_NAMESPACES]),
    namespace: e.MPSTACK_OPERATOR_NAMESPACE,
    kubeconfig: e.KUBECONFIG,
    identity: e.HOSTNAME ?? `mpstack-operator-${process.pid}`,
  });
}

export interface OperatorServiceOptions {
  /** Replaces parts of the operator (tests: a KubeConfig for the fake API server, a fake MySQL control). */
  readonly overrides?: Partial<Pick<RunOperatorOptions, 'kubeConfig' | 'rates' | 'mysql' | 'resyncMs' | 'timers'>>;
}

/**
 * The operator as a service definition: informers, work queue and reconciler (`runOperator`)
 * behind the shell's `/healthz`, `/metrics` and a `/readyz` that is 200 only while every
 * informer is in sync with the API server. Inside the cluster (its own namespace known)
 * replicas elect a leader; a follower is ready too — it keeps its caches warm to take over.
 */
export function operatorService(options: OperatorServiceOptions = {}): ServiceDefinition<OperatorConfig> {
  return {
    name: 'operator',
    config: loadOperatorConfig,
    async compose({ config, logger, onClose }) {
      const operator = await runOperator({
        clock: Date.now,
        logger,
        namespaces: config.watchNamespaces,
        ...(config.kubeconfig === undefined ? {} : { kubeconfig: config.kubeconfig }),
        ...(config.namespace === undefined
          ? {}
          : { leaderElection: { namespace: config.namespace, identity: config.identity } }),
        ...options.overrides,
      });
      onClose('operator', () => operator.close());
      return {
        listen: { port: config.port, host: config.host },
        ready: async () => operator.readiness(),
        describe: { namespaces: config.watchNamespaces.length === 0 ? '(all)' : config.watchNamespaces.join(',') },
      };
    },
  };
}

/** `mpstack run operator`: in-cluster credentials, or KUBECONFIG. */
export async function runOperatorService(env: Environment): Promise<void> {
  await runService(operatorService(), env);
}
