/**
 * The level-triggered, idempotent reconciler of one `WeChatPlatform` (docs/conventions.md §11): observe
 * (the CR and what it owns) → validate the spec → one MySQL dual-master round (the writer) →
 * compute the desired objects (replicas from the scaling decision, the writer from that round
 * or status) → apply (create, patch, delete only
 * what differs) → patch `/status` only if it changed. It may run any number of times for the
 * same state and does nothing the second time. A class because it owns the per-service
 * scaler state (stabilization windows, rate-limit history) of every platform.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import {
  ANNOTATIONS,
  API_VERSION,
  CONDITION_TYPES,
  KIND,
  type ScheduledPush,
  type ServiceName,
  type WeChatPlatform,
  type WeChatPlatformStatus,
} from '../api/v1alpha1.js';
import { validatePlatformName } from '../api/validation.js';
import { EventType } from '../kube/events.js';
import type { ObjectRef } from '../kube/objects.js';
import { deployedServices } from '../resources/deployed.js';
import { serviceObjectName } from '../resources/names.js';
import type { ScalerState } from '../scaling/scaling.types.js';
import { nextScheduledPushes } from './announced-pushes.js';
import { type ApplyFailure, applyDesired } from './apply.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from './finalizer.js';
import { mysqlControlFor, runMysqlStep } from './mysql-step.js';
import { listOwned, refOf } from './owned.js';
import type { ReconcilerDeps } from './ports.js';
import { rabbitmqCondition } from './rabbitmq-condition.js';
import { keepRabbitmqNodes } from './rabbitmq-guard.js';
import { decideAllReplicas, type ServiceOutcome } from './replicas.js';
import { RoundClocks } from './round-clocks.js';
import { scalingCondition } from './scaling-condition.js';
import { applyFailedCondition, nextStatus, readyCondition, serviceStatuses, writeStatus } from './status.js';

/** A platform as read from the API server, before its spec passed `validateSpec`. */
export interface RawPlatform {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: WeChatPlatform['metadata'] & { readonly deletionTimestamp?: string | Date };
  readonly spec?: unknown;
  readonly status?: WeChatPlatformStatus;
}

export interface ReconcileResult {
  /** Reconcile again after this long (the next metrics scrape). */
  readonly requeueAfterMs?: number;
}

const scrapeMsOf = (platform: WeChatPlatform) => platform.spec.metrics.scrapeIntervalSeconds * 1000;
const probeMsOf = (platform: WeChatPlatform) => platform.spec.mysql.failover.probeIntervalSeconds * 1000;

