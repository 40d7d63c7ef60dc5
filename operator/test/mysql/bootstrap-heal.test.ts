import assert from 'node:assert/strict';
import { ConditionType, initialMysqlState, type MysqlSettings } from '../../src/mysql/index.js';
import { createAppSchema, orderIds, sqlOn, startInsertLoad } from './load.js';
import { killServer, type MariadbPair, startMariadbPair, startServer, stopPair } from './mariadb-harness.js';
import { conditionOf, createLoop, type RoundResult, roundsUntil, runRound } from './operator-loop.js';

/**
 * Bootstrap and self-healing on two real MariaDB 10.11 processes initialised the way the
 * official image's entrypoint does (its first-boot statements binlogged on both pods).
 */
const settings: MysqlSettings = {
  failureThreshold: 2,
  probeIntervalSeconds: 1,
  antiFlapSeconds: 300,
  maxLagSeconds: 30,
  ackTimeoutMs: 60_000,
};

const writable = (r: RoundResult) =>
  r.observations.filter((o) => o.reachable && o.readOnly === false).map((o) => o.pod);
const healthy = (r: RoundResult) => conditionOf(r, ConditionType.replicationHealthy) === 'True';
const manual = (r: RoundResult) => r.decision.conditions.find((c) => c.type === ConditionType.manualIntervention);

describe('MySQL bootstrap from the image and healing, on two real MariaDB processes', function () {
  this.timeout(90_000);
  let pair: MariadbPair | undefined;
  afterEach(async () => {
    if (pair !== undefined) await stopPair(pair);
    pair = undefined;
  });

  it('refuses to bootstrap a pair whose pod holds more than first-boot work, and says why', async () => {
    pair = await startMariadbPair();
    const [, s1] = pair.servers;
    await sqlOn(s1.port, 'CREATE TABLE mpstack.orders (id INT PRIMARY KEY)');
    const loop = createLoop(pair, settings, initialMysqlState);
    const rounds = await roundsUntil(loop, () => true, 5_000);
    const round = rounds[0]!;
    assert.deepEqual(round.decision.actions, []);
    assert.equal(manual(round)?.status, 'True');
    assert.equal(manual(round)?.reason, 'BootstrapDiverged');
    assert.match(manual(round)?.message ?? '', /mysql-1: transaction 2-2-4 is not first-boot work \(CREATE TABLE/);
    assert.equal(loop.state.writer, null);
    assert.deepEqual(writable(await runRound(loop)), [], 'nothing was made writable');
  });

  it('heals a writer killed with an unacknowledged insert in flight: the survivor takes over, the returning pod is re-seeded and rejoins', async () => {
    pair = await startMariadbPair();
    const [s0, s1] = pair.servers;
    const loop = createLoop(pair, settings, initialMysqlState);
    await roundsUntil(loop, (r) => healthy(r) && writable(r).join() === 'mysql-0', 15_000);
    await createAppSchema(s0.port);
    const load = startInsertLoad(s0.port, 'before');
    await new Promise((r) => setTimeout(r, 300));
    load.stop();
    assert.equal(await load.done, null);
    // A round that proves everything logged so far reached pod-1, with semi-sync guarded.
    await roundsUntil(loop, () => loop.state.ackProof?.['mysql-0'] !== undefined, 10_000);
    // pod-1 stops receiving; the next insert is logged on pod-0 and waits for an ack that never comes.
    await sqlOn(s1.port, 'STOP SLAVE IO_THREAD');
    const inFlight = startInsertLoad(s0.port, 'in-flight');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(inFlight.acked, [], 'semi-sync holds the commit: no acknowledgement');
    await killServer(s0);
    const error = await inFlight.done;
    assert.ok(error !== null, 'the client saw its insert fail');
    await sqlOn(s1.port, 'START SLAVE IO_THREAD');
    loop.kube['mysql-0'] = 'notReady';
    await roundsUntil(loop, () => loop.state.writer === 'mysql-1', 15_000);
    await startServer(s0);
    loop.kube['mysql-0'] = 'ready';
    const errant = (await sqlOn(s0.port, "SELECT COUNT(*) AS n FROM shop.orders WHERE origin = 'in-flight'")) as {
      n: number;
    }[];
    assert.equal(Number(errant[0]?.n), 1, 'the returning pod committed the unacknowledged insert at recovery');
    const rounds = await roundsUntil(loop, (r) => healthy(r) && loop.state.fenced.length === 0, 30_000);
    assert.deepEqual(loop.reseeds, ['mysql-1→mysql-0']);
    assert.ok(
      rounds.every((r) => manual(r)?.status === 'False'),
      'no human needed',
    );
    assert.ok(rounds.some((r) => manual(r)?.reason === 'Reseeding'));
    assert.deepEqual(writable(rounds.at(-1)!), ['mysql-1']);
    const after = startInsertLoad(s1.port, 'after');
    await new Promise((r) => setTimeout(r, 300));
    after.stop();
    await after.done;
    const deadline = Date.now() + 10_000;
    let [on0, on1] = [await orderIds(s0.port), await orderIds(s1.port)];
    while (after.acked.some((id) => !on0.has(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      [on0, on1] = [await orderIds(s0.port), await orderIds(s1.port)];
    }
    assert.deepEqual([...on0].sort(), [...on1].sort(), 'both pods hold the same rows');
    for (const id of [...load.acked, ...after.acked]) assert.ok(on1.has(id), `acknowledged ${id} kept`);
    const onWriter = (await sqlOn(s1.port, "SELECT COUNT(*) AS n FROM shop.orders WHERE origin = 'in-flight'")) as {
      n: number;
    }[];
    assert.equal(Number(onWriter[0]?.n), 0, 'the unacknowledged insert is gone, not replayed');
  });
});
