import assert from 'node:assert/strict';
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
        { type: 'deletePod', pod: P0 },
        { type: 'failover', from: P0, to: P1 },
      ]);
      assert.deepEqual(d.state, { writer: P1, lastFailoverAt: NOW, failures: { [P0]: 3, [P1]: 0 }, fenced: [P0] });
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

    it('blocks a returning pod that lost its own transactions the writer has (replication would skip them)', () => {
      const truncated = pod(P0, {
        readOnly: true,
        gtidExecuted: parseMariadbGtidSet('1-1-98,2-2-10'),
        replica: { ...replicating, ioRunning: false, sqlRunning: false },
      });
      const d = run([truncated, writer], afterFailover);
      assert.deepEqual(d.actions, []);
      const manual = cond(d, ConditionType.manualIntervention);
      assert.equal(manual?.reason, 'OwnTransactionsMissing');
      assert.match(manual?.message ?? '', /1:99-100/);
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
