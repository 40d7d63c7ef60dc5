/**
 * RabbitMQAvailable: for the broker the operator runs, a majority of its StatefulSet's
 * nodes ready — quorum queues accept and confirm messages only with a majority; for an
 * external broker the operator cannot tell and says so.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { CONDITION_TYPES, type WeChatPlatform } from '../api/v1alpha1.js';
import { rabbitmqName } from '../resources/names.js';
import type { ConditionUpdate } from './conditions.js';

interface StatefulSetLike extends KubernetesObject {
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly readyReplicas?: number };
}

export function rabbitmqCondition(
  platform: WeChatPlatform,
  owned: ReadonlyMap<string, KubernetesObject>,
): ConditionUpdate {
  const type = CONDITION_TYPES.rabbitmqAvailable;
  if (platform.spec.rabbitmq.mode !== 'statefulSet') {
    return { type, status: 'Unknown', reason: 'External', message: 'the broker is not run by the operator' };
  }
  const set = owned.get(`StatefulSet/${rabbitmqName(platform)}`) as StatefulSetLike | undefined;
  const nodes = set?.spec?.replicas ?? platform.spec.rabbitmq.replicas;
  const ready = set?.status?.readyReplicas ?? 0;
  const majority = Math.floor(nodes / 2) + 1;
  return ready >= majority
    ? { type, status: 'True', reason: 'QuorumReady', message: `${ready} of ${nodes} nodes ready` }
    : {
        type,
        status: 'False',
        reason: set === undefined ? 'NotCreated' : 'NoQuorum',
        message: `${ready} of ${nodes} nodes ready; quorum queues need ${majority}`,
      };
}
