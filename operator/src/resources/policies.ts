import type {
  V1LabelSelector,
  V1NetworkPolicy,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
  V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import type { ServiceName, WeChatPlatform } from '../api/v1alpha1.js';
import { metaFor, selectorFor } from './meta.js';
import { MYSQL_COMPONENT, mysqlName, RABBITMQ_COMPONENT, rabbitmqName, serviceObjectName } from './names.js';

/**
 * PodDisruptionBudgets and NetworkPolicies of a platform. A budget lets a node drain take
 * one pod of a workload at a time (the Deployments roll with maxUnavailable 0, so a voluntary
 * eviction is the only way to lose two at once); RabbitMQ keeps its quorum-queue majority.
 * The NetworkPolicies close the two data stores to everything but the platform's own pods
 * and the operator (which probes MySQL and reads RabbitMQ's management API); the services
 * stay open, since WeChat reaches them through whatever Ingress controller the cluster runs.
 * The rules are client-node models: `_from` is what its serializer sends as `from`.
 */

/** The label of the operator's own pods (chart and kustomize both set it). */
export const OPERATOR_COMPONENT = 'operator';

function budget(platform: WeChatPlatform, name: string, component: string, maxUnavailable: number) {
  const pdb: V1PodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metaFor(platform, name, component),
    spec: { maxUnavailable, selector: { matchLabels: selectorFor(platform, component) } },
  };
  return pdb;
}

/** One budget per service Deployment, the MySQL pair and a RabbitMQ cluster of 3 or more. */
export function podDisruptionBudgets(
  platform: WeChatPlatform,
  services: readonly ServiceName[],
): V1PodDisruptionBudget[] {
  if (!platform.spec.podDisruptionBudgets.enabled) return [];
  const budgets = services.map((service) => budget(platform, serviceObjectName(platform, service), service, 1));
  if (platform.spec.mysql.mode === 'dualMaster') {
    budgets.unshift(budget(platform, mysqlName(platform), MYSQL_COMPONENT, 1));
  }
  const { mode, replicas } = platform.spec.rabbitmq;
  // A single node has nothing to spare: a budget of 0 would block every node drain.
  if (mode === 'statefulSet' && replicas >= 3) {
    budgets.unshift(budget(platform, rabbitmqName(platform), RABBITMQ_COMPONENT, Math.floor((replicas - 1) / 2)));
  }
  return budgets;
}

function platformPods(platform: WeChatPlatform): V1NetworkPolicyPeer {
  return {
    podSelector: {
      matchLabels: { 'app.kubernetes.io/name': 'mpstack', 'app.kubernetes.io/instance': platform.metadata.name },
    },
  };
}

/** The operator's pods, in its own namespace when known, else in any namespace. */
function operatorPods(operatorNamespace: string | undefined): V1NetworkPolicyPeer {
  const namespaceSelector: V1LabelSelector =
    operatorNamespace === undefined ? {} : { matchLabels: { 'kubernetes.io/metadata.name': operatorNamespace } };
  return {
    namespaceSelector,
    podSelector: { matchLabels: { 'app.kubernetes.io/component': OPERATOR_COMPONENT } },
  };
}

const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: 'TCP' }));

function policy(platform: WeChatPlatform, name: string, component: string, ingress: V1NetworkPolicyIngressRule[]) {
  const object: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metaFor(platform, name, component),
    spec: { podSelector: { matchLabels: selectorFor(platform, component) }, policyTypes: ['Ingress'], ingress },
  };
  return object;
}

/** MySQL: 3306 from the platform's pods (the peer included) and the operator; nothing else. */
export function mysqlNetworkPolicy(platform: WeChatPlatform, operatorNamespace: string | undefined): V1NetworkPolicy {
  return policy(platform, mysqlName(platform), MYSQL_COMPONENT, [
    { _from: [platformPods(platform), operatorPods(operatorNamespace)], ports: tcp(3306) },
  ]);
}

/**
 * RabbitMQ: AMQP from the platform's pods, clustering (epmd, distribution) among the brokers,
 * the management API for the operator's queue-depth reads, Prometheus metrics from anywhere.
 */
export function rabbitmqNetworkPolicy(
  platform: WeChatPlatform,
  operatorNamespace: string | undefined,
): V1NetworkPolicy {
  return policy(platform, rabbitmqName(platform), RABBITMQ_COMPONENT, [
    { _from: [platformPods(platform)], ports: tcp(5672) },
    { _from: [{ podSelector: { matchLabels: selectorFor(platform, RABBITMQ_COMPONENT) } }], ports: tcp(4369, 25672) },
    { _from: [operatorPods(operatorNamespace)], ports: tcp(15672) },
    { ports: tcp(15692) },
  ]);
}

export function networkPolicies(platform: WeChatPlatform, operatorNamespace: string | undefined): V1NetworkPolicy[] {
  if (!platform.spec.networkPolicies.enabled) return [];
  const policies: V1NetworkPolicy[] = [];
  if (platform.spec.mysql.mode === 'dualMaster') policies.push(mysqlNetworkPolicy(platform, operatorNamespace));
  if (platform.spec.rabbitmq.mode === 'statefulSet') policies.push(rabbitmqNetworkPolicy(platform, operatorNamespace));
  return policies;
}
