import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { StorageSpec, WeChatPlatform } from '../api/v1alpha1.js';
import { labelsFor } from './meta.js';

/**
 * A StatefulSet volume claim template. No owner reference: the claims outlive the
 * StatefulSet on purpose (deleting a platform must not delete its database), and a
 * template's metadata is copied to every claim.
 */
export function persistentClaim(
  platform: WeChatPlatform,
  name: string,
  component: string,
  storage: StorageSpec,
): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, labels: labelsFor(platform, component) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storage.storageClassName !== undefined ? { storageClassName: storage.storageClassName } : {}),
      resources: { requests: { storage: storage.size } },
    },
  };
}
