/**
 * RabbitMQ nodes are never removed by the operator: a quorum queue's members live on them,
 * and shrinking a cluster needs members moved first (`rabbitmq-queues shrink`/`grow`), a
 * manual step. The CRD refuses a lower count with a CEL transition rule; this guard holds the
 * line when that rule was bypassed (an old API server, or the rule disabled).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { WeChatPlatform } from '../api/v1alpha1.js';
import { rabbitmqName } from '../resources/names.js';

interface WithReplicas extends KubernetesObject {
  readonly spec?: { readonly replicas?: number };
}

export interface GuardResult {
  readonly desired: readonly KubernetesObject[];
  /** Set when a scale-down was refused: the running and the asked-for node counts. */
  readonly refused?: { readonly running: number; readonly asked: number };
}

export function keepRabbitmqNodes(
  platform: WeChatPlatform,
  desired: readonly KubernetesObject[],
  owned: ReadonlyMap<string, KubernetesObject>,
): GuardResult {
  const name = rabbitmqName(platform);
  const running = (owned.get(`StatefulSet/${name}`) as WithReplicas | undefined)?.spec?.replicas;
  if (running === undefined) return { desired };
  let refused: GuardResult['refused'];
  const guarded = desired.map((object) => {
    const asked = (object as WithReplicas).spec?.replicas;
    if (object.kind !== 'StatefulSet' || object.metadata?.name !== name || asked === undefined || asked >= running) {
      return object;
    }
    refused = { running, asked };
    return { ...object, spec: { ...(object as WithReplicas).spec, replicas: running } } as KubernetesObject;
  });
  return refused === undefined ? { desired: guarded } : { desired: guarded, refused };
}
