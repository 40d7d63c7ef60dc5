import type { V1LocalObjectReference, V1ResourceRequirements } from '@kubernetes/client-node';
import type { ResourcesSpec, WeChatPlatform } from '../api/v1alpha1.js';

/** `imagePullSecrets` for a pod spec, spread in; nothing at all when the spec names none. */
export function pullSecretsFor(platform: WeChatPlatform): { imagePullSecrets?: V1LocalObjectReference[] } {
  const secrets = platform.spec.imagePullSecrets;
  return secrets.length === 0 ? {} : { imagePullSecrets: secrets.map(({ name }) => ({ name })) };
}

/** A container's resources: the spec's own when given (whole, not merged), else the defaults. */
export function resourcesOr(own: ResourcesSpec | undefined, defaults: V1ResourceRequirements): V1ResourceRequirements {
  if (own === undefined) return structuredClone(defaults);
  return {
    ...(own.requests !== undefined ? { requests: { ...own.requests } } : {}),
    ...(own.limits !== undefined ? { limits: { ...own.limits } } : {}),
  };
}
