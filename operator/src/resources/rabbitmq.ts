import type { V1ConfigMap, V1Container, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { WeChatPlatform } from '../api/v1alpha1.js';
import { labelsFor, metaFor, selectorFor } from './meta.js';
import { RABBITMQ_COMPONENT, rabbitmqCredentialsSecretName, rabbitmqName, rabbitmqNodesServiceName } from './names.js';
import { pullSecretsFor, resourcesOr } from './pod-spec.js';
import { RABBITMQ_ENABLED_PLUGINS, rabbitmqConf, rabbitmqDefinitions, rabbitmqNodeHost } from './rabbitmq-config.js';
import { persistentClaim } from './storage.js';

export const AMQP_PORT = 5672;
/** The broker container's requests when the spec names none. */
export const DEFAULT_RABBITMQ_RESOURCES = { requests: { cpu: '250m', memory: '512Mi' } };
/** The `rabbitmq` user of the official image. */
const RABBITMQ_UID = 999;

export function rabbitmqConfigMap(platform: WeChatPlatform): V1ConfigMap {
  const options = {
    statefulSetName: rabbitmqName(platform),
    nodesServiceName: rabbitmqNodesServiceName(platform),
    namespace: platform.metadata.namespace,
    replicas: platform.spec.rabbitmq.replicas,
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metaFor(platform, rabbitmqName(platform), RABBITMQ_COMPONENT),
    data: {
      'rabbitmq.conf': rabbitmqConf(options),
      enabled_plugins: RABBITMQ_ENABLED_PLUGINS,
      'definitions.json': rabbitmqDefinitions(),
    },
  };
}

/** Headless Service for node names; published before ready because clustering precedes readiness. */
export function rabbitmqNodesService(platform: WeChatPlatform): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metaFor(platform, rabbitmqNodesServiceName(platform), RABBITMQ_COMPONENT),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorFor(platform, RABBITMQ_COMPONENT),
      ports: [
        { name: 'epmd', port: 4369, targetPort: 4369, protocol: 'TCP' },
        { name: 'amqp', port: AMQP_PORT, targetPort: AMQP_PORT, protocol: 'TCP' },
        { name: 'dist', port: 25672, targetPort: 25672, protocol: 'TCP' },
      ],
    },
  };
}

/** The Service clients use: AMQP, the management API (queue depth) and Prometheus metrics. */
export function rabbitmqClientService(platform: WeChatPlatform): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metaFor(platform, rabbitmqName(platform), RABBITMQ_COMPONENT),
    spec: {
      type: 'ClusterIP',
      selector: selectorFor(platform, RABBITMQ_COMPONENT),
      ports: [
        { name: 'amqp', port: AMQP_PORT, targetPort: 'amqp', protocol: 'TCP' },
        { name: 'management', port: 15672, targetPort: 'management', protocol: 'TCP' },
        { name: 'prometheus', port: 15692, targetPort: 'prometheus', protocol: 'TCP' },
      ],
    },
  };
}

function env(platform: WeChatPlatform) {
  const secret = rabbitmqCredentialsSecretName(platform);
  const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return [
    field('POD_NAME', 'metadata.name'),
    field('POD_NAMESPACE', 'metadata.namespace'),
    { name: 'RABBITMQ_USE_LONGNAME', value: 'true' },
    {
      name: 'RABBITMQ_NODENAME',
      value: rabbitmqNodeHost('$(POD_NAME)', rabbitmqNodesServiceName(platform), '$(POD_NAMESPACE)'),
    },
    { name: 'RABBITMQ_DEFAULT_USER', valueFrom: { secretKeyRef: { name: secret, key: 'username' } } },
    { name: 'RABBITMQ_DEFAULT_PASS', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
  ];
}

/** Every node must share the Erlang cookie; the image would generate a random one per node. */
function cookieInit(platform: WeChatPlatform): V1Container {
  return {
    name: 'erlang-cookie',
    image: platform.spec.rabbitmq.image,
    command: [
      'sh',
      '-c',
      'cp /cookie/erlang-cookie /var/lib/rabbitmq/.erlang.cookie && chmod 600 /var/lib/rabbitmq/.erlang.cookie',
    ],
    volumeMounts: [
      { name: 'cookie', mountPath: '/cookie', readOnly: true },
      { name: 'data', mountPath: '/var/lib/rabbitmq' },
    ],
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
}

function broker(platform: WeChatPlatform): V1Container {
  return {
    name: 'rabbitmq',
    image: platform.spec.rabbitmq.image,
    ports: [
      { name: 'amqp', containerPort: AMQP_PORT, protocol: 'TCP' },
      { name: 'management', containerPort: 15672, protocol: 'TCP' },
      { name: 'prometheus', containerPort: 15692, protocol: 'TCP' },
      { name: 'epmd', containerPort: 4369, protocol: 'TCP' },
      { name: 'dist', containerPort: 25672, protocol: 'TCP' },
    ],
    env: env(platform),
    // Ready = accepting AMQP connections, which is what the services need.
    readinessProbe: { tcpSocket: { port: 'amqp' }, periodSeconds: 10, failureThreshold: 3 },
    livenessProbe: {
      exec: { command: ['rabbitmq-diagnostics', '-q', 'ping'] },
      initialDelaySeconds: 60,
      periodSeconds: 30,
      timeoutSeconds: 15,
      failureThreshold: 6,
    },
    // Definitions imported at boot would suppress the default user; importing them once the
    // node answers keeps both (the import is idempotent).
    lifecycle: {
      postStart: {
        exec: {
          command: [
            'sh',
            '-c',
            'until rabbitmqctl -q await_startup --timeout 10; do sleep 2; done; rabbitmqctl -q import_definitions /etc/rabbitmq/definitions.json',
          ],
        },
      },
    },
    resources: resourcesOr(platform.spec.rabbitmq.resources, DEFAULT_RABBITMQ_RESOURCES),
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'data', mountPath: '/var/lib/rabbitmq' },
      { name: 'config', mountPath: '/etc/rabbitmq', readOnly: true },
    ],
  };
}

/**
 * The broker cluster. `Parallel`: every pod starts at once, so a full restart (a drained node
 * pool, a cluster upgrade) cannot deadlock on a pod waiting for a peer that waits for it to be
 * Ready; one cluster still forms on first boot because classic-config discovery takes an
 * internal lock (see rabbitmq-config.ts).
 */
export function rabbitmqStatefulSet(platform: WeChatPlatform): V1StatefulSet {
  const name = rabbitmqName(platform);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metaFor(platform, name, RABBITMQ_COMPONENT),
    spec: {
      replicas: platform.spec.rabbitmq.replicas,
      serviceName: rabbitmqNodesServiceName(platform),
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      selector: { matchLabels: selectorFor(platform, RABBITMQ_COMPONENT) },
      template: {
        metadata: { labels: labelsFor(platform, RABBITMQ_COMPONENT) },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RABBITMQ_UID,
            runAsGroup: RABBITMQ_UID,
            fsGroup: RABBITMQ_UID,
          },
          ...pullSecretsFor(platform),
          terminationGracePeriodSeconds: 120,
          initContainers: [cookieInit(platform)],
          containers: [broker(platform)],
          volumes: [
            { name: 'config', configMap: { name } },
            {
              name: 'cookie',
              secret: {
                secretName: rabbitmqCredentialsSecretName(platform),
                items: [{ key: 'erlang-cookie', path: 'erlang-cookie' }],
              },
            },
          ],
        },
      },
      volumeClaimTemplates: [persistentClaim(platform, 'data', RABBITMQ_COMPONENT, platform.spec.rabbitmq.storage)],
    },
  };
}
