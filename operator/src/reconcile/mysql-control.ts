/**
 * The real {@link MysqlControl}: connects to both pods of a platform's MySQL StatefulSet over
 * their headless-Service DNS names as root, runs observe → decide → execute, and reports the
 * state to record. The writer Service is not patched here: the reconciler renders it from
 * the writer this step returns, in the same reconcile, so `pointWriterService` has nothing
 * left to do. A decision's state is recorded only when every action succeeded, so a
 * half-executed failover is decided again instead of being remembered as done.
 */
import type { V1Job } from '@kubernetes/client-node';
import { ANNOTATIONS, type WeChatPlatform } from '../api/v1alpha1.js';
import { EventType } from '../kube/events.js';
import type { OperatorLogger } from '../kube/logger.js';
import type { ObjectClient } from '../kube/objects.js';
import {
  type ActionResult,
  ConditionType,
  type DriverOptions,
  decide,
  defaultDriverTimeouts,
  defaultMysqlSettings,
  executeMysql,
  initialMysqlState,
  type MysqlCondition,
  type MysqlSettings,
  type MysqlState,
  mariadbDialect,
  mysql2Connector,
  mysql8Dialect,
  observeMysql,
  type PodEndpoint,
  type ReseedProgress,
  type SqlSession,
} from '../mysql/index.js';
import { MYSQL_PORT, MYSQL_REPLICAS } from '../resources/mysql.js';
import { mysqlFlavor, SEMI_SYNC_TIMEOUT_MS } from '../resources/mysql-config.js';
import { mysqlReseedJob, mysqlReseedJobName } from '../resources/mysql-reseed.js';
import { mysqlCredentialsSecretName, mysqlName, mysqlPodName } from '../resources/names.js';
import type { MysqlControl, MysqlEvent, MysqlStepResult } from './mysql-port.js';
import { kubeSignals } from './mysql-signals.js';

/** The replication account both pods create; the admin account is the images' root. */
export const REPLICATION_USER = 'repl';
const ADMIN_USER = 'root';

export interface MysqlCredentials {
  readonly rootPassword: string;
  readonly replicationPassword: string;
}

export interface MysqlControlOptions {
  readonly objects: ObjectClient;
  readonly clock: () => number;
  readonly logger: OperatorLogger;
  /** Opens an admin session; mysql2 as root with the Secret's `root-password` unless given. */
  readonly connect?: (endpoint: PodEndpoint, credentials: MysqlCredentials) => Promise<SqlSession>;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Where each pod's server answers; the pods' DNS names in the headless Service unless given
   * (an operator run outside the cluster through port-forwards, or tests on local servers).
   */
  readonly endpoints?: (platform: WeChatPlatform) => readonly PodEndpoint[];
  /** Runs a re-seed; a Job in the platform's namespace unless given (tests run the script locally). */
  readonly reseed?: (platform: WeChatPlatform, pod: string, from: string) => Promise<ReseedProgress>;
}

/** `<pod>.<headless service>.<namespace>.svc`, for the operator and for the peer alike. */
export function mysqlEndpoints(platform: WeChatPlatform): PodEndpoint[] {
  const service = `${mysqlName(platform)}.${platform.metadata.namespace}.svc`;
  return Array.from({ length: MYSQL_REPLICAS }, (_, ordinal) => {
    const pod = mysqlPodName(platform, ordinal);
    return { pod, host: `${pod}.${service}`, port: MYSQL_PORT };
  });
}

/** The failover tunables of the spec over the library defaults. */
export function mysqlSettingsOf(platform: WeChatPlatform): MysqlSettings {
  const { failover, semiSync } = platform.spec.mysql;
  return { ...defaultMysqlSettings, ...failover, ackTimeoutMs: semiSync ? SEMI_SYNC_TIMEOUT_MS : null };
}

/**
 * A re-seed as a Job (`resources/mysql-reseed`): created on the first ask, `done` (and
 * deleted) once it succeeded, an error while it stays failed — its log is what a human reads.
 */
