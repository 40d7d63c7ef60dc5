/**
 * Lease-based leader election (coordination.k8s.io/v1), so several operator replicas can
 * run for availability while exactly one reconciles. The same protocol as client-go's
 * leaderelection: the holder renews `renewTime` every `renewIntervalMs`; another replica
 * takes the Lease over only once `renewTime + leaseDuration` has passed; every write is
 * conditional on the resourceVersion read, so two candidates cannot both win. A leader
 * that cannot renew for a whole lease duration stops leading before anyone may take over.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { isConflict } from './errors.js';
import type { OperatorLogger } from './logger.js';
import type { ObjectClient, ObjectRef } from './objects.js';

export interface LeaderElectionOptions {
  readonly objects: ObjectClient;
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica (the pod name). */
  readonly identity: string;
  readonly clock: () => number;
  readonly logger: OperatorLogger;
  readonly leaseDurationMs?: number;
  readonly renewIntervalMs?: number;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
}

interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}
type Lease = KubernetesObject & { readonly spec?: LeaseSpec };

const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

export class LeaderElector {
  private leading = false;
  private lastRenewed = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readonly ref: ObjectRef;
  private readonly durationMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.ref = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: options.namespace,
      name: options.name,
    };
    this.durationMs = options.leaseDurationMs ?? 15_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = () => void this.tick();
    this.timer = setInterval(tick, this.options.renewIntervalMs ?? 5_000);
    this.timer.unref();
    tick();
  }

  /** Stops campaigning; a leader stops leading at once (the Lease then expires for the others). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.setLeading(false);
  }

  /** One round: acquire or renew; also drops leadership that could not be renewed in time. */
  async tick(): Promise<boolean> {
    let held: boolean;
    try {
      held = await this.tryAcquireOrRenew();
    } catch (error) {
      this.options.logger.warn({ err: error, lease: this.options.name }, 'leader election round failed');
      held = false;
    }
    const now = this.options.clock();
    if (held) this.lastRenewed = now;
    this.setLeading(held || (this.leading && now - this.lastRenewed < this.durationMs));
    return this.leading;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.options.clock();
    const lease = await this.options.objects.get<Lease>(this.ref);
    const mine = { holderIdentity: this.options.identity, leaseDurationSeconds: Math.ceil(this.durationMs / 1000) };
    if (lease === undefined) {
      return this.write(() =>
        this.options.objects.create<Lease>({
          ...this.ref,
          metadata: { name: this.ref.name, namespace: this.ref.namespace },
          spec: { ...mine, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        }),
      );
    }
    const spec = lease.spec ?? {};
    const resourceVersion = lease.metadata?.resourceVersion;
    if (spec.holderIdentity === this.options.identity) {
      return this.write(() =>
        this.options.objects.mergePatch(this.ref, {
          metadata: { resourceVersion },
          spec: { renewTime: microTime(now) },
        }),
      );
    }
    const renewed = Date.parse(spec.renewTime ?? '') || 0;
    const duration = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (spec.holderIdentity !== undefined && spec.holderIdentity !== '' && now < renewed + duration) return false;
    return this.write(() =>
      this.options.objects.mergePatch(this.ref, {
        metadata: { resourceVersion },
        spec: {
          ...mine,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
        },
      }),
    );
  }

  /** A conflicting write means another replica wrote first: not ours this round. */
  private async write(operation: () => Promise<unknown>): Promise<boolean> {
    try {
      await operation();
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.logger.info(
      { lease: this.options.name, identity: this.options.identity, leading },
      'leadership changed',
    );
    if (leading) this.options.onStartedLeading?.();
    else this.options.onStoppedLeading?.();
  }
}
