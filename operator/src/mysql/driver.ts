import type { MysqlAction } from './decision-types.js';
import type { ReplicationSource, SqlSession } from './dialect.js';
import { endpointOf, withSession, withTimeout } from './driver-observe.js';
import type { DriverOptions } from './driver-types.js';
import { describeGtidSet, type GtidSet, isCaughtUp } from './gtid.js';

/** The outcome of one action; execution stops at the first failure. */
export type ActionResult =
  | { readonly action: MysqlAction; readonly ok: true }
  | { readonly action: MysqlAction; readonly ok: false; readonly error: string };

/**
 * Executes a decision's actions in order against the real servers. Every action is
 * idempotent (re-running a round after a crash is safe) and every wait is bounded. The
 * caller persists the decision's state only when every result is ok.
 */
export async function executeMysql(options: DriverOptions, actions: readonly MysqlAction[]): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const action of actions) {
    try {
      await runAction(options, action);
      results.push({ action, ok: true });
    } catch (error) {
      results.push({ action, ok: false, error: (error as Error).message });
      break;
    }
  }
  return results;
}

function sourceFor(options: DriverOptions, pod: string): ReplicationSource {
  const e = endpointOf(options, pod);
  return {
    host: e.replicationHost ?? e.host,
    port: e.replicationPort ?? e.port,
    user: options.replicationUser,
    password: options.replicationPassword,
  };
}

async function runAction(options: DriverOptions, action: MysqlAction): Promise<void> {
  switch (action.type) {
    case 'bootstrap':
      for (const pod of [action.writer, action.passive]) await prepare(options, pod);
      return;
    case 'adoptFirstBoot':
      return adoptFirstBoot(options, action.pods);
    case 'setSemiSyncSource':
      return withSession(options, action.pod, (s) =>
        action.enabled && options.semiSync !== null
          ? options.dialect.enableSemiSync(s, options.semiSync)
          : options.dialect.disableSemiSyncSource(s),
      );
    case 'reseed':
      return reseed(options, action.pod, action.from);
    case 'configureReplication':
      return configureReplication(options, action.replica, action.source);
    case 'startReplica':
      return withSession(options, action.pod, (s) => options.dialect.startReplica(s));
    case 'setWritable':
      return withSession(options, action.pod, (s) => options.dialect.setReadOnly(s, false));
    case 'fence':
      return withSession(options, action.pod, (s) => fence(options, s, action.stopReplica));
    case 'switchover':
      return switchover(options, action.from, action.to);
    case 'failover':
      return failover(options, action.from, action.to);
    case 'rejoin':
      await withSession(options, action.pod, (s) => options.dialect.setReadOnly(s, true));
      await configureReplication(options, action.pod, action.writer);
      return configureReplication(options, action.writer, action.pod);
    case 'pointWriterService':
      return options.kube.pointWriterService(action.pod);
    case 'deletePod':
      return options.kube.deletePod(action.pod);
  }
}

/** Boot state of a pod: read-only, replication account present, semi-sync on. */
async function prepare(options: DriverOptions, pod: string): Promise<void> {
  await withSession(options, pod, async (s) => {
    await options.dialect.setReadOnly(s, true);
    await options.dialect.createReplicationUser(s, options.replicationUser, options.replicationPassword);
    if (options.semiSync !== null) await options.dialect.enableSemiSync(s, options.semiSync);
  });
}

/**
 * Both pods record the union of both executed positions, with empty binary logs: each
 * pod's first-boot transactions count as executed on the other without being applied.
 * The decision checked they are the same first-boot work on both (`firstBootDivergence`).
 */
async function adoptFirstBoot(options: DriverOptions, pods: readonly [string, string]): Promise<void> {
  const { dialect } = options;
  const positions = await Promise.all(pods.map((pod) => withSession(options, pod, (s) => dialect.readPositionText(s))));
  const union = dialect.unionPositionText(positions[0] ?? '', positions[1] ?? '');
  for (const pod of pods) {
    await withSession(options, pod, async (s) => {
      await dialect.stopReplica(s);
      await dialect.resetGtidState(s, union);
    });
  }
}