export async function reseedWithJob(objects: ObjectClient, platform: WeChatPlatform, pod: string, from: string) {
  const ref = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    namespace: platform.metadata.namespace,
    name: mysqlReseedJobName(pod),
  };
  const job = await objects.get<V1Job>(ref);
  if (job === undefined) {
    await objects.create(mysqlReseedJob(platform, pod, from));
    return 'running';
  }
  if ((job.status?.succeeded ?? 0) > 0) {
    await objects.delete(ref);
    return 'done';
  }
  if ((job.status?.failed ?? 0) > 0)
    throw new Error(`re-seed Job ${ref.name} failed (see its log; delete it to retry)`);
  return 'running';
}

async function readCredentials(objects: ObjectClient, platform: WeChatPlatform): Promise<MysqlCredentials> {
  const name = mysqlCredentialsSecretName(platform);
  const secret = await objects.get<{ data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: platform.metadata.namespace,
    name,
  });
  if (secret === undefined) throw new Error(`Secret ${name} not found`);
  const key = (k: string) => {
    const value = secret.data?.[k];
    if (value === undefined) throw new Error(`Secret ${name} has no key ${k}`);
    return Buffer.from(value, 'base64').toString('utf8');
  };
  return { rootPassword: key('root-password'), replicationPassword: key('replication-password') };
}

function eventsOf(results: readonly ActionResult[]): MysqlEvent[] {
  const events: MysqlEvent[] = [];
  for (const r of results) {
    const { action } = r;
    if (!r.ok) {
      events.push({ type: EventType.Warning, reason: 'MySQLActionFailed', message: `${action.type}: ${r.error}` });
    } else if (action.type === 'failover') {
      events.push({ type: EventType.Warning, reason: 'MySQLFailover', message: `${action.from} → ${action.to}` });
    } else if (action.type === 'switchover') {
      events.push({ type: EventType.Normal, reason: 'MySQLSwitchover', message: `${action.from} → ${action.to}` });
    } else if (action.type === 'bootstrap') {
      events.push({ type: EventType.Normal, reason: 'MySQLBootstrapped', message: `${action.writer} is the writer` });
    }
  }
  return events;
}

const isFailedSetWritable = (r: ActionResult) => !r.ok && r.action.type === 'setWritable';

/**
 * The decision's conditions announce its outcome (a new writer, say); when an action failed
 * that outcome did not happen, so MySQLAvailable reports the failure instead (other failed
 * actions, a replication repair say, show in MySQLReplicationHealthy on the next round).
 */
function failedConditions(
  conditions: readonly MysqlCondition[],
  results: readonly ActionResult[],
  state: MysqlState,
): MysqlCondition[] {
  const failed = results.find((r) => !r.ok);
  const message = failed !== undefined && !failed.ok ? `${failed.action.type}: ${failed.error}` : 'an action failed';
  const available: MysqlCondition = {
    type: ConditionType.available,
    status: 'False',
    reason: 'ActionFailed',
    message: state.writer === null ? message : `${state.writer} stays the writer; ${message}`,
  };
  return [...conditions.filter((c) => c.type !== ConditionType.available), available];
}

