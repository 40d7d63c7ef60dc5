import assert from 'node:assert/strict';
import {
  ConditionType,
  emptyGtidSet,
  initialMysqlState,
  isCaughtUp,
  type MysqlSettings,
} from '../../src/mysql/index.js';
import { createAppSchema, orderIds, sqlOn, startInsertLoad } from './load.js';
import {
  killServer,
  type MariadbPair,
  type MariadbServer,
  startMariadbPair,
  startServer,
  stopPair,
} from './mariadb-harness.js';
import {
  conditionOf,
  createLoop,
  type OperatorLoop,
  type RoundResult,
  roundsUntil,
  runRound,
} from './operator-loop.js';

/**
 * The operator's MySQL logic against two real MariaDB 10.11 processes. The stages build on
 * each other (one pair of servers, like one StatefulSet), so they run in order; a failing
 * stage fails the ones after it. Kubernetes is simulated: the test says whether a pod is
 * Ready, and Service/pod effects are recorded, not applied.
 */
const settings: MysqlSettings = {
  failureThreshold: 3,
  probeIntervalSeconds: 1,
  antiFlapSeconds: 6,
  maxLagSeconds: 30,
  ackTimeoutMs: 60_000,
};

function writableOf(round: RoundResult): string[] {
  return round.observations.filter((o) => o.reachable && o.readOnly === false).map((o) => o.pod);
}

const healthy = (r: RoundResult) => conditionOf(r, ConditionType.replicationHealthy) === 'True';

