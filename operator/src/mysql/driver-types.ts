import type { MysqlDialect, SemiSyncOptions, SqlSession } from './dialect.js';

/** One database pod as the operator and its peer reach it. */
export interface PodEndpoint {
  readonly pod: string;
  /** Where the operator connects. */
  readonly host: string;
  readonly port: number;
  /** Where the peer connects for replication (e.g. the headless-Service DNS name); defaults to host/port. */
  readonly replicationHost?: string;
  readonly replicationPort?: number;
}

/** Where a re-seed stands; the driver finishes the GTID bookkeeping once it is `done`. */
export type ReseedProgress = 'done' | 'running';

/** Kubernetes-side actions, supplied by the reconciler; the SQL driver only orders them. */
export interface KubeEffects {
  pointWriterService(pod: string): Promise<void>;
  deletePod(pod: string): Promise<void>;
  /**
   * Copies the application databases of `from` onto `pod` (a dump-and-restore of a
   * consistent snapshot: `reseedScript`), in a Job in a cluster. Idempotent: asked again
   * while it runs it reports `running`; throws when it failed.
   */
  reseed(pod: string, from: string): Promise<ReseedProgress>;
}

/** Everything the driver needs, passed in (no module state). */
export interface DriverOptions {
  readonly dialect: MysqlDialect;
  readonly endpoints: readonly PodEndpoint[];
  readonly connect: (endpoint: PodEndpoint) => Promise<SqlSession>;
  readonly replicationUser: string;
  readonly replicationPassword: string;
  /** Accounts fencing must not disconnect (the operator's own, monitoring). */
  readonly keepUsers: readonly string[];
  /** null = asynchronous replication. */
  readonly semiSync: SemiSyncOptions | null;
  readonly kube: KubeEffects;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Bound on one probe (connect + reads). */
  readonly probeTimeoutMs: number;
  /** Bound on a switchover's wait for the passive to catch up; on expiry the old writer is restored. */
  readonly catchUpTimeoutMs: number;
  /** Bound on a failover's wait for the new writer to apply its relay log. */
  readonly relayDrainTimeoutMs: number;
  readonly pollIntervalMs: number;
  /** Bound on the events read from a binary log at bootstrap (more = not a first boot). */
  readonly maxFirstBootEvents?: number;
}

/** Sensible bounds for {@link DriverOptions}. */
export const defaultDriverTimeouts = {
  probeTimeoutMs: 2000,
  catchUpTimeoutMs: 30_000,
  // Long: a failed drain is retried only at the next probe round, and the backlog of a
  // replica that acknowledges on receipt can take tens of seconds to apply under load.
  relayDrainTimeoutMs: 60_000,
  pollIntervalMs: 100,
} as const;
