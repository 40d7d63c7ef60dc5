/**
 * TEST DOUBLE — a SIMULATED workload controller for the fake API server, standing in for
 * the Deployment/StatefulSet controllers and the kubelet: for each Deployment or StatefulSet
 * it keeps `spec.replicas` Pods (labelled from the pod template, owned by the workload) and,
 * after `readyDelayMs`, marks them Ready and writes `status.replicas` / `readyReplicas` /
 * `availableReplicas` / `observedGeneration`. No ReplicaSets, no rolling updates, no
 * scheduling, no probes: it proves only that the operator reacts to status changes.
 */
import { ApiError } from './api-error.js';
import { findType } from './resource-types.js';
import type { ObjectStore, StoredObject } from './store.js';

export interface SimulatedController {
  stop(): void;
}

interface WorkloadSpec {
  replicas?: number;
  template?: { metadata?: { labels?: Record<string, string> } };
}

const podType = findType('', 'v1', 'pods');

/** Where a simulated pod "listens": its podIP and the port of its container port named `http`. */
export interface PodNetwork {
  address(pod: string): { readonly podIP: string; readonly httpPort: number };
}

const loopbackNetwork: PodNetwork = { address: () => ({ podIP: '127.0.0.1', httpPort: 8080 }) };

/** Starts simulating; every workload change is settled `readyDelayMs` later. */
export function startSimulatedController(
  store: ObjectStore,
  readyDelayMs = 50,
  network: PodNetwork = loopbackNetwork,
  /** The clock pods start on: real time unless given (a virtual clock in simulated runs). */
  timers: { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: never): void } = {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle),
  },
): SimulatedController {
  const pending = new Set<unknown>();
  const unsubscribe = store.subscribe((event) => {
    if (event.type === 'DELETED' || !['Deployment', 'StatefulSet'].includes(event.object.kind)) return;
    const { namespace = '', name = '' } = event.object.metadata;
    const timer = timers.setTimeout(() => {
      pending.delete(timer);
      settle(store, event.resourceType, namespace, name, network);
    }, readyDelayMs);
    pending.add(timer);
  });
  return {
    stop() {
      unsubscribe();
      for (const timer of pending) timers.clearTimeout(timer as never);
    },
  };
}

function settle(
  store: ObjectStore,
  type: Parameters<ObjectStore['get']>[0],
  namespace: string,
  name: string,
  network: PodNetwork,
): void {
  if (podType === undefined) return;
  let workload: StoredObject;
  try {
    workload = store.get(type, namespace, name);
  } catch (error) {
    if (error instanceof ApiError) return;
    throw error;
  }
  const spec = (workload['spec'] ?? {}) as WorkloadSpec;
  const replicas = spec.replicas ?? 1;
  const owned = store
    .list(podType, namespace, null, null)
    .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === workload.metadata.uid));
  for (const pod of owned.slice(replicas)) store.delete(podType, namespace, pod.metadata.name ?? '');
  for (let i = owned.length; i < replicas; i += 1) {
    const podName = `${name}-${workload.kind === 'StatefulSet' ? i : Math.random().toString(36).slice(2, 7)}`;
    const { podIP, httpPort } = network.address(podName);
    const pod = store.create(podType, namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        labels: spec.template?.metadata?.labels ?? {},
        ownerReferences: [
          {
            apiVersion: workload.apiVersion,
            kind: workload.kind,
            name,
            uid: workload.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: { containers: [{ name: 'main', image: 'simulated', ports: [{ name: 'http', containerPort: httpPort }] }] },
    });
    store.update(
      podType,
      namespace,
      pod.metadata.name ?? '',
      { ...pod, status: { phase: 'Running', podIP, conditions: [{ type: 'Ready', status: 'True' }] } },
      'status',
    );
  }
  const status = {
    observedGeneration: workload.metadata.generation,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    updatedReplicas: replicas,
  };
  store.update(type, namespace, name, { ...workload, status }, 'status');
}
