import type { WeChatPlatform } from '../../src/api/v1alpha1.js';
import { validateSpec } from '../../src/api/validation.js';

/** A validated platform (defaults applied) from a partial raw spec; throws on a bad spec. */
export function platformFrom(
  rawSpec: Readonly<Record<string, unknown>>,
  metadata: { name?: string; namespace?: string; uid?: string } = {},
): WeChatPlatform {
  const result = validateSpec({
    image: 'mpstack/mpstack:test',
    ingress: { host: 'wx.example.com' },
    redis: { urlSecret: { name: 'redis', key: 'url' } },
    ...rawSpec,
  });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return {
    apiVersion: 'mpstack.io/v1alpha1',
    kind: 'WeChatPlatform',
    metadata: {
      name: metadata.name ?? 'wx',
      namespace: metadata.namespace ?? 'prod',
      uid: metadata.uid ?? '6f1c1c5e-0000-4000-8000-000000000001',
      generation: 1,
    },
    spec: result.spec,
  };
}

/** Freezes a value and everything in it, so a function that mutates its input throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