/**
 * Re-seeds a fenced pod from the writer; once the copy is done the pod's binary log is
 * emptied and its GTID state set to the snapshot's position (which the dump recorded), so it
 * holds nothing the writer lacks and rejoins as a replica in the next round.
 */
async function reseed(options: DriverOptions, pod: string, from: string): Promise<void> {
  if ((await options.kube.reseed(pod, from)) !== 'done') return;
  await withSession(options, pod, async (s) => {
    await options.dialect.resetGtidState(s, await options.dialect.readPositionText(s));
  });
}

async function configureReplication(options: DriverOptions, replica: string, source: string): Promise<void> {
  await withSession(options, source, (s) =>
    options.dialect.createReplicationUser(s, options.replicationUser, options.replicationPassword),
  );
  await withSession(options, replica, async (s) => {
    // Semi-sync's replica side only takes effect when the IO thread (re)starts, so it is
    // switched on before START.
    if (options.semiSync !== null) await options.dialect.enableSemiSync(s, options.semiSync);
    await options.dialect.configureReplication(s, sourceFor(options, source));
    await options.dialect.startReplica(s);
  });
}

async function fence(options: DriverOptions, session: SqlSession, stopReplica: boolean): Promise<void> {
  await options.dialect.setReadOnly(session, true);
  await options.dialect.killClientConnections(session, [...options.keepUsers, options.replicationUser]);
  if (stopReplica) await options.dialect.stopReplica(session);
}

/** Polls `check` until true or the deadline; throws with `what` on expiry. */
async function pollUntil(options: DriverOptions, timeoutMs: number, what: string, check: () => Promise<boolean>) {
  const deadline = options.now() + timeoutMs;
  while (!(await check())) {
    if (options.now() >= deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await options.sleep(options.pollIntervalMs);
  }
}

/**
 * Planned switchover: the writer stops taking writes first, so the set the passive must
 * reach is final; only when the passive holds all of it does the passive become writable.
 * If it never catches up, the old writer is made writable again (nothing was lost).
 */
async function switchover(options: DriverOptions, from: string, to: string): Promise<void> {
  const { dialect } = options;
  const target: GtidSet = await withSession(options, from, async (s) => {
    await fence(options, s, false);
    return dialect.readGtidExecuted(s);
  });
  try {
    await withSession(options, to, (s) =>
      pollUntil(options, options.catchUpTimeoutMs, `${to} catching up to ${describeGtidSet(target)}`, async () =>
        isCaughtUp(await dialect.readGtidExecuted(s), target),
      ),
    );
  } catch (error) {
    await withSession(options, from, (s) => dialect.setReadOnly(s, false));
    throw error;
  }
  await withSession(options, to, (s) => dialect.setReadOnly(s, false));
}

/**
 * Failover from an unreachable writer: fence it if it answers after all, let the new
 * writer apply everything its IO thread received (semi-sync acknowledged those writes to
 * clients), cut replication from the old writer, then open the new writer for writes. The
 * new writer runs without semi-sync until the old pod rejoins: it has no replica to ack.
 */
async function failover(options: DriverOptions, from: string, to: string): Promise<void> {
  const { dialect } = options;
  await withTimeout(
    options.probeTimeoutMs,
    `fencing ${from}`,
    withSession(options, from, (s) => fence(options, s, true)),
  ).catch(() => undefined);
  await withSession(options, to, async (s) => {
    if (options.semiSync !== null) await dialect.disableSemiSyncSource(s);
    await pollUntil(options, options.relayDrainTimeoutMs, `${to} applying its relay log`, async () => {
      const status = await dialect.replicaStatus(s);
      return status.relayDrained || !status.configured;
    });
    await dialect.stopReplica(s);
    await dialect.setReadOnly(s, false);
  });
}
