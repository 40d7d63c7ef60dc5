/**
 * The reconciler's port to the MySQL dual-master logic (`mysql/`): one round — observe both pods, decide, execute — returning what the reconciler writes into
 * status (state, writer, conditions) and the Events worth recording. A port so reconciler
 * tests drive the writer without databases; `createMysqlControl` is the real one.
 */
import type { WeChatPlatform } from '../api/v1alpha1.js';
import type { EventType } from '../kube/events.js';
import type { MysqlCondition, MysqlState } from '../mysql/index.js';
import type { PodLike } from './ports.js';

/** A Pod as the MySQL step reads it: name, deletion mark and Ready condition. */
export type MysqlPod = PodLike;

/** An Event the reconciler records on the platform. */
export interface MysqlEvent {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

export interface MysqlStepResult {
  /** The state to persist: the decision's when every action succeeded, else the recorded one. */
  readonly state: MysqlState;
  readonly conditions: readonly MysqlCondition[];
  /** The writer the writer Service must select; null before bootstrap. */
  readonly writer: string | null;
  readonly events: readonly MysqlEvent[];
}

/**
 * Why a round runs. The operator's scheduler runs one round per probe interval
 * (`countsAsProbe: true`) and, between them, one round at once when a MySQL Pod changes
 * (readiness, deletion) so the Kubernetes signal is acted on without waiting for the next
 * tick. Such a round must not advance the failed-probe count: "3 failed probes ≥ 2 s apart"
 * stays true however many Pod events arrive.
 */
export interface MysqlRound {
  readonly countsAsProbe: boolean;
}

export interface MysqlControl {
  /**
   * One round for `platform` (`spec.mysql.mode: dualMaster`). `pods` are the Pod objects of
   * the MySQL StatefulSet (missing ones are absent); `recorded` is the state from status.
   * Throws only when the round cannot start (no credentials Secret, for instance).
   */
  step(
    platform: WeChatPlatform,
    pods: readonly MysqlPod[],
    recorded: MysqlState | undefined,
    round: MysqlRound,
  ): Promise<MysqlStepResult>;
}
