import { CLUSTER_DOMAIN } from './names.js';

/**
 * RabbitMQ configuration files. Peer discovery is `classic_config` (the node list is fixed
 * by the replica count, which never decreases) rather than the Kubernetes plugin, so the
 * broker pods need no Kubernetes API access at all. The StatefulSet starts its pods in
 * `Parallel`: since RabbitMQ 3.9 a node forming a cluster from classic_config first takes a
 * cluster-wide internal lock among the listed nodes, so pods booting at once still form one
 * cluster (the race `OrderedReady` used to guard against), and after a full stop every node
 * can start at once — under `OrderedReady` pod 0 waits for the peer that stopped last while
 * that peer waits for pod 0 to be Ready (the deadlock the RabbitMQ cluster-operator left
 * `OrderedReady` for). `operator/test/rabbitmq/full-restart.test.ts` runs both against real
 * RabbitMQ nodes.
 */

export interface RabbitMQConfigOptions {
  /** StatefulSet name: pods are `<name>-0`, `<name>-1`, … */
  readonly statefulSetName: string;
  readonly nodesServiceName: string;
  readonly namespace: string;
  readonly replicas: number;
}

/**
 * Fully qualified Erlang node name of a pod (needs `RABBITMQ_USE_LONGNAME`). The pod's own
 * environment builds it from `$(POD_NAME)` / `$(POD_NAMESPACE)`; the cluster config lists
 * every node by name: both through here, so they cannot drift apart.
 */
export function rabbitmqNodeHost(pod: string, nodesServiceName: string, namespace: string): string {
  return `rabbit@${pod}.${nodesServiceName}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** The node name of pod `ordinal` of the StatefulSet. */
export function rabbitmqNodeName(options: RabbitMQConfigOptions, ordinal: number): string {
  return rabbitmqNodeHost(`${options.statefulSetName}-${ordinal}`, options.nodesServiceName, options.namespace);
}

/** Listener ports; the pods use the defaults, a test running several nodes on one host its own. */
export interface RabbitMQPorts {
  readonly amqp: number;
  readonly management: number;
  readonly prometheus: number;
}

export const DEFAULT_RABBITMQ_PORTS: RabbitMQPorts = { amqp: 5672, management: 15672, prometheus: 15692 };

/**
 * `rabbitmq.conf` for a cluster of exactly these nodes. `pause_minority`: a node cut off from
 * the majority stops serving instead of accepting publishes that a partition heal would throw
 * away.
 */
export function rabbitmqConfFor(nodes: readonly string[], ports: RabbitMQPorts = DEFAULT_RABBITMQ_PORTS): string {
  return `${[
    'cluster_formation.peer_discovery_backend = classic_config',
    ...nodes.map((node, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${node}`),
    'cluster_partition_handling = pause_minority',
    `listeners.tcp.default = ${ports.amqp}`,
    `management.tcp.port = ${ports.management}`,
    `prometheus.tcp.port = ${ports.prometheus}`,
    'vm_memory_high_watermark.relative = 0.6',
    'disk_free_limit.absolute = 2GB',
  ].join('\n')}\n`;
}

/** `rabbitmq.conf` of the platform's StatefulSet: every pod it will ever have, by name. */
export function rabbitmqConf(options: RabbitMQConfigOptions): string {
  return rabbitmqConfFor(Array.from({ length: options.replicas }, (_, ordinal) => rabbitmqNodeName(options, ordinal)));
}

export const RABBITMQ_ENABLED_PLUGINS = '[rabbitmq_management,rabbitmq_prometheus].\n';

/** Name of the policy applied to mpstack's queues. */
export const MPSTACK_QUEUE_POLICY = 'mpstack-queues';

/**
 * Definitions imported once the node is up: a policy on every queue named `mpstack.…`.
 * A policy cannot make a queue quorum (`x-queue-type` is fixed by the client at declaration,
 * which mpstack's queue adapter does); it sets what a policy may: a redelivery cap, after
 * which a poison message goes to the dead-letter exchange instead of looping forever, and
 * leaders spread evenly over the nodes.
 */
export function rabbitmqDefinitions(): string {
  const definitions = {
    policies: [
      {
        vhost: '/',
        name: MPSTACK_QUEUE_POLICY,
        pattern: '^mpstack\\.',
        'apply-to': 'queues',
        priority: 10,
        definition: { 'delivery-limit': 20, 'queue-leader-locator': 'balanced' },
      },
    ],
  };
  return `${JSON.stringify(definitions, null, 2)}\n`;
}
