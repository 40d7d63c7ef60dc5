import assert from 'node:assert/strict';
import type { BinlogTransaction } from '../../src/mysql/binlog.js';
import {
  ConditionType,
  type Decision,
  type DecisionInput,
  decide,
  defaultMysqlSettings,
  initialMysqlState,
  type MysqlState,
  type PodObservation,
  parseMariadbGtidSet,
  parseMysqlGtidSet,
  type ReplicaStatus,
} from '../../src/mysql/index.js';

const P0 = 'mysql-0';
const P1 = 'mysql-1';
const NOW = 1_000_000_000;

const replicating: ReplicaStatus = {
  configured: true,
  sourceHost: 'peer',
  sourcePort: 3306,
  ioRunning: true,
  sqlRunning: true,
  lagSeconds: 0,
  lastIoError: '',
  lastSqlError: '',
  relayApplied: true,
  relayDrained: true,
};

function pod(name: string, overrides: Partial<PodObservation> = {}): PodObservation {
  return {
    pod: name,
    reachable: true,
    kube: 'ready',
    readOnly: name !== P0,
    gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-10'),
    ownSource: name === P0 ? '1' : '2',
    replica: replicating,
    replicaSource: name === P0 ? P1 : P0,
    ...overrides,
  };
}

const down = (name: string, kube: PodObservation['kube']): PodObservation => ({ pod: name, reachable: false, kube });

const steady: MysqlState = { writer: P0, lastFailoverAt: null, failures: {}, fenced: [] };

function run(observations: readonly PodObservation[], state: MysqlState, extra: Partial<DecisionInput> = {}): Decision {
  return decide({ now: NOW, pods: [P0, P1], observations, state, settings: defaultMysqlSettings, ...extra });
}

const types = (d: Decision) => d.actions.map((a) => a.type);
const cond = (d: Decision, type: string) => d.conditions.find((c) => c.type === type);

