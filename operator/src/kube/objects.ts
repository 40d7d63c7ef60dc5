/**
 * Reads and writes of any Kubernetes object through the 1.4 client's generic
 * `KubernetesObjectApi`, with the patch content type always set explicitly: the client's
 * default for `patch` is strategic merge, which custom resources refuse with 415. Owned
 * objects are written by server-side apply with a field manager. The
 * status subresource of our CR goes through `CustomObjectsApi`, whose patch content type is
 * set with `setHeaderOptions` for the same reason.
 */
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { isNotFound } from './errors.js';

/** Identifies one object. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'test';
  readonly path: string;
  readonly value?: unknown;
}

/** A custom resource type (group, version, plural) for its `/status` subresource. */
export interface CustomResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export interface ObjectClient {
  /** Reads one object; undefined when it does not exist. */
  get<T extends object = KubernetesObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<T[]>;
  create<T extends KubernetesObject>(object: T): Promise<T>;
  /** RFC 7386 merge patch; `patch.metadata.resourceVersion` makes it conditional (409 if stale). */
  mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: object): Promise<T>;
  /**
   * RFC 6902 JSON patch of a custom resource (finalizer edits: a `test` operation makes it
   * conditional without a resourceVersion). Custom resources only: the generic client takes
   * the URL from the body, which a JSON patch does not have.
   */
  jsonPatchCustom(
    type: CustomResourceType,
    ref: ObjectRef,
    operations: readonly JsonPatchOperation[],
  ): Promise<unknown>;
  /**
   * Server-side apply (`application/apply-patch+yaml`) as this client's field manager, with
   * `force`: the operator owns every field it sends, takes it over from another manager, and
   * a field it sent before but no longer sends is removed by the server.
   */
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  /** Deletes; an object already gone counts as deleted. */
  delete(ref: ObjectRef): Promise<void>;
  /** Merge-patches the `/status` subresource of a custom resource. */
  patchStatus(type: CustomResourceType, ref: ObjectRef, status: object): Promise<unknown>;
}

const header = (ref: ObjectRef): KubernetesObject => ({
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  metadata: { name: ref.name, namespace: ref.namespace },
});

/** The operator's object client; `fieldManager` names it in managedFields and apply. */
export function createObjectClient(kubeConfig: KubeConfig, fieldManager: string): ObjectClient {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const patch = <T extends KubernetesObject>(body: object, strategy: PatchStrategy, force?: boolean) =>
    api.patch(body as T, undefined, undefined, fieldManager, force, strategy);
  return {
    async get<T extends object = KubernetesObject>(ref: ObjectRef) {
      try {
        const spec = {
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        };
        return (await api.read<KubernetesObject>(spec)) as T;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async list<T extends KubernetesObject>(
      apiVersion: string,
      kind: string,
      namespace: string,
      labelSelector?: string,
    ) {
      const result = await api.list<T>(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return result.items;
    },
    create: (object) => api.create(object, undefined, undefined, fieldManager),
    mergePatch: (ref, body) =>
      patch(
        { ...body, ...header(ref), metadata: { ...(body as KubernetesObject).metadata, ...header(ref).metadata } },
        PatchStrategy.MergePatch,
      ),
    jsonPatchCustom: (type, ref, operations) =>
      custom.patchNamespacedCustomObject(
        { ...type, namespace: ref.namespace, name: ref.name, body: operations, fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    apply: (object) => patch(object, PatchStrategy.ServerSideApply, true),
    async delete(ref) {
      try {
        await api.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    patchStatus: (type, ref, status) =>
      custom.patchNamespacedCustomObjectStatus(
        { ...type, namespace: ref.namespace, name: ref.name, body: { status }, fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
  };
}
