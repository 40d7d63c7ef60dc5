import { maskCredentials } from './binlog.js';
import { condition, isDirectionHealthy, replicationCondition } from './decision-conditions.js';
import { bootstrapBlocker, needsFirstBootAdoption, nextAckProof, reseedReason } from './decision-proofs.js';
import {
  ConditionType,
  type Decision,
  type DecisionInput,
  type MysqlAction,
  type MysqlCondition,
  type MysqlState,
  type PodObservation,
} from './decision-types.js';
import {
  describeGtidSet,
  emptyGtidSet,
  errantTransactions,
  isEmptyGtidSet,
  isGtidSubset,
  missingOwnTransactions,
} from './gtid.js';

/**
 * The writer decision: pure, one call per probe round, injected time (`input.now`).
 * Invariants it protects: exactly one writable pod, the recorded writer; failover only on
 * a corroborated failure (the operator's probes AND Kubernetes agree) and never twice
 * within the anti-flap window; a pod that lost the writer role never replicates again
 * until it is proven to hold nothing the writer lacks.
 */
export function decide(input: DecisionInput): Decision {
  const state: MysqlState = { ...input.state, failures: countFailures(input) };
  if (state.writer === null) return decideBootstrap(input, state);
  const writer = observe(input, state.writer);
  const passive = observe(input, otherPod(input.pods, state.writer));
  return decideFailover(input, state, writer, passive) ?? decideSteady(input, state, writer, passive);
}

function observe(input: DecisionInput, pod: string): PodObservation {
  return input.observations.find((o) => o.pod === pod) ?? { pod, reachable: false, kube: 'absent' };
}

function otherPod(pods: readonly [string, string], pod: string): string {
  return pods[0] === pod ? pods[1] : pods[0];
}

function countFailures(input: DecisionInput): Record<string, number> {
  const failures: Record<string, number> = {};
  for (const pod of input.pods) {
    failures[pod] = observe(input, pod).reachable ? 0 : (input.state.failures[pod] ?? 0) + 1;
  }
  return failures;
}

function gtidOf(pod: PodObservation) {
  return pod.gtidExecuted ?? emptyGtidSet;
}

function decideBootstrap(input: DecisionInput, state: MysqlState): Decision {
  const [first, second] = input.pods;
  const writer = observe(input, first);
  const passive = observe(input, second);
  if (!writer.reachable || !passive.reachable) {
    const waiting = [writer, passive].filter((p) => !p.reachable).map((p) => p.pod);
    return {
      actions: [],
      state,
      conditions: [condition(ConditionType.available, false, 'WaitingForPods', `waiting for ${waiting.join(', ')}`)],
    };
  }
  const blocker = bootstrapBlocker(writer, passive);
  if (blocker !== null) {
    return {
      actions: [],
      state,
      conditions: [
        condition(ConditionType.available, false, 'BootstrapBlocked', 'the pods diverged before a writer was chosen'),
        condition(ConditionType.manualIntervention, true, 'BootstrapDiverged', blocker),
      ],
    };
  }
  const adopt = needsFirstBootAdoption(writer, passive);
  const actions: MysqlAction[] = [
    { type: 'bootstrap', writer: first, passive: second },
    ...(adopt ? [{ type: 'adoptFirstBoot', pods: input.pods } as const] : []),
    { type: 'configureReplication', replica: second, source: first },
    { type: 'configureReplication', replica: first, source: second },
  ];
  // Pod-0 becomes writable now only if it already holds everything pod-1 has (after an
  // adoption both hold the union); otherwise the steady state makes it writable once
  // replication has caught it up.
  if (adopt || isGtidSubset(gtidOf(passive), gtidOf(writer))) actions.push({ type: 'setWritable', pod: first });
  actions.push({ type: 'pointWriterService', pod: first });
  return {
    actions,
    state: { ...state, writer: first },
    conditions: [
      condition(ConditionType.available, true, 'Bootstrapped', `${first} is the writer`),
      condition(
        ConditionType.manualIntervention,
        false,
        'None',
        adopt ? 'first-boot transactions of both pods recorded on both' : 'no divergence',
      ),
    ],
  };
}

/** Within the window after a failover in which the writer must not move again. */
function isWithinAntiFlap(input: DecisionInput, state: MysqlState): boolean {
  return state.lastFailoverAt !== null && input.now - state.lastFailoverAt < input.settings.antiFlapSeconds * 1000;
}

/** Why the writer is not failed over yet, or null when failover should happen now. */
function failoverBlocker(input: DecisionInput, state: MysqlState, writer: PodObservation, passive: PodObservation) {
  const failures = state.failures[writer.pod] ?? 0;
  if (failures < input.settings.failureThreshold) {
    return { reason: 'WriterProbeFailing', message: `${failures}/${input.settings.failureThreshold} probes failed` };
  }
  if (writer.kube === 'ready') {
    return { reason: 'FailureNotCorroborated', message: 'probes fail but Kubernetes reports the pod Ready' };
  }
  if (isWithinAntiFlap(input, state)) {
    return { reason: 'AntiFlap', message: `last failover less than ${input.settings.antiFlapSeconds}s ago` };
  }
  if (!passive.reachable || state.fenced.includes(passive.pod)) {
    return { reason: 'NoFailoverTarget', message: `${passive.pod} is unreachable or fenced` };
  }
  return null;
}

