import { maskCredentials } from './binlog.js';
import type { MysqlCondition, MysqlSettings, PodObservation } from './decision-types.js';
import { ConditionType } from './decision-types.js';

/** Condition builders for {@link decide}; kept apart so the decision reads as a procedure. */

export function condition(type: ConditionType, isTrue: boolean, reason: string, message: string): MysqlCondition {
  return { type, status: isTrue ? 'True' : 'False', reason, message };
}

function directionProblem(replica: PodObservation, source: string, maxLag: number): string | null {
  const status = replica.replica;
  if (status === undefined || !status.configured || replica.replicaSource !== source) {
    return `${replica.pod} does not replicate from ${source}`;
  }
  if (status.lastIoError !== '' || status.lastSqlError !== '') {
    // Errors quote the failing statement, which may carry a password (CREATE USER … IDENTIFIED BY).
    const errors = [status.lastIoError, status.lastSqlError].filter((e) => e !== '').map(maskCredentials);
    return `${replica.pod} ← ${source}: ${errors.join('; ')}`;
  }
  if (!status.ioRunning || !status.sqlRunning) return `${replica.pod} ← ${source}: replication threads not running`;
  if (status.lagSeconds !== null && status.lagSeconds > maxLag) {
    return `${replica.pod} ← ${source}: ${status.lagSeconds}s behind (max ${maxLag}s)`;
  }
  return null;
}

/** MySQLReplicationHealthy: both pods reachable and replicating from each other, in time. */
export function replicationCondition(
  writer: PodObservation,
  passive: PodObservation,
  fenced: readonly string[],
  settings: MysqlSettings,
): MysqlCondition {
  const type = ConditionType.replicationHealthy;
  for (const pod of [writer, passive]) {
    if (!pod.reachable) return condition(type, false, 'PodUnreachable', `${pod.pod}: ${pod.probeError ?? 'no answer'}`);
    if (fenced.includes(pod.pod)) return condition(type, false, 'PodFenced', `${pod.pod} is fenced until it rejoins`);
  }
  const problems = [
    directionProblem(passive, writer.pod, settings.maxLagSeconds),
    directionProblem(writer, passive.pod, settings.maxLagSeconds),
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) return condition(type, false, 'ReplicationBroken', problems.join('; '));
  return condition(type, true, 'Replicating', `${passive.pod} ⇄ ${writer.pod}`);
}

/** True when the replica pulls from `source` with both threads running and no error. */
export function isDirectionHealthy(replica: PodObservation, source: string): boolean {
  return directionProblem(replica, source, Number.POSITIVE_INFINITY) === null;
}
