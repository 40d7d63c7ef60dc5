/**
 * The Kubernetes side of the MySQL failure check: what the Pod objects say about each pod
 * of the pair. Failover needs this second opinion so a probe failing only from the
 * operator's network position never moves the writer on its own.
 */
import { type KubeSignal, KubeSignal as Signal } from '../mysql/index.js';
import type { MysqlPod } from './mysql-port.js';

/** ready / notReady / terminating (deletion requested) / absent (no Pod object). */
export function kubeSignalOf(pod: MysqlPod | undefined): KubeSignal {
  if (pod === undefined) return Signal.absent;
  if (pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null) {
    return Signal.terminating;
  }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? Signal.ready : Signal.notReady;
}

/** The signal of every named pod, absent when no Pod object has that name. */
export function kubeSignals(names: readonly string[], pods: readonly MysqlPod[]): Record<string, KubeSignal> {
  return Object.fromEntries(names.map((name) => [name, kubeSignalOf(pods.find((p) => p.metadata?.name === name))]));
}
