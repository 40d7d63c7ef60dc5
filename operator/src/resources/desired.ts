import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Ingress,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { ServiceName, WeChatPlatform } from '../api/v1alpha1.js';
import { deployedServices } from './deployed.js';
import { platformIngress } from './ingress.js';
import { mysqlConfigMap, mysqlHeadlessService, mysqlStatefulSet, mysqlWriterService } from './mysql.js';
import { networkPolicies, podDisruptionBudgets } from './policies.js';
import { rabbitmqClientService, rabbitmqConfigMap, rabbitmqNodesService, rabbitmqStatefulSet } from './rabbitmq.js';
import { serviceDeployment, serviceService } from './service-workloads.js';

/** Every kind of object a platform owns. */
export type DesiredObject = (
  | V1Deployment
  | V1Service
  | V1Ingress
  | V1StatefulSet
  | V1ConfigMap
  | V1PodDisruptionBudget
  | V1NetworkPolicy
) &
  KubernetesObject & { readonly apiVersion: string; readonly kind: string };

/** What the operator decided and the spec alone cannot say. */
export interface DesiredOptions {
  /** The scaler's replica count per service; a service not listed runs `replicas.min`. */
  readonly replicas?: Readonly<Partial<Record<ServiceName, number>>>;
  /** Pod name of the MySQL writer from status; `undefined` until the operator chose one. */
  readonly mysqlWriter?: string | undefined;
  /** The operator's own namespace: its pods are let through the data stores' NetworkPolicies. */
  readonly operatorNamespace?: string | undefined;
  /** The services that get workloads; the runnable ones of the catalog unless given (`deployed.ts`). */
  readonly services?: readonly ServiceName[];
}

function replicasOf(platform: WeChatPlatform, service: ServiceName, options: DesiredOptions): number {
  return options.replicas?.[service] ?? platform.spec.services[service].replicas.min;
}

/**
 * The objects a platform should have, in a fixed order (the ordering applies them in:
 * config before workloads that mount it). Pure: the same platform and options give a
 * deep-equal list, so the reconciler can apply it on every pass (level-triggered) and a
 * no-op pass changes nothing. Backends in `external` mode contribute no objects.
 */
export function desiredResources(platform: WeChatPlatform, options: DesiredOptions = {}): DesiredObject[] {
  const objects: DesiredObject[] = [];
  if (platform.spec.mysql.mode === 'dualMaster') {
    objects.push(
      mysqlConfigMap(platform) as DesiredObject,
      mysqlHeadlessService(platform) as DesiredObject,
      mysqlWriterService(platform, options.mysqlWriter) as DesiredObject,
      mysqlStatefulSet(platform) as DesiredObject,
    );
  }
  if (platform.spec.rabbitmq.mode === 'statefulSet') {
    objects.push(
      rabbitmqConfigMap(platform) as DesiredObject,
      rabbitmqNodesService(platform) as DesiredObject,
      rabbitmqClientService(platform) as DesiredObject,
      rabbitmqStatefulSet(platform) as DesiredObject,
    );
  }
  const services = options.services ?? deployedServices();
  for (const service of services) {
    objects.push(
      serviceService(platform, service) as DesiredObject,
      serviceDeployment(platform, service, replicasOf(platform, service, options)) as DesiredObject,
    );
  }
  objects.push(platformIngress(platform, services) as DesiredObject);
  for (const object of [
    ...podDisruptionBudgets(platform, services),
    ...networkPolicies(platform, options.operatorNamespace),
  ]) {
    objects.push(object as DesiredObject);
  }
  return objects;
}
