/**
 * Which watch events start a reconcile. The operator's own writes come back as watch events
 * (its `/status` patches on the platform, its finalizer, its patches on the Deployments);
 * reacting to each of them would turn every reconcile into the cause of the next one. So an
 * update reconciles only when it changes something a reconcile reads and the operator does
 * not write: the platform's spec (its `metadata.generation`), annotations or deletion; a
 * workload's spec or observed status; a MySQL pod's readiness, address or deletion.
 * Adds and deletes always reconcile (a re-listed informer replays its objects as adds).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { InformerEvent } from '../kube/informer.js';
import { stableJson } from './status.js';

type Meta = KubernetesObject['metadata'] & { readonly deletionTimestamp?: unknown; readonly generation?: number };
const meta = (o: KubernetesObject | undefined) => o?.metadata as Meta | undefined;
const same = (a: unknown, b: unknown) => stableJson(a ?? null) === stableJson(b ?? null);

function isAddOrDelete(event: InformerEvent, previous: KubernetesObject | undefined): boolean {
  return event !== InformerEvent.Update || previous === undefined;
}

const isNewlyDeleting = (o: KubernetesObject, previous: KubernetesObject | undefined) =>
  meta(o)?.deletionTimestamp !== undefined && meta(previous)?.deletionTimestamp === undefined;

/** A WeChatPlatform event: not its status (the operator's), not its finalizers (the operator's). */
export function isPlatformTrigger(event: InformerEvent, o: KubernetesObject, previous?: KubernetesObject): boolean {
  if (isAddOrDelete(event, previous)) return true;
  return (
    meta(o)?.generation !== meta(previous)?.generation ||
    !same(meta(o)?.annotations, meta(previous)?.annotations) ||
    isNewlyDeleting(o, previous)
  );
}

/** A Deployment or StatefulSet the platform owns: its spec (someone edited it) or its status (pods became ready). */
export function isWorkloadTrigger(event: InformerEvent, o: KubernetesObject, previous?: KubernetesObject): boolean {
  if (isAddOrDelete(event, previous)) return true;
  const status = (x: KubernetesObject | undefined) => (x as { status?: unknown } | undefined)?.status;
  return meta(o)?.generation !== meta(previous)?.generation || !same(status(o), status(previous));
}

interface PodView extends KubernetesObject {
  readonly status?: { readonly podIP?: string; readonly conditions?: readonly { type: string; status: string }[] };
}
const readiness = (pod: PodView | undefined) => pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

/** A MySQL pod: the Kubernetes half of the failover corroboration (readiness, address, deletion). */
export function isMysqlPodTrigger(event: InformerEvent, o: PodView, previous?: PodView): boolean {
  if (isAddOrDelete(event, previous)) return true;
  return (
    readiness(o) !== readiness(previous) || o.status?.podIP !== previous?.status?.podIP || isNewlyDeleting(o, previous)
  );
}
