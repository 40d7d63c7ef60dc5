import { deployableServices } from '@mpstack/common/contracts';
import { SERVICE_NAMES, type ServiceName } from '../api/v1alpha1.js';

/**
 * The services a platform gets workloads for: the platform services of the service catalog
 * that this build can run (`runnable`). The CRD keeps a spec for every platform service, so
 * a platform written today stays valid when the others arrive; until then they get no
 * Deployment, Service, PodDisruptionBudget or Ingress path (a Deployment of a service the
 * image cannot run only crash-loops with "unknown service") and do not count for `Ready`.
 */
export function deployedServices(): readonly ServiceName[] {
  const runnable = new Set(deployableServices().map((entry) => entry.name));
  return SERVICE_NAMES.filter((service) => runnable.has(service));
}