export class Reconciler {
  private readonly scalerStates = new Map<string, Map<ServiceName, ScalerState>>();
  private readonly outcomes = new Map<string, ReadonlyMap<ServiceName, ServiceOutcome>>();
  private readonly clocks = new RoundClocks();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Brings the platform `namespace/name` to its spec; throws (to be retried) on API errors. */
  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const ref: ObjectRef = { apiVersion: API_VERSION, kind: KIND, namespace, name };
    const raw = await this.deps.objects.get<RawPlatform>(ref);
    if (raw === undefined) {
      this.forget(namespace, name);
      return {};
    }
    if (raw.metadata.deletionTimestamp !== undefined) return this.finalize(ref, raw);
    await addFinalizer(this.deps.objects, ref, raw);
    // The CRD's CEL rule on the name is re-checked here, with the spec's rules.
    const nameProblems = validatePlatformName(raw.metadata.name);
    const validation = this.deps.validateSpec(raw.spec);
    if (!validation.ok || nameProblems.length > 0) {
      return this.rejectSpec(ref, raw, [...nameProblems, ...(validation.ok ? [] : validation.problems)]);
    }
    const platform = { ...raw, apiVersion: API_VERSION, kind: KIND, spec: validation.spec } as WeChatPlatform;
    return this.converge(ref, platform, raw.status);
  }

  /** Forgets a platform's scaler state and clocks (after it is gone). */
  forget(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.scalerStates.delete(key);
    this.outcomes.delete(key);
    this.clocks.forget(key);
  }

  /**
   * One of the platform's MySQL Pods changed (readiness, deletion): its next reconcile runs a
   * MySQL round even between probe ticks — the Kubernetes half of the failover corroboration
   * is acted on at once. The round does not count as a probe (see `RoundClocks`).
   */
  requestMysqlRound(namespace: string, name: string): void {
    this.clocks.requestProbe(`${namespace}/${name}`);
  }

  private async converge(
    ref: ObjectRef,
    platform: WeChatPlatform,
    previous: WeChatPlatformStatus | undefined,
  ): Promise<ReconcileResult> {
    const { deps } = this;
    const services = deps.services ?? deployedServices();
    const isPaused = platform.metadata.annotations?.[ANNOTATIONS.paused] === 'true' || platform.spec.paused;
    const owned = await listOwned(deps.objects, ref.namespace, platform.metadata.uid);
    const key = `${ref.namespace}/${ref.name}`;
    const control = mysqlControlFor(deps, platform, isPaused);
    const probeMs = control === undefined ? undefined : probeMsOf(platform);
    const plan = this.clocks.plan(key, deps.clock(), scrapeMsOf(platform), probeMs);
    const announced = await this.announcedPushes(platform, previous, plan.scrape, services);
    const outcomes = await decideAllReplicas({
      deps,
      platform,
      owned,
      isPaused,
      states: this.statesOf(ref),
      scrape: plan.scrape,
      previous: this.outcomes.get(key) ?? new Map(),
      ...(announced === undefined ? {} : { announced }),
    });
    this.outcomes.set(key, new Map(outcomes.map((o) => [o.service, o])));
    const mysql =
      control === undefined || plan.mysql === 'none'
        ? undefined
        : await runMysqlStep(deps, control, platform, previous, { countsAsProbe: plan.mysql === 'probe' });
    const writer = mysql?.writer ?? previous?.mysql?.writer;
    let failed: readonly ApplyFailure[] = [];
    if (!isPaused) {
      const replicas = Object.fromEntries(outcomes.map((o) => [o.service, o.replicas]));
      const { desired, refused } = keepRabbitmqNodes(
        platform,
        deps.desiredResources(platform, { replicas, mysqlWriter: writer, services }),
        owned,
      );
      if (refused !== undefined) {
        await deps.events.record(
          platform,
          EventType.Warning,
          'RabbitMQScaleDownRefused',
          `RabbitMQ stays at ${refused.running} nodes (asked ${refused.asked}): shrink quorum queues by hand first`,
        );
      }
      const summary = await applyDesired(deps.objects, ref.namespace, desired, owned);
      if (summary.created.length + summary.patched.length + summary.deleted.length > 0) {
        deps.logger.info({ platform: ref.name, ...summary }, 'applied');
      }
      failed = summary.failed;
      if (failed.length > 0) deps.logger.warn({ platform: ref.name, failed }, 'objects the API server refused');
    }
    const deployments = new Map(
      services.map((s) => [s, owned.get(`Deployment/${serviceObjectName(platform, s)}`)] as const),
    );
    const now = deps.clock();
    const status = nextStatus({
      previous,
      generation: platform.metadata.generation,
      now,
      conditions: [
        failed.length === 0 ? readyCondition(deployments) : applyFailedCondition(failed),
        scalingCondition(outcomes, isPaused),
        rabbitmqCondition(platform, owned),
        ...(mysql?.conditions ?? []),
      ],
      services: serviceStatuses(outcomes, deployments, previous, now),
      ...(mysql?.status === undefined ? {} : { mysql: mysql.status }),
      ...(announced === undefined ? {} : { scheduledPushes: announced }),
    });
    await writeStatus(deps.objects, ref, previous, status);
    await this.recordScaling(platform, outcomes, owned);
    return { requeueAfterMs: this.clocks.nextDueInMs(key, deps.clock(), scrapeMsOf(platform), probeMs) };
  }

  /**
   * The pushes the business service announces, read on scrape rounds (kept from status in
   * between, and when it cannot be read); undefined without a source or a business service.
   */
  private async announcedPushes(
    platform: WeChatPlatform,
    previous: WeChatPlatformStatus | undefined,
    scrape: boolean,
    services: readonly ServiceName[],
  ): Promise<readonly ScheduledPush[] | undefined> {
    const source = this.deps.scheduledPushes;
    if (source === undefined || !services.includes('business')) return undefined;
    const read = scrape ? await source(platform) : undefined;
    return nextScheduledPushes(read, previous?.scheduledPushes, this.deps.clock());
  }

  private async rejectSpec(ref: ObjectRef, raw: RawPlatform, problems: readonly string[]): Promise<ReconcileResult> {
    const message = `invalid spec: ${problems.join('; ')}`;
    const status = nextStatus({
      previous: raw.status,
      generation: raw.metadata.generation,
      now: this.deps.clock(),
      conditions: [{ type: CONDITION_TYPES.ready, status: 'False', reason: 'InvalidSpec', message }],
    });
    await writeStatus(this.deps.objects, ref, raw.status, status);
    await this.deps.events.record(raw, EventType.Warning, 'InvalidSpec', message);
    return {};
  }

  private async finalize(ref: ObjectRef, raw: RawPlatform): Promise<ReconcileResult> {
    if (!hasFinalizer(raw)) return {};
    const owned = await listOwned(this.deps.objects, ref.namespace, raw.metadata.uid);
    for (const object of owned.values()) await this.deps.objects.delete(refOf(object, ref.namespace));
    await removeFinalizer(this.deps.objects, ref, raw);
    this.forget(ref.namespace, ref.name);
    this.deps.logger.info({ platform: ref.name, deleted: owned.size }, 'cleaned up; finalizer removed');
    return {};
  }

  private statesOf(ref: ObjectRef): Map<ServiceName, ScalerState> {
    const key = `${ref.namespace}/${ref.name}`;
    const existing = this.scalerStates.get(key);
    if (existing !== undefined) return existing;
    const created = new Map<ServiceName, ScalerState>();
    this.scalerStates.set(key, created);
    return created;
  }

  /** One Normal Event per actual scaling change, so `kubectl describe` shows the history. */
  private async recordScaling(
    platform: WeChatPlatform,
    outcomes: readonly ServiceOutcome[],
    owned: ReadonlyMap<string, KubernetesObject>,
  ) {
    for (const { service, replicas, decision } of outcomes) {
      const current = (
        owned.get(`Deployment/${serviceObjectName(platform, service)}`) as { spec?: { replicas?: number } } | undefined
      )?.spec?.replicas;
      if (decision === undefined || current === undefined || current === replicas) continue;
      await this.deps.events.record(
        platform,
        EventType.Normal,
        'Scaled',
        `${service}: ${current} → ${replicas} (${decision.message})`,
      );
    }
  }
}
