/**
 * The status of a platform: computed from what was observed, compared with what is there,
 * and written to the `/status` subresource (merge patch) only when it differs — a reconcile
 * that changes nothing must write nothing. The operator is the only writer of the fields it
 * sets, so the patch carries no resourceVersion; a 409 (a conflicting writer, or an API
 * server under pressure) is retried a few times before the reconcile fails and is requeued.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  CONDITION_TYPES,
  type Condition,
  GROUP,
  type MySQLStatus,
  PLURAL,
  type ScheduledPush,
  type ServiceName,
  type ServiceStatus,
  VERSION,
  type WeChatPlatformStatus,
} from '../api/v1alpha1.js';
import { retryOnConflict } from '../kube/errors.js';
import type { ObjectClient, ObjectRef } from '../kube/objects.js';
import { type ConditionUpdate, setConditions } from './conditions.js';
import type { ServiceOutcome } from './replicas.js';

export const PLATFORM_TYPE = { group: GROUP, version: VERSION, plural: PLURAL } as const;

interface DeploymentLike extends KubernetesObject {
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly replicas?: number; readonly readyReplicas?: number };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * A new reading replaces `lastMetric` only when it moved by more than this fraction (the
 * HPA's default tolerance; at least 1 req/s): a steady load must not rewrite the status at
 * every scrape just because the reading's time moved.
 */
const METRIC_CHANGE = 0.1;

function hasMetricMoved(previous: number | undefined, observed: number): boolean {
  if (previous === undefined) return true;
  return Math.abs(observed - previous) > Math.max(1, METRIC_CHANGE * Math.abs(previous));
}

/** Per-service status: observed replicas, desired replicas, the last metric that moved. */
export function serviceStatuses(
  outcomes: readonly ServiceOutcome[],
  deployments: ReadonlyMap<ServiceName, DeploymentLike | undefined>,
  previous: WeChatPlatformStatus | undefined,
  now: number,
): Partial<Record<ServiceName, ServiceStatus>> {
  const result: Partial<Record<ServiceName, ServiceStatus>> = {};
  for (const { service, replicas, decision } of outcomes) {
    const observed = decision?.observed;
    const recorded = previous?.services?.[service]?.lastMetric;
    const lastMetric =
      observed === undefined || !hasMetricMoved(recorded?.requestsPerSecond, observed)
        ? recorded
        : { requestsPerSecond: round(observed), at: iso(now) };
    result[service] = {
      replicas: deployments.get(service)?.status?.replicas ?? 0,
      desiredReplicas: replicas,
      ...(lastMetric === undefined ? {} : { lastMetric }),
    };
  }
  return result;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Ready: every service Deployment exists and has as many ready pods as it asks for. */
export function readyCondition(deployments: ReadonlyMap<ServiceName, DeploymentLike | undefined>): ConditionUpdate {
  const notReady = [...deployments].filter(
    ([, d]) => d === undefined || (d.status?.readyReplicas ?? 0) < (d.spec?.replicas ?? 1),
  );
  if (notReady.length === 0)
    return {
      type: CONDITION_TYPES.ready,
      status: 'True',
      reason: 'AllReplicasReady',
      message: 'every service has its replicas ready',
    };
  const names = notReady.map(([service]) => service).join(', ');
  return {
    type: CONDITION_TYPES.ready,
    status: 'False',
    reason: 'Progressing',
    message: `waiting for ready replicas: ${names}`,
  };
}

/** Ready=False with the API server's own message for each object it refused (the others were applied). */
export function applyFailedCondition(failed: readonly { key: string; message: string }[]): ConditionUpdate {
  return {
    type: CONDITION_TYPES.ready,
    status: 'False',
    reason: 'ApplyFailed',
    message: failed.map((f) => `${f.key}: ${f.message}`).join('; '),
  };
}

export interface StatusInput {
  readonly previous: WeChatPlatformStatus | undefined;
  readonly generation: number | undefined;
  readonly now: number;
  readonly conditions: readonly ConditionUpdate[];
  readonly services?: Partial<Record<ServiceName, ServiceStatus>>;
  /** The MySQL state to persist (`status.mysql`), from the MySQL round. */
  readonly mysql?: MySQLStatus;
  /**
   * The pushes the business service announced. Written as a whole list, `[]` when none (a
   * merge patch replaces an array, but leaves a field it does not name).
   */
  readonly scheduledPushes?: readonly ScheduledPush[];
}

/** The whole new status; what the input does not carry (e.g. `mysql` when no round ran) is kept. */
export function nextStatus(input: StatusInput): WeChatPlatformStatus {
  const { previous } = input;
  const conditions: readonly Condition[] = setConditions(
    previous?.conditions ?? [],
    input.conditions,
    input.now,
    input.generation,
  );
  return {
    ...previous,
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    conditions,
    ...(input.services === undefined ? {} : { services: input.services }),
    ...(input.mysql === undefined ? {} : { mysql: { ...previous?.mysql, ...input.mysql } }),
    ...(input.scheduledPushes === undefined ? {} : { scheduledPushes: input.scheduledPushes }),
  };
}

/** JSON with sorted keys, so two statuses compare equal whatever order the server kept. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Writes `next` if it differs from `previous`; returns whether it wrote. */
export async function writeStatus(
  client: ObjectClient,
  ref: ObjectRef,
  previous: WeChatPlatformStatus | undefined,
  next: WeChatPlatformStatus,
): Promise<boolean> {
  if (stableJson(previous ?? {}) === stableJson(next)) return false;
  await retryOnConflict(4, () => client.patchStatus(PLATFORM_TYPE, ref, next));
  return true;
}
