/**
 * Queue depth as a second scaling metric for the business workers (spec
 * `services.business-worker.scaling.queue`): ready + unacknowledged messages of the queue,
 * read from the RabbitMQ management API of the platform's own broker, with the
 * credentials of its Secret. A broker the operator does not run (external mode) has no
 * known management URL: the reading is unavailable, so the decision holds on it.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { WeChatPlatform } from '../api/v1alpha1.js';
import type { ObjectClient } from '../kube/objects.js';
import { createRabbitManagementClient, readQueueDepth } from '../metrics/rabbitmq-management.js';
import { rabbitmqCredentialsSecretName, rabbitmqName } from '../resources/names.js';
import type { MetricReading } from '../scaling/decide.js';

/** The depth of one queue as a metric with its per-replica target. */
export type QueueDepthSource = (
  platform: WeChatPlatform,
  queue: string,
  targetPerReplica: number,
) => Promise<MetricReading>;

export interface QueueDepthSourceOptions {
  readonly objects: ObjectClient;
  readonly fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /** The management base URL of a platform's broker; the in-cluster Service unless given. */
  readonly managementUrlOf?: (platform: WeChatPlatform) => string;
}

type SecretLike = KubernetesObject & { readonly data?: Readonly<Record<string, string>> };

export function createQueueDepthSource(options: QueueDepthSourceOptions): QueueDepthSource {
  const urlOf =
    options.managementUrlOf ??
    ((platform: WeChatPlatform) => `http://${rabbitmqName(platform)}.${platform.metadata.namespace}.svc:15672`);
  return async (platform, queue, targetPerReplica) => {
    if (platform.spec.rabbitmq.mode !== 'statefulSet') {
      return { kind: 'unavailable', reason: 'queue depth needs the RabbitMQ the operator runs (external broker)' };
    }
    const secret = await options.objects
      .get<SecretLike>({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: platform.metadata.namespace,
        name: rabbitmqCredentialsSecretName(platform),
      })
      .catch(() => undefined);
    const username = decode(secret?.data?.['username']);
    const password = decode(secret?.data?.['password']);
    if (username === undefined || password === undefined) {
      return {
        kind: 'unavailable',
        reason: `Secret ${rabbitmqCredentialsSecretName(platform)} lacks username/password`,
      };
    }
    const client = createRabbitManagementClient({
      url: urlOf(platform),
      username,
      password,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    return readQueueDepth(client, { vhost: '/', queue, targetPerReplica });
  };
}

function decode(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}
