import {
  type ActionResult,
  type Decision,
  type DriverOptions,
  decide,
  defaultDriverTimeouts,
  executeMysql,
  type KubeSignal,
  type MysqlAction,
  type MysqlSettings,
  type MysqlState,
  mariadbDialect,
  mysql2Connector,
  observeMysql,
  type PodObservation,
} from '../../src/mysql/index.js';
import type { MariadbPair } from './mariadb-harness.js';
import { localReseed } from './reseed-local.js';

/**
 * What the reconciler will do for MySQL, reduced to a loop the tests drive by hand:
 * observe → decide → execute → persist the state only if every action succeeded.
 * Kubernetes effects are recorded instead of applied (there is no cluster).
 */
export interface OperatorLoop {
  readonly options: DriverOptions;
  readonly pods: readonly [string, string];
  readonly settings: MysqlSettings;
  state: MysqlState;
  requestedWriter?: string;
  /** The simulated Kubernetes view per pod. */
  kube: Record<string, KubeSignal>;
  readonly kubeEffects: MysqlAction[];
  readonly now: () => number;
  /** Re-seeds run (`from→pod`), by the local run of the Job's script. */
  readonly reseeds: readonly string[];
}

export interface RoundResult {
  readonly observations: readonly PodObservation[];
  readonly decision: Decision;
  readonly results: readonly ActionResult[];
}

/** Builds a loop over a MariaDB pair, as root over TCP (the operator's admin account). */
export function createLoop(pair: MariadbPair, settings: MysqlSettings, state: MysqlState): OperatorLoop {
  const kubeEffects: MysqlAction[] = [];
  const [a, b] = pair.servers;
  const reseeder = localReseed(pair);
  const options: DriverOptions = {
    ...defaultDriverTimeouts,
    probeTimeoutMs: 1000,
    dialect: mariadbDialect,
    endpoints: pair.servers.map((s) => ({ pod: s.pod, host: '127.0.0.1', port: s.port })),
    connect: mysql2Connector({ user: 'root', password: '', connectTimeoutMs: 1000 }),
    replicationUser: 'repl',
    replicationPassword: 'repl-secret',
    keepUsers: ['root'],
    semiSync: { timeoutMs: settings.ackTimeoutMs ?? 60_000 },
    kube: {
      pointWriterService: async (pod) => void kubeEffects.push({ type: 'pointWriterService', pod }),
      deletePod: async (pod) => void kubeEffects.push({ type: 'deletePod', pod }),
      reseed: (pod, from) => reseeder.reseed(pod, from),
    },
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  return {
    options,
    pods: [a.pod, b.pod],
    settings,
    state,
    kube: { [a.pod]: 'ready', [b.pod]: 'ready' },
    kubeEffects,
    now: Date.now,
    reseeds: reseeder.runs,
  };
}

/** One reconcile round. */
export async function runRound(loop: OperatorLoop): Promise<RoundResult> {
  const observedAt = loop.now();
  const observations = await observeMysql(loop.options, loop.kube, {
    readBinlogs: loop.state.writer === null,
    tailsFrom: Object.fromEntries(
      loop.state.fenced.flatMap((p) => (loop.state.ackProof?.[p] ? [[p, loop.state.ackProof[p]]] : [])),
    ),
  });
  const decision = decide({
    now: loop.now(),
    observedAt,
    pods: loop.pods,
    observations,
    state: loop.state,
    settings: loop.settings,
    ...(loop.requestedWriter === undefined ? {} : { requestedWriter: loop.requestedWriter }),
  });
  const results = await executeMysql(loop.options, decision.actions);
  if (results.every((r) => r.ok)) loop.state = decision.state;
  return { observations, decision, results };
}

/** Runs rounds (every `intervalMs`) until `done` holds for a round's result; bounded. */
export async function roundsUntil(
  loop: OperatorLoop,
  done: (round: RoundResult) => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<RoundResult[]> {
  const deadline = Date.now() + timeoutMs;
  const rounds: RoundResult[] = [];
  for (;;) {
    const round = await runRound(loop);
    rounds.push(round);
    if (done(round)) return rounds;
    if (Date.now() > deadline) {
      const last = JSON.stringify({
        actions: round.decision.actions,
        results: round.results,
        c: round.decision.conditions,
      });
      throw new Error(`condition not reached within ${timeoutMs} ms; last round ${last}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The status of one condition type in a round's decision. */
export function conditionOf(round: RoundResult, type: string): string | undefined {
  return round.decision.conditions.find((c) => c.type === type)?.status;
}