async function waitForIds(server: MariadbServer, ids: readonly number[], timeoutMs: number): Promise<Set<number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = await orderIds(server.port);
    if (ids.every((id) => present.has(id)) || Date.now() > deadline) return present;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('MySQL dual-master on two real MariaDB processes', function () {
  this.timeout(60_000);
  let pair: MariadbPair | undefined;
  let loop: OperatorLoop;
  let s0: MariadbServer;
  let s1: MariadbServer;

  before(async () => {
    pair = await startMariadbPair();
    [s0, s1] = pair.servers;
    loop = createLoop(pair, settings, initialMysqlState);
  });

  after(async () => {
    if (pair !== undefined) await stopPair(pair);
  });

  it("bootstraps from the image's first boot (its statements binlogged on both pods): pod-0 the only writable pod, replicating both ways with interleaved auto-increment", async () => {
    const before = await Promise.all(pair!.servers.map((s) => sqlOn(s.port, 'SELECT @@GLOBAL.gtid_binlog_pos AS p')));
    assert.deepEqual(
      before.map((rows) => (rows[0] as { p: string }).p),
      ['1-1-3', '2-2-3'],
      'each pod logged CREATE DATABASE / CREATE USER / GRANT in its own domain',
    );
    const first = await runRound(loop);
    assert.deepEqual(
      first.results.map((r) => [r.action.type, r.ok]),
      [
        ['bootstrap', true],
        ['adoptFirstBoot', true],
        ['configureReplication', true],
        ['configureReplication', true],
        ['setWritable', true],
        ['pointWriterService', true],
      ],
    );
    assert.equal(loop.state.writer, 'mysql-0');
    const rounds = await roundsUntil(loop, healthy, 15_000);
    const last = rounds[rounds.length - 1]!;
    assert.deepEqual(writableOf(last), ['mysql-0']);
    await createAppSchema(s0.port);
    const load = startInsertLoad(s0.port, 'boot');
    await new Promise((r) => setTimeout(r, 300));
    load.stop();
    assert.equal(await load.done, null);
    assert.ok(load.acked.length > 0);
    assert.ok(
      load.acked.every((id) => id % 2 === 1),
      'pod-0 hands out odd ids (offset 1, increment 2)',
    );
    const onPassive = await waitForIds(s1, load.acked, 10_000);
    assert.ok(
      load.acked.every((id) => onPassive.has(id)),
      'every write on the writer reached the passive',
    );
  });

  it('refuses application writes on the read-only passive', async () => {
    const load = startInsertLoad(s1.port, 'passive');
    const error = await load.done;
    assert.match(String(error), /read-only/);
    assert.equal(load.acked.length, 0);
  });

  it('switches over to pod-1 only after it caught up, losing no acknowledged write', async () => {
    const load = startInsertLoad(s0.port, 'switch');
    await new Promise((r) => setTimeout(r, 300));
    loop.requestedWriter = 'mysql-1';
    const round = await runRound(loop);
    load.stop();
    await load.done;
    assert.deepEqual(round.results.map((r) => [r.action.type, r.ok]).slice(0, 1), [['switchover', true]]);
    assert.equal(loop.state.writer, 'mysql-1');
    const present = await orderIds(s1.port);
    const lost = load.acked.filter((id) => !present.has(id));
    assert.deepEqual(lost, [], 'the passive had every acknowledged write before it became writable');
    const after = await roundsUntil(loop, healthy, 15_000);
    assert.deepEqual(writableOf(after[after.length - 1]!), ['mysql-1']);
    const next = startInsertLoad(s1.port, 'pod1');
    await new Promise((r) => setTimeout(r, 200));
    next.stop();
    assert.equal(await next.done, null);
    assert.ok(
      next.acked.every((id) => id % 2 === 0),
      'pod-1 hands out even ids (offset 2)',
    );
  });

  it('fails over after kill -9 only once Kubernetes corroborates the failure', async () => {
    delete loop.requestedWriter;
    // Quiesced first (the passive has everything), so the returning pod can rejoin cleanly
    // below; the kill under load is the semi-sync stage further down.
    const caughtUp = (r: RoundResult) => {
      const [p0, p1] = r.observations;
      return healthy(r) && isCaughtUp(p0?.gtidExecuted ?? emptyGtidSet, p1?.gtidExecuted ?? emptyGtidSet);
    };
    await roundsUntil(loop, caughtUp, 10_000);
    await killServer(s1);
    // The probes fail, but Kubernetes still says Ready: no failover.
    const uncorroborated = await roundsUntil(loop, () => (loop.state.failures['mysql-1'] ?? 0) >= 5, 10_000);
    assert.ok(uncorroborated.every((r) => r.decision.actions.length === 0));
    assert.equal(loop.state.writer, 'mysql-1');
    loop.kube['mysql-1'] = 'notReady';
    await roundsUntil(loop, () => loop.state.writer === 'mysql-0', 10_000);
    assert.deepEqual(writableOf(await runRound(loop)), ['mysql-0']);
    assert.deepEqual(loop.kubeEffects.slice(-2), [
      { type: 'pointWriterService', pod: 'mysql-0' },
      { type: 'deletePod', pod: 'mysql-1' },
    ]);
  });

  it('keeps the returning old writer fenced, then rejoins it as a read-only replica when it has no errant transaction', async () => {
    await startServer(s1);
    loop.kube['mysql-1'] = 'ready';
    const rounds = await roundsUntil(loop, (r) => healthy(r) && loop.state.fenced.length === 0, 20_000);
    assert.ok(rounds.some((r) => r.decision.actions.some((a) => a.type === 'rejoin' && a.pod === 'mysql-1')));
    assert.ok(rounds.every((r) => conditionOf(r, ConditionType.manualIntervention) === 'False'));
    assert.deepEqual(writableOf(rounds[rounds.length - 1]!), ['mysql-0']);
    const load = startInsertLoad(s0.port, 'rejoined');
    await new Promise((r) => setTimeout(r, 200));
    load.stop();
    await load.done;
    const onRejoined = await waitForIds(s1, load.acked, 10_000);
    assert.ok(
      load.acked.every((id) => onRejoined.has(id)),
      'the rejoined pod replicates the new writer',
    );
  });

  it('with semi-sync, keeps every write acknowledged before a kill -9 under load (after the anti-flap window)', async () => {
    const load = startInsertLoad(s0.port, 'semisync');
    await new Promise((r) => setTimeout(r, 500));
    await killServer(s0);
    await load.done;
    loop.kube['mysql-0'] = 'notReady';
    // Inside the anti-flap window the writer stays put, even though the failure is corroborated.
    const blocked = await roundsUntil(loop, () => (loop.state.failures['mysql-0'] ?? 0) >= 4, 10_000);
    assert.equal(loop.state.writer, 'mysql-0');
    assert.equal(blocked.at(-1)?.decision.conditions[0]?.reason, 'AntiFlap');
    await roundsUntil(loop, () => loop.state.writer === 'mysql-1', settings.antiFlapSeconds * 1000 + 5000);
    const promotedAt = Date.now();
    assert.deepEqual(writableOf(await runRound(loop)), ['mysql-1']);
    assert.ok(Date.now() - promotedAt < 3000, 'promotion does not wait out the semi-sync timeout');
    assert.ok(load.acked.length > 0);
    const present = await orderIds(s1.port);
    assert.deepEqual(
      load.acked.filter((id) => !present.has(id)),
      [],
      'acknowledged writes missing on the new writer',
    );
  });

  it('blocks the rejoin of a pod holding errant transactions and raises ManualInterventionRequired', async () => {
    // Isolated (socket only, the operator cannot see it), someone writes to the old writer.
    await startServer(s0, false);
    const mysql = (await import('mysql2/promise')).default;
    const direct = await mysql.createConnection({ socketPath: s0.socket, user: 'root' });
    await direct.query('SET GLOBAL read_only = OFF');
    await direct.query("INSERT INTO shop.orders (origin) VALUES ('errant'), ('errant')");
    direct.destroy();
    await killServer(s0, 'SIGTERM');
    await startServer(s0);
    loop.kube['mysql-0'] = 'ready';
    const rounds = await roundsUntil(loop, (r) => conditionOf(r, ConditionType.manualIntervention) === 'True', 10_000);
    const last = rounds[rounds.length - 1]!;
    const manual = last.decision.conditions.find((c) => c.type === ConditionType.manualIntervention)!;
    assert.equal(manual.reason, 'ErrantTransactions');
    assert.match(manual.message, /^mysql-0 has transactions mysql-1 lacks: 1:/);
    assert.ok(rounds.every((r) => r.decision.actions.every((a) => a.type !== 'rejoin')));
    // Nothing destructive and no replication from the fenced pod, for several more rounds.
    for (let i = 0; i < 3; i += 1) await runRound(loop);
    const status = (await sqlOn(s1.port, 'SHOW SLAVE STATUS')) as Record<string, unknown>[];
    assert.notEqual(status[0]?.['Slave_SQL_Running'], 'Yes', 'the writer must not apply anything from the errant pod');
    const errantOnWriter = (await sqlOn(s1.port, "SELECT COUNT(*) AS n FROM shop.orders WHERE origin = 'errant'")) as {
      n: number;
    }[];
    assert.equal(Number(errantOnWriter[0]?.n), 0);
    const ro = (await sqlOn(s0.port, 'SELECT @@GLOBAL.read_only AS ro')) as { ro: number }[];
    assert.equal(Number(ro[0]?.ro), 1, 'the errant pod stays read-only');
    assert.equal(loop.state.writer, 'mysql-1');
  });
});
