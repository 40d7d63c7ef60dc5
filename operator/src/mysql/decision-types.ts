import { CONDITION_TYPES } from '../api/v1alpha1.js';
import type { ReplicaStatus } from './dialect.js';
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
}

export const defaultMysqlSettings: MysqlSettings = {
  failureThreshold: 3,
  probeIntervalSeconds: 5,
  antiFlapSeconds: 300,
  maxLagSeconds: 30,
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
}

export const initialMysqlState: MysqlState = { writer: null, lastFailoverAt: null, failures: {}, fenced: [] };

/** Everything `decide` looks at. `pods` lists both StatefulSet pods, pod-0 first. */
export interface DecisionInput {
  readonly now: number;
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