/** The MySQL step backed by real connections to the pods. */
export function createMysqlControl(options: MysqlControlOptions): MysqlControl {
  const { objects, clock, logger } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const driverOptions = (platform: WeChatPlatform, credentials: MysqlCredentials): DriverOptions => {
    const admin = mysql2Connector({
      user: ADMIN_USER,
      password: credentials.rootPassword,
      connectTimeoutMs: defaultDriverTimeouts.probeTimeoutMs,
    });
    return {
      ...defaultDriverTimeouts,
      dialect: mysqlFlavor(platform.spec.mysql.image) === 'mariadb' ? mariadbDialect : mysql8Dialect,
      endpoints: [...(options.endpoints ?? mysqlEndpoints)(platform)],
      connect: (endpoint) => (options.connect ?? admin)(endpoint, credentials),
      replicationUser: REPLICATION_USER,
      replicationPassword: credentials.replicationPassword,
      keepUsers: [ADMIN_USER],
      semiSync: platform.spec.mysql.semiSync ? { timeoutMs: SEMI_SYNC_TIMEOUT_MS } : null,
      kube: {
        pointWriterService: async () => undefined,
        deletePod: (pod) =>
          objects.delete({ apiVersion: 'v1', kind: 'Pod', namespace: platform.metadata.namespace, name: pod }),
        reseed: (pod, from) =>
          options.reseed !== undefined
            ? options.reseed(platform, pod, from)
            : reseedWithJob(objects, platform, pod, from),
      },
      now: clock,
      sleep,
    };
  };
  // The semi-sync proofs live in memory, not in status: they change every round, and losing
  // them (an operator restart) only means an ex-writer fenced before it needs the runbook.
  const ackProofs = new Map<string, MysqlState['ackProof']>();
  return {
    async step(platform, pods, recorded, round): Promise<MysqlStepResult> {
      const key = platform.metadata.uid ?? `${platform.metadata.namespace}/${platform.metadata.name}`;
      const state: MysqlState = { ...(recorded ?? initialMysqlState), ackProof: ackProofs.get(key) ?? {} };
      const driver = driverOptions(platform, await readCredentials(objects, platform));
      const names = driver.endpoints.map((e) => e.pod);
      const observedAt = clock();
      const observations = await observeMysql(driver, kubeSignals(names, pods), {
        readBinlogs: state.writer === null,
        tailsFrom: Object.fromEntries(
          state.fenced.flatMap((p) => (state.ackProof?.[p] ? [[p, state.ackProof[p]]] : [])),
        ),
      });
      const decision = decide({
        now: clock(),
        observedAt,
        pods: [names[0] ?? '', names[1] ?? ''],
        observations,
        state: round.countsAsProbe ? state : withoutProbeCount(state, names),
        settings: mysqlSettingsOf(platform),
        ...requestedWriterOf(platform),
      });
      const results = await executeMysql(driver, decision.actions);
      const allOk = results.every((r) => r.ok);
      if (decision.actions.length > 0) {
        logger.info({ platform: platform.metadata.name, actions: decision.actions.map((a) => a.type), allOk }, 'mysql');
      }
      // Failed probes are counted even when an action failed: they are observations, and the
      // failover threshold must keep counting while a failover attempt is being retried.
      const next = allOk ? decision.state : { ...state, failures: decision.state.failures };
      ackProofs.set(key, next.ackProof ?? {});
      const writerFailed = decision.state.writer !== next.writer || results.some(isFailedSetWritable);
      const failedReseed = results.find((r) => !r.ok && r.action.type === 'reseed');
      let conditions = writerFailed ? failedConditions(decision.conditions, results, next) : decision.conditions;
      if (failedReseed !== undefined && !failedReseed.ok) {
        // A failed re-seed is not retried on its own (its Job stays for its log): a human decides.
        conditions = [
          ...conditions.filter((c) => c.type !== ConditionType.manualIntervention),
          {
            type: ConditionType.manualIntervention,
            status: 'True',
            reason: 'ReseedFailed',
            message: failedReseed.error,
          },
        ];
      }
      return { state: next, conditions, writer: next.writer, events: eventsOf(results) };
    },
  };
}

/**
 * A round between probe ticks (a Pod event) observes and decides, but must not count a
 * failed probe: `decide` adds one to an unreachable pod's count and resets a reachable one,
 * so handing it each count minus one leaves an unreachable pod's count where it was.
 */
function withoutProbeCount(state: MysqlState, pods: readonly string[]): MysqlState {
  return { ...state, failures: Object.fromEntries(pods.map((pod) => [pod, (state.failures[pod] ?? 0) - 1])) };
}

/** A planned switchover asked for with the `mpstack.io/mysql-writer` annotation. */
function requestedWriterOf(platform: WeChatPlatform): { requestedWriter?: string } {
  const pod = platform.metadata.annotations?.[ANNOTATIONS.mysqlWriter]?.trim();
  return pod === undefined || pod === '' ? {} : { requestedWriter: pod };
}
