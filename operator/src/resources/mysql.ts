import type { V1ConfigMap, V1Container, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { WeChatPlatform } from '../api/v1alpha1.js';
import { labelsFor, metaFor, POD_NAME_LABEL, selectorFor } from './meta.js';
import { type MySQLFlavor, mysqlConfigKey, mysqlFlavor, mysqlServerConfig, quantityValue } from './mysql-config.js';
import { MYSQL_COMPONENT, mysqlCredentialsSecretName, mysqlName, mysqlWriterServiceName } from './names.js';
import { pullSecretsFor, resourcesOr } from './pod-spec.js';
import { persistentClaim } from './storage.js';

/** The MySQL container's requests when the spec names none. */
export const DEFAULT_MYSQL_RESOURCES = { requests: { cpu: '250m', memory: '512Mi' } };

export const MYSQL_PORT = 3306;
/** The two pods of the dual-master pair. */
export const MYSQL_REPLICAS = 2;
/** The `mysql` user of both the MariaDB and the MySQL official images. */
export const MYSQL_UID = 999;

/** Per-ordinal server files, keyed by {@link mysqlConfigKey}. */
export function mysqlConfigMap(platform: WeChatPlatform): V1ConfigMap {
  const flavor = mysqlFlavor(platform.spec.mysql.image);
  const data: Record<string, string> = {};
  const resources = resourcesOr(platform.spec.mysql.resources, DEFAULT_MYSQL_RESOURCES);
  // The buffer pool is sized on the memory the server may use: its limit, else its request.
  const memoryBytes = quantityValue(resources.limits?.['memory'] ?? resources.requests?.['memory']);
  for (let ordinal = 0; ordinal < MYSQL_REPLICAS; ordinal++) {
    data[mysqlConfigKey(ordinal)] = mysqlServerConfig({
      ordinal,
      flavor,
      semiSync: platform.spec.mysql.semiSync,
      memoryBytes,
    });
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metaFor(platform, mysqlName(platform), MYSQL_COMPONENT),
    data,
  };
}

/**
 * Headless Service: stable per-pod DNS names (`<pod>.<name>`) for replication and for the
 * operator's probes. Not-ready pods are published too, since replication between the pair
 * is set up before either is ready for clients.
 */
export function mysqlHeadlessService(platform: WeChatPlatform): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metaFor(platform, mysqlName(platform), MYSQL_COMPONENT),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorFor(platform, MYSQL_COMPONENT),
      ports: [{ name: 'mysql', port: MYSQL_PORT, targetPort: 'mysql', protocol: 'TCP' }],
    },
  };
}

/**
 * The Service the applications use (`MPSTACK_DATABASE_URL` points here). It selects exactly
 * one pod by its StatefulSet pod-name label: the writer the operator recorded in status.
 * With no writer decided yet (`undefined`) the selector's pod name is empty, which matches
 * no pod, so nothing can write before the operator made one pod writable.
 */
export function mysqlWriterService(platform: WeChatPlatform, writer: string | undefined): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metaFor(platform, mysqlWriterServiceName(platform), MYSQL_COMPONENT),
    spec: {
      type: 'ClusterIP',
      selector: { ...selectorFor(platform, MYSQL_COMPONENT), [POD_NAME_LABEL]: writer ?? '' },
      ports: [{ name: 'mysql', port: MYSQL_PORT, targetPort: 'mysql', protocol: 'TCP' }],
    },
  };
}

/**
 * Readiness is a real query as root over TCP on the pod's own address: a hung or
 * half-started server (the entrypoint's temporary first-boot server listens on no port)
 * is NotReady, which is Kubernetes' half of the failover corroboration. The password comes
 * from the container's environment through MYSQL_PWD (read by both clients), never from
 * the command line; the client's default port is the pod's 3306. Liveness stays a TCP
 * check: a wrong password must not restart a database.
 */
export function mysqlReadinessCommand(flavor: MySQLFlavor): string[] {
  const client = flavor === 'mariadb' ? 'mariadb' : 'mysql';
  return [
    'sh',
    '-c',
    `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec ${client} --protocol=tcp -h 127.0.0.1 -uroot --connect-timeout=2 -N -e "SELECT 1"`,
  ];
}

function secretEnv(name: string, secret: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function mysqlContainers(platform: WeChatPlatform): { init: V1Container; server: V1Container } {
  const { image } = platform.spec.mysql;
  const secret = mysqlCredentialsSecretName(platform);
  const init: V1Container = {
    name: 'server-config',
    image,
    command: [
      'sh',
      '-c',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, run by sh in the pod
      'set -e; ordinal="${HOSTNAME##*-}"; cp "/config/server-${ordinal}.cnf" /conf.d/50-mpstack.cnf',
    ],
    volumeMounts: [
      { name: 'config', mountPath: '/config', readOnly: true },
      { name: 'conf-d', mountPath: '/conf.d' },
    ],
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
  const server: V1Container = {
    name: 'mysql',
    image,
    ports: [{ name: 'mysql', containerPort: MYSQL_PORT, protocol: 'TCP' }],
    env: [
      secretEnv('MYSQL_ROOT_PASSWORD', secret, 'root-password'),
      { name: 'MYSQL_DATABASE', value: 'mpstack' },
      { name: 'MYSQL_USER', value: 'mpstack' },
      secretEnv('MYSQL_PASSWORD', secret, 'password'),
    ],
    readinessProbe: {
      exec: { command: mysqlReadinessCommand(mysqlFlavor(image)) },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 2,
    },
    livenessProbe: { tcpSocket: { port: 'mysql' }, initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 6 },
    resources: resourcesOr(platform.spec.mysql.resources, DEFAULT_MYSQL_RESOURCES),
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'data', mountPath: '/var/lib/mysql' },
      { name: 'conf-d', mountPath: '/etc/mysql/conf.d' },
    ],
  };
  return { init, server };
}

/**
 * The dual-master pair. `OnDelete` updates: the operator, not the StatefulSet controller,
 * decides when each pod restarts (the passive first, then a switchover, then the old
 * writer), so a spec change never takes the writer down without a switchover. `Parallel`
 * pod management: neither pod depends on the other to boot.
 */
export function mysqlStatefulSet(platform: WeChatPlatform): V1StatefulSet {
  const name = mysqlName(platform);
  const { init, server } = mysqlContainers(platform);
  const selector = selectorFor(platform, MYSQL_COMPONENT);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metaFor(platform, name, MYSQL_COMPONENT),
    spec: {
      replicas: MYSQL_REPLICAS,
      serviceName: name,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labelsFor(platform, MYSQL_COMPONENT) },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: MYSQL_UID, runAsGroup: MYSQL_UID, fsGroup: MYSQL_UID },
          ...pullSecretsFor(platform),
          terminationGracePeriodSeconds: 60,
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
                },
              ],
            },
          },
          initContainers: [init],
          containers: [server],
          volumes: [
            { name: 'config', configMap: { name } },
            { name: 'conf-d', emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [persistentClaim(platform, 'data', MYSQL_COMPONENT, platform.spec.mysql.storage)],
    },
  };
}