describe('MySQL writer decision', () => {
  describe('bootstrap', () => {
    it('makes pod-0 the writer, both read-only first, replication both ways, only pod-0 writable', () => {
      const fresh = {
        readOnly: true,
        gtidExecuted: parseMariadbGtidSet(''),
        replica: { ...replicating, configured: false },
      };
      const d = run([pod(P0, fresh), pod(P1, fresh)], initialMysqlState);
      assert.deepEqual(d.actions, [
        { type: 'bootstrap', writer: P0, passive: P1 },
        { type: 'configureReplication', replica: P1, source: P0 },
        { type: 'configureReplication', replica: P0, source: P1 },
        { type: 'setWritable', pod: P0 },
        { type: 'pointWriterService', pod: P0 },
      ]);
      assert.equal(d.state.writer, P0);
    });

    it('waits for both pods before choosing a writer', () => {
      const d = run([pod(P0), down(P1, 'notReady')], initialMysqlState);
      assert.deepEqual(d.actions, []);
      assert.equal(d.state.writer, null);
      assert.equal(cond(d, ConditionType.available)?.reason, 'WaitingForPods');
    });

    it('does not open pod-0 for writes while pod-1 holds transactions pod-0 lacks', () => {
      const d = run([pod(P0, { gtidExecuted: parseMariadbGtidSet('1-1-5') }), pod(P1)], initialMysqlState);
      assert.ok(!types(d).includes('setWritable'));
      assert.equal(d.state.writer, P0);
    });
  });

  describe('steady state', () => {
    it('does nothing when exactly the writer is writable and replication is healthy both ways', () => {
      const d = run([pod(P0), pod(P1)], steady);
      assert.deepEqual(d.actions, []);
      assert.deepEqual(
        d.conditions.map((c) => [c.type, c.status]),
        [
          [ConditionType.available, 'True'],
          [ConditionType.replicationHealthy, 'True'],
          [ConditionType.manualIntervention, 'False'],
        ],
      );
    });

    it('fences a writable pod that is not the recorded writer (without stopping its replication)', () => {
      const d = run([pod(P0), pod(P1, { readOnly: false })], steady);
      assert.deepEqual(d.actions, [{ type: 'fence', pod: P1, stopReplica: false }]);
    });

    it('reopens a restarted read-only writer only once it holds everything the passive has', () => {
      const restarted = pod(P0, { readOnly: true });
      assert.deepEqual(run([restarted, pod(P1)], steady).actions, [{ type: 'setWritable', pod: P0 }]);
      const behind = run([restarted, pod(P1, { gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-11') })], steady);
      assert.deepEqual(behind.actions, []);
      assert.equal(cond(behind, ConditionType.available)?.reason, 'WriterCatchingUp');
    });

    it('configures a missing direction and restarts cleanly stopped threads', () => {
      const unconfigured = run([pod(P0), pod(P1, { replica: { ...replicating, configured: false } })], steady);
      assert.deepEqual(unconfigured.actions, [{ type: 'configureReplication', replica: P1, source: P0 }]);
      const wrongSource = run([pod(P0, { replicaSource: 'elsewhere' }), pod(P1)], steady);
      assert.deepEqual(wrongSource.actions, [{ type: 'configureReplication', replica: P0, source: P1 }]);
      const stopped = run(
        [pod(P0), pod(P1, { replica: { ...replicating, ioRunning: false, sqlRunning: false } })],
        steady,
      );
      assert.deepEqual(stopped.actions, [{ type: 'startReplica', pod: P1 }]);
    });

    it('leaves a replication error alone and reports it in MySQLReplicationHealthy', () => {
      const broken = { ...replicating, sqlRunning: false, lastSqlError: "Duplicate entry '7' for key 'PRIMARY'" };
      const d = run([pod(P0), pod(P1, { replica: broken })], steady);
      assert.deepEqual(d.actions, []);
      const c = cond(d, ConditionType.replicationHealthy);
      assert.equal(c?.status, 'False');
      assert.match(c?.message ?? '', /Duplicate entry/);
      const manual = cond(d, ConditionType.manualIntervention);
      assert.deepEqual([manual?.status, manual?.reason], ['True', 'ReplicationStopped']);
    });

    it('masks passwords quoted in a replication error', () => {
      const error = "Error 'Operation CREATE USER failed' on query: 'CREATE USER 'app'@'%' IDENTIFIED BY 's3cret''";
      const broken = { ...replicating, sqlRunning: false, lastSqlError: error };
      const d = run([pod(P0), pod(P1, { replica: broken })], steady);
      for (const type of [ConditionType.replicationHealthy, ConditionType.manualIntervention]) {
        assert.doesNotMatch(cond(d, type)?.message ?? '', /s3cret/);
        assert.match(cond(d, type)?.message ?? '', /IDENTIFIED BY '\*\*\*'/);
      }
    });

    it('reports lag above maxLagSeconds as unhealthy', () => {
      const d = run([pod(P0), pod(P1, { replica: { ...replicating, lagSeconds: 31 } })], steady);
      assert.equal(cond(d, ConditionType.replicationHealthy)?.status, 'False');
    });
  });

  describe('failover', () => {
    const failing = (n: number): MysqlState => ({ ...steady, failures: { [P0]: n } });

    it('counts failed probes but does not fail over below the threshold', () => {
      const d = run([down(P0, 'notReady'), pod(P1)], failing(1));
      assert.deepEqual(d.actions, []);
      assert.equal(d.state.failures[P0], 2);
      assert.equal(cond(d, ConditionType.available)?.reason, 'WriterProbeFailing');
    });

    it('does not fail over when Kubernetes still reports the writer Ready (uncorroborated)', () => {
      const d = run([down(P0, 'ready'), pod(P1)], failing(10));
      assert.deepEqual(d.actions, []);
      assert.equal(d.state.writer, P0);
      assert.equal(cond(d, ConditionType.available)?.reason, 'FailureNotCorroborated');
    });

    it('fails over on a corroborated failure: Service first, NotReady pod deleted, old writer fenced', () => {
      const d = run([down(P0, 'notReady'), pod(P1)], failing(2));
      assert.deepEqual(d.actions, [
        { type: 'pointWriterService', pod: P1 },
        { type: 'failover', from: P0, to: P1 },
        { type: 'deletePod', pod: P0 },
      ]);
      assert.deepEqual(d.state, {
        writer: P1,
        lastFailoverAt: NOW,
        failures: { [P0]: 3, [P1]: 0 },
        fenced: [P0],
        ackProof: {},
      });
    });

    it('does not delete a pod Kubernetes already reports absent or terminating', () => {
      for (const kube of ['absent', 'terminating'] as const) {
        assert.deepEqual(types(run([down(P0, kube), pod(P1)], failing(5))), ['pointWriterService', 'failover']);
      }
    });

    it('never fails over twice within antiFlapSeconds', () => {
      const recent = { ...steady, writer: P1, lastFailoverAt: NOW - 299_000, failures: { [P1]: 5 } };
      const blocked = run([pod(P0, { readOnly: true }), down(P1, 'notReady')], recent);
      assert.ok(!types(blocked).includes('failover'));
      assert.equal(cond(blocked, ConditionType.available)?.reason, 'AntiFlap');
      const later = run([pod(P0, { readOnly: true }), down(P1, 'notReady')], {
        ...recent,
        lastFailoverAt: NOW - 300_000,
      });
      assert.ok(types(later).includes('failover'));
    });

    it('has no failover target when the passive is unreachable or itself fenced', () => {
      const both = run([down(P0, 'notReady'), down(P1, 'notReady')], failing(5));
      assert.deepEqual(both.actions, []);
      assert.equal(cond(both, ConditionType.available)?.reason, 'NoFailoverTarget');
      const fencedPassive = run([down(P0, 'notReady'), pod(P1)], { ...failing(5), fenced: [P1] });
      assert.ok(!types(fencedPassive).includes('failover'));
    });

    it('does not repeat itself: the next round with the recorded state only keeps the old writer fenced', () => {
      const first = run([down(P0, 'notReady'), pod(P1)], failing(2));
      const promoted = pod(P1, { readOnly: false, replica: { ...replicating, ioRunning: false } });
      const second = run([down(P0, 'absent'), promoted], first.state);
      assert.deepEqual(second.actions, []);
      assert.equal(cond(second, ConditionType.available)?.status, 'True');
      assert.equal(cond(second, ConditionType.replicationHealthy)?.reason, 'PodUnreachable');
    });
  });

  describe('rejoin', () => {
    const afterFailover: MysqlState = { writer: P1, lastFailoverAt: NOW - 1000, failures: {}, fenced: [P0] };
    const writer = pod(P1, { readOnly: false, gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-30') });

    it('rejoins a returning pod with no errant transaction as a read-only replica of the new writer', () => {
      const back = pod(P0, { readOnly: true, replica: { ...replicating, ioRunning: false, sqlRunning: false } });
      const d = run([back, writer], afterFailover);
      assert.deepEqual(d.actions, [{ type: 'rejoin', pod: P0, writer: P1 }]);
      assert.deepEqual(d.state.fenced, []);
      assert.equal(cond(d, ConditionType.manualIntervention)?.status, 'False');
    });

    it('blocks a returning pod with errant transactions: ManualInterventionRequired, no replication from it', () => {
      const errant = pod(P0, {
        readOnly: true,
        gtidExecuted: parseMariadbGtidSet('1-1-102,2-2-10'),
        replica: { ...replicating, ioRunning: false, sqlRunning: false },
      });
      const d = run([errant, writer], afterFailover);
      assert.deepEqual(d.actions, []);
      assert.deepEqual(d.state.fenced, [P0]);
      const manual = cond(d, ConditionType.manualIntervention);
      assert.equal(manual?.status, 'True');
      assert.match(manual?.message ?? '', /mysql-0 has transactions mysql-1 lacks: 1:101-102/);
      assert.equal(cond(d, ConditionType.replicationHealthy)?.reason, 'PodFenced');
    });

    it('re-seeds a returning pod that lost its own transactions the writer has (replication would skip them)', () => {
      const truncated = pod(P0, {
        readOnly: true,
        gtidExecuted: parseMariadbGtidSet('1-1-98,2-2-10'),
        replica: { ...replicating, ioRunning: false, sqlRunning: false },
      });
      const d = run([truncated, writer], afterFailover);
      assert.deepEqual(d.actions, [{ type: 'reseed', pod: P0, from: P1 }]);
      assert.deepEqual(d.state.fenced, [P0], 'fenced until the re-seeded pod rejoins');
      const manual = cond(d, ConditionType.manualIntervention);
      assert.deepEqual([manual?.status, manual?.reason], ['False', 'Reseeding']);
      assert.match(manual?.message ?? '', /mysql-0 lacks some of its own transactions/);
      const behindOnlyInPeerDomain = pod(P0, { ...truncated, gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-3') });
      assert.deepEqual(types(run([behindOnlyInPeerDomain, writer], afterFailover)), ['rejoin']);
    });

    it('re-fences a returning errant pod that came back writable or replicating, and stops its replica', () => {
      const writable = pod(P0, { readOnly: false, gtidExecuted: parseMariadbGtidSet('1-1-102') });
      assert.deepEqual(run([writable, writer], afterFailover).actions, [{ type: 'fence', pod: P0, stopReplica: true }]);
    });

    it('waits for the writer before judging a returning pod', () => {
      const stopped = { ...replicating, ioRunning: false, sqlRunning: false };
      const d = run([pod(P0, { readOnly: true, replica: stopped }), down(P1, 'ready')], afterFailover);
      assert.deepEqual(d.actions, []);
      assert.deepEqual(d.state.fenced, [P0]);
    });
  });

  describe('bootstrap from the images first boot', () => {
    const tx = (gtid: string, statements: string[], rowTables: string[] = []): BinlogTransaction => ({
      gtid,
      statements,
      rowTables,
    });
    const entrypoint = (domain: string) => [
      tx(`${domain}-${domain}-1`, ['CREATE DATABASE IF NOT EXISTS `mpstack`']),
      tx(`${domain}-${domain}-2`, ["CREATE USER 'mpstack'@'%' IDENTIFIED BY '***'"]),
      tx(`${domain}-${domain}-3`, ["GRANT ALL ON `mpstack`.* TO 'mpstack'@'%'"]),
    ];
    const booted = (name: string, binlog: BinlogTransaction[], gtid: string) =>
      pod(name, {
        readOnly: true,
        gtidExecuted: parseMariadbGtidSet(gtid),
        replica: { ...replicating, configured: false },
        binlog,
      });

    it('records each pod first-boot transactions on the other when both did the same work, then bootstraps', () => {
      const d = run([booted(P0, entrypoint('1'), '1-1-3'), booted(P1, entrypoint('2'), '2-2-3')], initialMysqlState);
      assert.deepEqual(types(d), [
        'bootstrap',
        'adoptFirstBoot',
        'configureReplication',
        'configureReplication',
        'setWritable',
        'pointWriterService',
      ]);
      assert.equal(d.state.writer, P0);
      assert.equal(cond(d, ConditionType.manualIntervention)?.status, 'False');
    });

    it('adopts after an earlier attempt replicated part of the peer first boot before failing', () => {
      const half = [...entrypoint('1'), tx('2-2-1', ['CREATE DATABASE IF NOT EXISTS `mpstack`'])];
      const d = run([booted(P0, half, '1-1-3,2-2-1'), booted(P1, entrypoint('2'), '2-2-3')], initialMysqlState);
      assert.ok(types(d).includes('adoptFirstBoot'));
    });

    it('refuses, with ManualInterventionRequired and the reason, when a pod holds more than first-boot work', () => {
      const table = [...entrypoint('2'), tx('2-2-4', ['CREATE TABLE orders (id INT)'])];
      const d = run([booted(P0, entrypoint('1'), '1-1-3'), booted(P1, table, '2-2-4')], initialMysqlState);
      assert.deepEqual(d.actions, []);
      assert.equal(d.state.writer, null);
      const manual = cond(d, ConditionType.manualIntervention);
      assert.deepEqual([manual?.status, manual?.reason], ['True', 'BootstrapDiverged']);
      assert.match(manual?.message ?? '', /mysql-1: transaction 2-2-4 is not first-boot work \(CREATE TABLE orders/);
      assert.equal(cond(d, ConditionType.available)?.reason, 'BootstrapBlocked');
      const rows = [...entrypoint('2'), tx('2-2-4', [], ['mpstack.orders'])];
      const withRows = run([booted(P0, entrypoint('1'), '1-1-3'), booted(P1, rows, '2-2-4')], initialMysqlState);
      assert.equal(cond(withRows, ConditionType.manualIntervention)?.reason, 'BootstrapDiverged');
    });

    it('refuses when the pods ran different first-boot statements, or a binlog was too long to read', () => {
      const other = entrypoint('2').map((t, i) =>
        i === 0 ? tx(t.gtid, ['CREATE DATABASE IF NOT EXISTS `other`']) : t,
      );
      const d = run([booted(P0, entrypoint('1'), '1-1-3'), booted(P1, other, '2-2-3')], initialMysqlState);
      assert.match(cond(d, ConditionType.manualIntervention)?.message ?? '', /ran different first-boot statements/);
      const long = run(
        [
          booted(P0, entrypoint('1'), '1-1-3'),
          pod(P1, { readOnly: true, gtidExecuted: parseMariadbGtidSet('2-2-9000'), binlog: null }),
        ],
        initialMysqlState,
      );
      assert.match(cond(long, ConditionType.manualIntervention)?.message ?? '', /too long to be a first boot/);
    });

    it('accepts the MySQL 8.4 first boot too: the time-zone tables and the account under server UUIDs', () => {
      const uuidA = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
      const uuidB = '4f22ab58-71ca-11e1-9e33-c80aa9429562';
      const mysqlBoot = (uuid: string) => [
        tx(`${uuid}:1`, ['TRUNCATE TABLE time_zone']),
        tx(`${uuid}:2`, [], ['mysql.time_zone', 'mysql.time_zone_transition']),
        tx(`${uuid}:3`, ['CREATE DATABASE IF NOT EXISTS `mpstack`']),
        tx(`${uuid}:4`, ["CREATE USER 'mpstack'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '***'"]),
      ];
      const mysqlPod = (name: string, uuid: string) =>
        pod(name, {
          readOnly: true,
          ownSource: uuid,
          gtidExecuted: parseMysqlGtidSet(`${uuid}:1-4`),
          replica: { ...replicating, configured: false },
          binlog: mysqlBoot(uuid),
        });
      const d = run([mysqlPod(P0, uuidA), mysqlPod(P1, uuidB)], initialMysqlState);
      assert.ok(types(d).includes('adoptFirstBoot'));
    });
  });

  describe('semi-sync: the acknowledgements of the writer', () => {
    const guarded = { enabled: true, active: true, timeoutMs: 60_000, waitsWithoutReplica: true };
    const sets = {
      gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-10'),
      binlogPosition: { file: 'b.000002', pos: 900 },
    };

    it('dates a proof when semi-sync is guarded and the passive received everything the writer had logged', () => {
      const d = run(
        [pod(P0, { ...sets, semiSync: guarded }), pod(P1, { received: parseMariadbGtidSet('1-1-100,2-2-10') })],
        steady,
        { observedAt: NOW - 50 },
      );
      assert.deepEqual(d.state.ackProof, { [P0]: { at: NOW - 50, file: 'b.000002', pos: 900 } });
      const lagging = run(
        [pod(P0, { ...sets, semiSync: guarded }), pod(P1, { received: parseMariadbGtidSet('1-1-99,2-2-10') })],
        { ...steady, ackProof: { [P0]: { at: NOW - 5000, file: 'b.000002', pos: 100 } } },
      );
      assert.equal(lagging.state.ackProof?.[P0]?.at, NOW - 5000, 'an older proof stays valid');
    });

    it('drops the proof when semi-sync is not guarded (fell back to async, short timeout, no wait without replica)', () => {
      const old = { ...steady, ackProof: { [P0]: { at: NOW - 5000, file: 'b.000002', pos: 100 } } };
      for (const semiSync of [
        { ...guarded, active: false },
        { ...guarded, timeoutMs: 10_000 },
        { ...guarded, waitsWithoutReplica: false },
      ]) {
        const d = run([pod(P0, { ...sets, semiSync }), pod(P1, { received: sets.gtidExecuted })], old);
        assert.deepEqual(d.state.ackProof, {});
      }
    });

    it('switches the writer to asynchronous commits once its passive failed as many probes as a failover needs', () => {
      const d = run([pod(P0, { ...sets, semiSync: guarded }), down(P1, 'notReady')], {
        ...steady,
        failures: { [P1]: 2 },
      });
      assert.deepEqual(d.actions, [{ type: 'setSemiSyncSource', pod: P0, enabled: false }]);
      assert.deepEqual(d.state.ackProof, {});
      const early = run([pod(P0, { ...sets, semiSync: guarded }), down(P1, 'notReady')], steady);
      assert.deepEqual(early.actions, [], 'one failed probe: the writer keeps waiting for acks');
    });

    it('switches semi-sync back on once the passive replicates the writer again', () => {
      const d = run([pod(P0, { ...sets, semiSync: { ...guarded, enabled: false, active: false } }), pod(P1)], steady);
      assert.deepEqual(d.actions, [{ type: 'setSemiSyncSource', pod: P0, enabled: true }]);
    });
  });

  describe('re-seed of a returning ex-writer with unacknowledged transactions', () => {
    const proof = { at: NOW - 20_000, file: 'b.000007', pos: 4000 };
    const afterKill: MysqlState = {
      writer: P1,
      lastFailoverAt: NOW - 10_000,
      failures: {},
      fenced: [P0],
      ackProof: { [P0]: proof },
    };
    const survivor = pod(P1, { readOnly: false, gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-30') });
    const returning = (overrides: Partial<PodObservation> = {}) =>
      pod(P0, {
        readOnly: true,
        gtidExecuted: parseMariadbGtidSet('1-1-101,2-2-10'),
        replica: { ...replicating, ioRunning: false, sqlRunning: false },
        startedAt: NOW - 5000,
        loggedSinceProof: ['1-1-99', '1-1-100', '1-1-101'],
        ...overrides,
      });

    it('re-seeds when the extra transactions were logged after the proof by a process that stopped within the timeout', () => {
      const d = run([returning(), survivor], afterKill);
      assert.deepEqual(d.actions, [{ type: 'reseed', pod: P0, from: P1 }]);
      const manual = cond(d, ConditionType.manualIntervention);
      assert.deepEqual([manual?.status, manual?.reason], ['False', 'Reseeding']);
      assert.match(manual?.message ?? '', /1:101 were never acknowledged/);
    });

    it('leaves it to a human when any link of the proof is missing', () => {
      const cases: [string, MysqlState, PodObservation][] = [
        ['no proof (asynchronous, or the operator restarted)', { ...afterKill, ackProof: {} }, returning()],
        ['restarted after the timeout', afterKill, returning({ startedAt: proof.at + 60_000 })],
        ['logged after a restart (written on the fenced pod)', afterKill, returning({ loggedSinceProof: ['1-1-99'] })],
        ['tail unreadable', afterKill, returning({ loggedSinceProof: null })],
        [
          'extra transactions of another source',
          afterKill,
          returning({ gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-10,3-3-1'), loggedSinceProof: ['3-3-1'] }),
        ],
      ];
      for (const [what, state, o] of cases) {
        const d = run([o, survivor], state);
        assert.deepEqual(d.actions, [], what);
        assert.equal(cond(d, ConditionType.manualIntervention)?.reason, 'ErrantTransactions', what);
      }
      const async = run([returning(), survivor], afterKill, {
        settings: { ...defaultMysqlSettings, ackTimeoutMs: null },
      });
      assert.deepEqual(async.actions, [], 'asynchronous replication proves nothing');
    });

    it('rejoins once the re-seed left it holding nothing the writer lacks, and forgets its proof', () => {
      const reseeded = returning({ gtidExecuted: parseMariadbGtidSet('1-1-100,2-2-30') });
      const d = run([reseeded, survivor], afterKill);
      assert.deepEqual(d.actions, [{ type: 'rejoin', pod: P0, writer: P1 }]);
      assert.deepEqual(d.state.ackProof, {});
    });
  });

  describe('planned switchover', () => {
    it('switches to the requested passive when it replicates healthily, then points the Service', () => {
      const d = run([pod(P0), pod(P1)], steady, { requestedWriter: P1 });
      assert.deepEqual(d.actions, [
        { type: 'switchover', from: P0, to: P1 },
        { type: 'pointWriterService', pod: P1 },
      ]);
      assert.equal(d.state.writer, P1);
    });

    it('refuses while the passive is not replicating, or right after a failover', () => {
      const lagging = pod(P1, { replica: { ...replicating, ioRunning: false, lastIoError: 'connect refused' } });
      assert.deepEqual(run([pod(P0), lagging], steady, { requestedWriter: P1 }).actions, []);
      const recent = { ...steady, lastFailoverAt: NOW - 10_000 };
      assert.deepEqual(run([pod(P0), pod(P1)], recent, { requestedWriter: P1 }).actions, []);
    });
  });
});
