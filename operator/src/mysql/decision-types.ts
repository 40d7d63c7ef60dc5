import { CONDITION_TYPES } from '../api/v1alpha1.js';
import type { BinlogTransaction } from './binlog.js';
import type { BinlogPosition, ReplicaStatus, SemiSyncSourceState } from './dialect.js';
import type { GtidSet } from './gtid.js';

/**
 * Inputs and outputs of the pure writer decision ({@link decide}). The reconciler
 * observes both pods, calls `decide`, executes the actions, and persists `state` only
 * when every action succeeded — so a crash between the steps repeats the decision
 * instead of recording a writer that was never promoted.
 */

/** What Kubernetes says about a pod: the corroborating signal for failover. */
export const KubeSignal = {
  ready: 'ready',
  notReady: 'notReady',
  terminating: 'terminating',
  absent: 'absent',
} as const;
export type KubeSignal = (typeof KubeSignal)[keyof typeof KubeSignal];

/** One probe round's view of one pod. Database fields are absent when unreachable. */
export interface PodObservation {
  readonly pod: string;
  readonly reachable: boolean;
  readonly kube: KubeSignal;
  readonly readOnly?: boolean;
  readonly gtidExecuted?: GtidSet;
  /** The GTID source key of this pod's own writes (MariaDB domain id, MySQL server_uuid). */
  readonly ownSource?: string;
  readonly replica?: ReplicaStatus;
  /** The pod this server replicates from (resolved by the driver from host/port), if any. */
  readonly replicaSource?: string | null;
  /** Why the probe failed, for conditions and events. */
  readonly probeError?: string;
  /** The source side of semi-sync (read when the pair runs semi-sync). */
  readonly semiSync?: SemiSyncSourceState;
  /**
   * Executed ∪ received by the IO thread, read after every pod's probe finished — so it is
   * later than the peer's `gtidExecuted` of the same round.
   */
  readonly received?: GtidSet;
  /** When the server process started (operator clock, ms, never earlier than the truth). */
  readonly startedAt?: number;
  /** The binary log's transactions, read before bootstrap only; null when too long to be a first boot. */
  readonly binlog?: readonly BinlogTransaction[] | null;
  /** Where the binary log ended, read before `gtidExecuted` (so everything before it is in that set). */
  readonly binlogPosition?: BinlogPosition;
  /**
   * For a fenced pod with an {@link AckProof}: the GTIDs logged in the proof's file after the
   * proof's position (null: too many to read, or the file is gone).
   */
  readonly loggedSinceProof?: readonly string[] | null;
}

/**
 * A round that proved every transaction a writer had logged up to `file`/`pos` had reached
 * its peer, while semi-sync was in force with no fallback to asynchronous commits before
 * `ackTimeoutMs`; `at` is when the round started (ms).
 */
export interface AckProof {
  readonly at: number;
  readonly file: string;
  readonly pos: number;
}

/** Tunables; {@link defaultMysqlSettings} meets the ≤ 30 s failover target. */
export interface MysqlSettings {
  /** Consecutive failed probes of the writer before failover is even considered. */
  readonly failureThreshold: number;
  /** How often the reconciler probes (one `decide` per probe round). */
  readonly probeIntervalSeconds: number;
  /** Minimum time between two failovers: a flapping network must not ping-pong the writer. */
  readonly antiFlapSeconds: number;
  /** Replication lag above which MySQLReplicationHealthy turns False. */
  readonly maxLagSeconds: number;
  /**
   * The writers' semi-sync timeout (ms): the shortest time in which a commit can be
   * acknowledged without a replica's receipt. null = asynchronous replication (no proof that
   * anything was unacknowledged, so no automatic re-seed of an ex-writer with extra transactions).
   */
  readonly ackTimeoutMs: number | null;
}

export const defaultMysqlSettings: MysqlSettings = {
  failureThreshold: 3,
  probeIntervalSeconds: 5,
  antiFlapSeconds: 300,
  maxLagSeconds: 30,
  ackTimeoutMs: 60_000,
};

/** What the operator records (in the custom resource's status) between rounds. */
export interface MysqlState {
  /** The one pod allowed to be writable; null before bootstrap. */
  readonly writer: string | null;
  /** ms timestamp of the last failover (anti-flap). */
  readonly lastFailoverAt: number | null;
  /** Consecutive failed probes per pod. */
  readonly failures: Readonly<Record<string, number>>;
  /** Pods that lost the writer role by failover and have not rejoined yet. */
  readonly fenced: readonly string[];
  /**
   * Per pod (the writer, and fenced ex-writers): its last {@link AckProof}. Whatever such a
   * pod logged after it, in the same binlog file, and its peer lacks was never acknowledged
   * if the pod stopped within `ackTimeoutMs` of the proof.
   */
  readonly ackProof?: Readonly<Record<string, AckProof>>;
}

export const initialMysqlState: MysqlState = {
  writer: null,
  lastFailoverAt: null,
  failures: {},
  fenced: [],
  ackProof: {},
};

/** Everything `decide` looks at. `pods` lists both StatefulSet pods, pod-0 first. */
export interface DecisionInput {
  readonly now: number;
  /** When the round's probes started (ms); `now` when absent. Proofs are dated by it. */
  readonly observedAt?: number;
  readonly pods: readonly [string, string];
  readonly observations: readonly PodObservation[];
  readonly state: MysqlState;
  readonly settings: MysqlSettings;
  /** A planned switchover target (from the spec); absent = keep the current writer. */
  readonly requestedWriter?: string;
}

/** The actions; SQL ones run in the driver, Kubernetes ones in the reconciler. */
export type MysqlAction =
  | { readonly type: 'bootstrap'; readonly writer: string; readonly passive: string }
  /** Both pods record the union of their first-boot transactions as executed (see decideBootstrap). */
  | { readonly type: 'adoptFirstBoot'; readonly pods: readonly [string, string] }
  /** The source side of semi-sync on the writer: off while its replica is gone, on once it is back. */
  | { readonly type: 'setSemiSyncSource'; readonly pod: string; readonly enabled: boolean }
  /** Replace a fenced pod's application data and GTID state with a snapshot of the writer. */
  | { readonly type: 'reseed'; readonly pod: string; readonly from: string }
  | { readonly type: 'configureReplication'; readonly replica: string; readonly source: string }
  | { readonly type: 'startReplica'; readonly pod: string }
  | { readonly type: 'setWritable'; readonly pod: string }
  | { readonly type: 'switchover'; readonly from: string; readonly to: string }
  | { readonly type: 'failover'; readonly from: string; readonly to: string }
  /** read_only + kill client connections; `stopReplica` also freezes a fenced ex-writer. */
  | { readonly type: 'fence'; readonly pod: string; readonly stopReplica: boolean }
  | { readonly type: 'rejoin'; readonly pod: string; readonly writer: string }
  | { readonly type: 'pointWriterService'; readonly pod: string }
  | { readonly type: 'deletePod'; readonly pod: string };

/** The platform's MySQL conditions, named as in the CRD's condition list. */
export const ConditionType = {
  available: CONDITION_TYPES.mysqlAvailable,
  replicationHealthy: CONDITION_TYPES.mysqlReplicationHealthy,
  manualIntervention: CONDITION_TYPES.manualInterventionRequired,
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** A status condition in the Kubernetes shape (without timestamps: the reconciler adds them). */
export interface MysqlCondition {
  readonly type: ConditionType;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export interface Decision {
  readonly actions: readonly MysqlAction[];
  /** The state to persist after the actions succeeded. */
  readonly state: MysqlState;
  readonly conditions: readonly MysqlCondition[];
}
