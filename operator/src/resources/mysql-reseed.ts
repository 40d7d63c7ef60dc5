import type { V1Job } from '@kubernetes/client-node';
import type { WeChatPlatform } from '../api/v1alpha1.js';
import { reseedScript } from '../mysql/reseed.js';
import { labelsFor, metaFor } from './meta.js';
import { MYSQL_PORT, MYSQL_UID } from './mysql.js';
import { mysqlFlavor } from './mysql-config.js';
import { mysqlCredentialsSecretName, mysqlName } from './names.js';

/** Label component of the re-seed Job (not `mysql`: its pod is not one of the pair). */
export const MYSQL_RESEED_COMPONENT = 'mysql-reseed';

/** The Job re-seeding `pod` from `from`; one per target pod at a time. */
export function mysqlReseedJobName(pod: string): string {
  return `${pod}-reseed`;
}

/**
 * The Job that runs {@link reseedScript} with the platform's MySQL image against the two
 * pods' headless-Service names. No retries inside the Job: a failed re-seed stays visible
 * (its logs) and the operator reports it; deleting the Job retries.
 */
export function mysqlReseedJob(platform: WeChatPlatform, pod: string, from: string): V1Job {
  const service = `${mysqlName(platform)}.${platform.metadata.namespace}.svc`;
  const secret = mysqlCredentialsSecretName(platform);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metaFor(platform, mysqlReseedJobName(pod), MYSQL_RESEED_COMPONENT),
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: labelsFor(platform, MYSQL_RESEED_COMPONENT) },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, runAsUser: MYSQL_UID, runAsGroup: MYSQL_UID },
          containers: [
            {
              name: 'reseed',
              image: platform.spec.mysql.image,
              command: ['sh', '-c', reseedScript(mysqlFlavor(platform.spec.mysql.image))],
              env: [
                { name: 'SOURCE_HOST', value: `${from}.${service}` },
                { name: 'SOURCE_PORT', value: String(MYSQL_PORT) },
                { name: 'TARGET_HOST', value: `${pod}.${service}` },
                { name: 'TARGET_PORT', value: String(MYSQL_PORT) },
                { name: 'MYSQL_PWD', valueFrom: { secretKeyRef: { name: secret, key: 'root-password' } } },
              ],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}
