import type { SecretKeyRef, ServiceName, WeChatPlatform } from '../api/v1alpha1.js';

/**
 * Names of the objects a platform owns, in one place so the reconciler, the MySQL logic and
 * the manifests agree. Every name is `<platform>-<suffix>`; `validatePlatformName` keeps the
 * platform name short enough for the longest of them to stay a DNS label.
 */

export function serviceObjectName(platform: WeChatPlatform, service: ServiceName): string {
  return `${platform.metadata.name}-${service}`;
}

export function ingressName(platform: WeChatPlatform): string {
  return platform.metadata.name;
}

export const MYSQL_COMPONENT = 'mysql';
export const RABBITMQ_COMPONENT = 'rabbitmq';

/** StatefulSet, headless Service and ConfigMap of the dual-master pair. */
export function mysqlName(platform: WeChatPlatform): string {
  return `${platform.metadata.name}-mysql`;
}

export function mysqlWriterServiceName(platform: WeChatPlatform): string {
  return `${platform.metadata.name}-mysql-writer`;
}

/** Pod `ordinal` of the pair (0 or 1); its DNS name is `<pod>.<mysqlName>`. */
export function mysqlPodName(platform: WeChatPlatform, ordinal: number): string {
  return `${mysqlName(platform)}-${ordinal}`;
}

export function mysqlCredentialsSecretName(platform: WeChatPlatform): string {
  return platform.spec.mysql.credentialsSecret ?? `${platform.metadata.name}-mysql`;
}

/** StatefulSet, client Service and ConfigMap of RabbitMQ. */
export function rabbitmqName(platform: WeChatPlatform): string {
  return `${platform.metadata.name}-rabbitmq`;
}

/** Headless Service giving each RabbitMQ node a stable DNS name for clustering. */
export function rabbitmqNodesServiceName(platform: WeChatPlatform): string {
  return `${platform.metadata.name}-rabbitmq-nodes`;
}

export function rabbitmqCredentialsSecretName(platform: WeChatPlatform): string {
  return platform.spec.rabbitmq.credentialsSecret ?? `${platform.metadata.name}-rabbitmq`;
}

/** Where the services read `MPSTACK_DATABASE_URL` from, for either MySQL mode. */
export function databaseUrlRef(platform: WeChatPlatform): SecretKeyRef {
  const { mysql } = platform.spec;
  if (mysql.mode === 'external' && mysql.externalUrlSecret !== undefined) return mysql.externalUrlSecret;
  return { name: mysqlCredentialsSecretName(platform), key: 'url' };
}

/** Where the services read `MPSTACK_AMQP_URL` from, for either RabbitMQ mode. */
export function amqpUrlRef(platform: WeChatPlatform): SecretKeyRef {
  const { rabbitmq } = platform.spec;
  if (rabbitmq.mode === 'external' && rabbitmq.externalUrlSecret !== undefined) return rabbitmq.externalUrlSecret;
  return { name: rabbitmqCredentialsSecretName(platform), key: 'url' };
}

/** The Kubernetes cluster DNS domain assumed in RabbitMQ node names. */
export const CLUSTER_DOMAIN = 'cluster.local';