function decideFailover(
  input: DecisionInput,
  state: MysqlState,
  writer: PodObservation,
  passive: PodObservation,
): Decision | null {
  if (writer.reachable || failoverBlocker(input, state, writer, passive) !== null) return null;
  const actions: MysqlAction[] = [
    { type: 'pointWriterService', pod: passive.pod },
    { type: 'failover', from: writer.pod, to: passive.pod },
  ];
  // A NotReady pod may still be running (hung, partitioned): delete it so it restarts
  // read-only, and keep it fenced until it proves it has no errant transactions. Only
  // after the promotion: deleted first, it could be back (recreated at once) before a
  // failover that is still draining the relay log, and be made the writer again.
  if (writer.kube === 'notReady') actions.push({ type: 'deletePod', pod: writer.pod });
  return {
    actions,
    state: {
      ...state,
      writer: passive.pod,
      lastFailoverAt: input.now,
      fenced: [...state.fenced.filter((p) => p !== writer.pod), writer.pod],
      ackProof: withoutKey(state.ackProof ?? {}, passive.pod),
    },
    conditions: [
      condition(ConditionType.available, true, 'FailedOver', `writer moved from ${writer.pod} to ${passive.pod}`),
      condition(ConditionType.replicationHealthy, false, 'PodFenced', `${writer.pod} is fenced until it rejoins`),
      condition(ConditionType.manualIntervention, false, 'None', 'no errant transactions seen'),
    ],
  };
}

function withoutKey<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const { [key]: _, ...rest } = record;
  return rest;
}

interface Plan {
  readonly actions: MysqlAction[];
  fenced: readonly string[];
  manual: { readonly reason: string; readonly message: string } | null;
  /** Why a fenced pod is being re-seeded (the operator heals it; no human needed). */
  healing: string | null;
}

/** Why a returning pod may not rejoin as a replica of `writer`, or null when it may. */
function rejoinBlocker(returning: PodObservation, writer: PodObservation): Plan['manual'] {
  const errant = errantTransactions(gtidOf(returning), gtidOf(writer));
  if (!isEmptyGtidSet(errant)) {
    return {
      reason: 'ErrantTransactions',
      message: `${returning.pod} has transactions ${writer.pod} lacks: ${describeGtidSet(errant)}`,
    };
  }
  const own = missingOwnTransactions(gtidOf(returning), gtidOf(writer), returning.ownSource ?? '');
  if (!isEmptyGtidSet(own)) {
    return {
      reason: 'OwnTransactionsMissing',
      message: `${returning.pod} lost its own transactions ${describeGtidSet(own)} that ${writer.pod} has; replication would skip them`,
    };
  }
  return null;
}

function planFencing(plan: Plan, input: DecisionInput, state: MysqlState, writer: PodObservation): void {
  for (const pod of input.pods) {
    const o = observe(input, pod);
    if (pod === writer.pod || !o.reachable) continue;
    const isFenced = state.fenced.includes(pod);
    const replicating = o.replica?.ioRunning === true || o.replica?.sqlRunning === true;
    if (o.readOnly === false || (isFenced && replicating)) {
      plan.actions.push({ type: 'fence', pod, stopReplica: isFenced });
    }
    if (!isFenced || !writer.reachable) continue;
    const blocker = rejoinBlocker(o, writer);
    const reseed = blocker === null ? null : reseedReason(input, state, o, writer);
    if (blocker === null) {
      plan.actions.push({ type: 'rejoin', pod, writer: writer.pod });
      plan.fenced = plan.fenced.filter((p) => p !== pod);
    } else if (reseed !== null) {
      plan.actions.push({ type: 'reseed', pod, from: writer.pod });
      plan.healing = reseed;
    } else {
      plan.manual = blocker;
    }
  }
}

function planReplication(plan: Plan, writer: PodObservation, passive: PodObservation): void {
  if (!writer.reachable || !passive.reachable) return;
  if (plan.fenced.includes(passive.pod) || plan.actions.some((a) => a.type === 'rejoin')) return;
  for (const [replica, source] of [
    [passive, writer],
    [writer, passive],
  ] as const) {
    if (replica.replica?.configured !== true || replica.replicaSource !== source.pod) {
      plan.actions.push({ type: 'configureReplication', replica: replica.pod, source: source.pod });
    } else if (!replica.replica.ioRunning && !replica.replica.sqlRunning && !hasReplicaError(replica)) {
      plan.actions.push({ type: 'startReplica', pod: replica.pod });
    }
  }
}

function hasReplicaError(o: PodObservation): boolean {
  return (o.replica?.lastIoError ?? '') !== '' || (o.replica?.lastSqlError ?? '') !== '';
}

