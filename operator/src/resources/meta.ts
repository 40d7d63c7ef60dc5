import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, KIND, type WeChatPlatform } from '../api/v1alpha1.js';

/** Value of `app.kubernetes.io/managed-by` on everything the operator creates. */
export const MANAGED_BY = 'mpstack-operator';

/** The label the StatefulSet controller puts on each pod; the writer Service selects on it. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

/** The labels every object of a platform carries; `component` is the service or backend. */
export function labelsFor(platform: WeChatPlatform, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'mpstack',
    'app.kubernetes.io/instance': platform.metadata.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/**
 * The immutable subset used in selectors: a Deployment's selector cannot change after
 * creation, so it never includes anything that might (managed-by, versions).
 */
export function selectorFor(platform: WeChatPlatform, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'mpstack',
    'app.kubernetes.io/instance': platform.metadata.name,
    'app.kubernetes.io/component': component,
  };
}

/** {@link selectorFor} as a label-selector query (`k=v,k=v`), for listing a component's pods. */
export function selectorQuery(platform: WeChatPlatform, component: string): string {
  return Object.entries(selectorFor(platform, component))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Controller owner reference: deleting the platform garbage-collects everything it owns,
 * and `blockOwnerDeletion` keeps a foreground deletion waiting until they are gone.
 */
export function ownerReferenceFor(platform: WeChatPlatform): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: platform.metadata.name,
    uid: platform.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata of an owned object: name, namespace, labels and the owner reference. */
export function metaFor(platform: WeChatPlatform, name: string, component: string): V1ObjectMeta {
  return {
    name,
    namespace: platform.metadata.namespace,
    labels: labelsFor(platform, component),
    ownerReferences: [ownerReferenceFor(platform)],
  };
}
