/**
 * The MySQL part of a reconcile (`spec.mysql.mode: dualMaster`): list the pair's Pods, run
 * one {@link MysqlControl} round with the state recorded in status, and hand back what the
 * reconciler writes — the writer (the writer Service follows it in the same reconcile), the
 * state to persist in `status.mysql`, and the three MySQL conditions. A failing round never
 * fails the reconcile: everything else still converges, and MySQLAvailable says why.
 */
import type { MySQLStatus, WeChatPlatform, WeChatPlatformStatus } from '../api/v1alpha1.js';
import { CONDITION_TYPES } from '../api/v1alpha1.js';
import type { MysqlState } from '../mysql/index.js';
import { selectorQuery } from '../resources/meta.js';
import { MYSQL_COMPONENT } from '../resources/names.js';
import type { ConditionUpdate } from './conditions.js';
import type { MysqlControl, MysqlRound } from './mysql-port.js';
import type { PodLike, ReconcilerDeps } from './ports.js';

export interface MysqlStepOutcome {
  /** The writer to render the writer Service with; undefined keeps the recorded one. */
  readonly writer?: string;
  /** The state to persist; undefined leaves `status.mysql` as it is. */
  readonly status?: MySQLStatus;
  readonly conditions: readonly ConditionUpdate[];
}

/** The recorded state in `status.mysql`; undefined before a writer was ever chosen. */
export function recordedMysqlState(status: WeChatPlatformStatus | undefined): MysqlState | undefined {
  const mysql = status?.mysql;
  if (mysql === undefined) return undefined;
  const at = mysql.lastFailoverAt === undefined ? Number.NaN : Date.parse(mysql.lastFailoverAt);
  return {
    writer: mysql.writer === '' ? null : mysql.writer,
    lastFailoverAt: Number.isNaN(at) ? null : at,
    failures: mysql.failures ?? {},
    fenced: mysql.fenced ?? [],
  };
}

/** `status.mysql` for a state; undefined while no writer exists (nothing worth keeping yet). */
export function mysqlStatusOf(state: MysqlState): MySQLStatus | undefined {
  if (state.writer === null) return undefined;
  return {
    writer: state.writer,
    failures: state.failures,
    fenced: state.fenced,
    ...(state.lastFailoverAt === null ? {} : { lastFailoverAt: new Date(state.lastFailoverAt).toISOString() }),
  };
}

/** Whether this reconcile runs a MySQL round: dual-master, a control wired, not paused. */
export function mysqlControlFor(
  deps: ReconcilerDeps,
  platform: WeChatPlatform,
  isPaused: boolean,
): MysqlControl | undefined {
  return platform.spec.mysql.mode === 'dualMaster' && !isPaused ? deps.mysql : undefined;
}

/** One MySQL round for `platform`; the caller checked {@link mysqlControlFor}. */
export async function runMysqlStep(
  deps: ReconcilerDeps,
  control: MysqlControl,
  platform: WeChatPlatform,
  previous: WeChatPlatformStatus | undefined,
  round: MysqlRound,
): Promise<MysqlStepOutcome> {
  try {
    const { namespace } = platform.metadata;
    const pods = await deps.objects.list<PodLike>('v1', 'Pod', namespace, selectorQuery(platform, MYSQL_COMPONENT));
    const result = await control.step(platform, pods, recordedMysqlState(previous), round);
    for (const e of result.events) await deps.events.record(platform, e.type, e.reason, e.message);
    const status = mysqlStatusOf(result.state);
    return {
      ...(result.writer === null ? {} : { writer: result.writer }),
      ...(status === undefined ? {} : { status }),
      conditions: result.conditions,
    };
  } catch (error) {
    const message = (error as Error).message;
    deps.logger.warn({ platform: platform.metadata.name, error: message }, 'mysql step failed');
    const failed: ConditionUpdate = {
      type: CONDITION_TYPES.mysqlAvailable,
      status: 'False',
      reason: 'MySQLStepFailed',
      message,
    };
    return { conditions: [failed] };
  }
}