function planWriter(plan: Plan, input: DecisionInput, writer: PodObservation, passive: PodObservation): void {
  if (!writer.reachable) return;
  const passiveCounts = passive.reachable && !plan.fenced.includes(passive.pod);
  if (writer.readOnly === true) {
    // A restarted writer boots read-only; it may take writes again only once it holds
    // everything the passive has, or writes accepted on either side could conflict.
    if (!passiveCounts || isGtidSubset(gtidOf(passive), gtidOf(writer))) {
      plan.actions.push({ type: 'setWritable', pod: writer.pod });
    }
    return;
  }
  const target = input.requestedWriter;
  if (target === undefined || target !== passive.pod || !passiveCounts || plan.actions.length > 0) return;
  if (!isDirectionHealthy(passive, writer.pod) || isWithinAntiFlap(input, input.state)) return;
  plan.actions.push({ type: 'switchover', from: writer.pod, to: passive.pod });
  plan.actions.push({ type: 'pointWriterService', pod: passive.pod });
}

/**
 * The writer's semi-sync source side: off once its replica has failed as many probes as a
 * failover needs (the writer waits for acks with no timeout fallback for a long time, so the
 * operator, not the timeout, lets it commit alone), back on once the replica replicates it
 * again. Returns whether this round switches it off (the ack proof ends there).
 */
function planSemiSync(
  plan: Plan,
  input: DecisionInput,
  state: MysqlState,
  writer: PodObservation,
  passive: PodObservation,
) {
  const s = writer.semiSync;
  if (input.settings.ackTimeoutMs === null || !writer.reachable || s === undefined) return false;
  const passiveDown = (state.failures[passive.pod] ?? 0) >= input.settings.failureThreshold;
  if (s.enabled && passiveDown) {
    plan.actions.push({ type: 'setSemiSyncSource', pod: writer.pod, enabled: false });
    return true;
  }
  const passiveBack =
    passive.reachable && !plan.fenced.includes(passive.pod) && isDirectionHealthy(passive, writer.pod);
  if (!s.enabled && passiveBack) plan.actions.push({ type: 'setSemiSyncSource', pod: writer.pod, enabled: true });
  return false;
}

function decideSteady(input: DecisionInput, state: MysqlState, writer: PodObservation, passive: PodObservation) {
  const plan: Plan = { actions: [], fenced: state.fenced, manual: null, healing: null };
  planFencing(plan, input, state, writer);
  planReplication(plan, writer, passive);
  const degraded = planSemiSync(plan, input, state, writer, passive);
  planWriter(plan, input, writer, passive);
  const switched = plan.actions.find((a) => a.type === 'switchover');
  let ackProof = nextAckProof(input, state, writer, passive);
  if (degraded) ackProof = withoutKey(ackProof, writer.pod);
  for (const pod of state.fenced) if (!plan.fenced.includes(pod)) ackProof = withoutKey(ackProof, pod);
  if (switched !== undefined) ackProof = withoutKey(withoutKey(ackProof, switched.to), switched.from);
  const next: MysqlState = { ...state, fenced: plan.fenced, writer: switched?.to ?? state.writer, ackProof };
  return { actions: plan.actions, state: next, conditions: steadyConditions(input, state, plan, writer, passive) };
}

/** A replication SQL thread stopped on an error: the operator restarts nothing over an error. */
function stoppedReplication(plan: Plan, writer: PodObservation, passive: PodObservation): Plan['manual'] {
  for (const o of [writer, passive]) {
    if (!o.reachable || plan.fenced.includes(o.pod) || (o.replica?.lastSqlError ?? '') === '') continue;
    return { reason: 'ReplicationStopped', message: `${o.pod}: ${maskCredentials(o.replica?.lastSqlError ?? '')}` };
  }
  return null;
}

function steadyConditions(
  input: DecisionInput,
  state: MysqlState,
  plan: Plan,
  writer: PodObservation,
  passive: PodObservation,
): MysqlCondition[] {
  const blocker = failoverBlocker(input, state, writer, passive);
  const willBeWritable = writer.readOnly === false || plan.actions.some((a) => a.type === 'setWritable');
  const available = writer.reachable
    ? condition(
        ConditionType.available,
        willBeWritable,
        willBeWritable ? 'WriterWritable' : 'WriterCatchingUp',
        writer.pod,
      )
    : condition(ConditionType.available, false, blocker?.reason ?? 'WriterUnreachable', blocker?.message ?? '');
  const needed = plan.manual ?? stoppedReplication(plan, writer, passive);
  const manual =
    needed !== null
      ? condition(ConditionType.manualIntervention, true, needed.reason, needed.message)
      : plan.healing !== null
        ? condition(ConditionType.manualIntervention, false, 'Reseeding', plan.healing)
        : condition(ConditionType.manualIntervention, false, 'None', 'no errant transactions seen');
  return [available, replicationCondition(writer, passive, plan.fenced, input.settings), manual];
}
