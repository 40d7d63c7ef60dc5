import assert from 'node:assert/strict';
import { validateSpec } from '../../src/api/validation.js';
import { createEventRecorder, EventType } from '../../src/kube/events.js';
import { silentLogger } from '../../src/kube/logger.js';
import { createObjectClient } from '../../src/kube/objects.js';
import type { MysqlState } from '../../src/mysql/index.js';
import type { MysqlControl, MysqlPod, MysqlRound, MysqlStepResult } from '../../src/reconcile/mysql-port.js';
import { Reconciler } from '../../src/reconcile/reconciler.js';
import { deployedServices } from '../../src/resources/deployed.js';
import { desiredResources } from '../../src/resources/desired.js';
import { decideReplicas } from '../../src/scaling/decide.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import type { StoredObject } from '../support/fake-apiserver/store.js';
import { createPlatform, FakeRates, NAMESPACE, platformSpec, readPlatform } from '../support/operator-harness.js';

type Condition = { type: string; status: string; reason: string; message: string };
interface MysqlStatusLike {
  writer?: string;
  lastFailoverAt?: string;
  failures?: Record<string, number>;
  fenced?: string[];
}

const services = findType('', 'v1', 'services')!;
const deployments = findType('apps', 'v1', 'deployments')!;
const pods = findType('', 'v1', 'pods')!;
const eventsType = findType('', 'v1', 'events')!;
const statusOf = (p: StoredObject) => (p['status'] ?? {}) as { conditions?: Condition[]; mysql?: MysqlStatusLike };
const conditionOf = (p: StoredObject, type: string) => statusOf(p).conditions?.find((c) => c.type === type);
const writerSelector = (server: FakeApiServer) =>
  (server.store.get(services, NAMESPACE, 'p1-mysql-writer')['spec'] as { selector: Record<string, string> }).selector[
    'statefulset.kubernetes.io/pod-name'
  ];

/** A MysqlControl the test scripts: it records every call and answers with `next`. */
class FakeMysqlControl implements MysqlControl {
  readonly calls: { pods: string[]; recorded: MysqlState | undefined }[] = [];
  next: MysqlStepResult | Error = { state: emptyState, conditions: [], writer: null, events: [] };
  readonly rounds: MysqlRound[] = [];
  async step(_platform: unknown, podList: readonly MysqlPod[], recorded: MysqlState | undefined, round: MysqlRound) {
    this.rounds.push(round);
    this.calls.push({ pods: podList.map((p) => p.metadata?.name ?? ''), recorded });
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

const emptyState: MysqlState = { writer: null, lastFailoverAt: null, failures: {}, fenced: [] };
const T0 = Date.parse('2025-01-01T00:00:00Z');

const failedOver: MysqlStepResult = {
  state: {
    writer: 'p1-mysql-1',
    lastFailoverAt: T0,
    failures: { 'p1-mysql-0': 3, 'p1-mysql-1': 0 },
    fenced: ['p1-mysql-0'],
  },
  conditions: [
    {
      type: 'MySQLAvailable',
      status: 'True',
      reason: 'FailedOver',
      message: 'writer moved from p1-mysql-0 to p1-mysql-1',
    },
    { type: 'MySQLReplicationHealthy', status: 'False', reason: 'PodFenced', message: 'p1-mysql-0 is fenced' },
    { type: 'ManualInterventionRequired', status: 'False', reason: 'None', message: 'no errant transactions seen' },
  ],
  writer: 'p1-mysql-1',
  events: [{ type: EventType.Warning, reason: 'MySQLFailover', message: 'p1-mysql-0 → p1-mysql-1' }],
};

async function start(control: MysqlControl) {
  const server = await startFakeApiServer();
  const kubeConfig = server.kubeConfig(NAMESPACE);
  const time = { now: T0 };
  const clock = () => time.now;
  const reconciler = new Reconciler({
    objects: createObjectClient(kubeConfig, 'mpstack-operator'),
    events: createEventRecorder({ kubeConfig, component: 'mpstack-operator', clock, logger: silentLogger }),
    rates: new FakeRates(),
    desiredResources,
    decideReplicas,
    validateSpec,
    clock,
    logger: silentLogger,
    mysql: control,
  });
  return { server, reconciler, time };
}

function createMysqlPod(server: FakeApiServer, name: string): void {
  server.store.create(pods, NAMESPACE, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: {
        'app.kubernetes.io/name': 'mpstack',
        'app.kubernetes.io/instance': 'p1',
        'app.kubernetes.io/component': 'mysql',
      },
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  } as StoredObject);
}

describe('Reconciler drives the MySQL dual-master round (fake MysqlControl, fake API server)', () => {
  let server: FakeApiServer;
  let reconciler: Reconciler;
  let control: FakeMysqlControl;
  let time: { now: number };
  /** Moves the clock past the next probe (2 s) and scrape (15 s) ticks. */
  const nextTick = () => {
    time.now += 60_000;
  };
  beforeEach(async () => {
    control = new FakeMysqlControl();
    ({ server, reconciler, time } = await start(control));
  });
  afterEach(async () => {
    await server.close();
  });

  it('puts the step writer into status.mysql and the writer Service selector, with the state and conditions', async () => {
    createPlatform(server, 'p1', platformSpec());
    createMysqlPod(server, 'p1-mysql-0');
    control.next = failedOver;
    await reconciler.reconcile(NAMESPACE, 'p1');
    const p = readPlatform(server, 'p1');
    assert.deepEqual(statusOf(p).mysql, {
      writer: 'p1-mysql-1',
      lastFailoverAt: '2025-01-01T00:00:00.000Z',
      failures: { 'p1-mysql-0': 3, 'p1-mysql-1': 0 },
      fenced: ['p1-mysql-0'],
    });
    assert.equal(writerSelector(server), 'p1-mysql-1');
    assert.equal(conditionOf(p, 'MySQLAvailable')?.reason, 'FailedOver');
    assert.equal(conditionOf(p, 'MySQLReplicationHealthy')?.status, 'False');
    assert.equal(conditionOf(p, 'ManualInterventionRequired')?.status, 'False');
    assert.deepEqual(control.calls[0], { pods: ['p1-mysql-0'], recorded: undefined });
    const events = server.store.list(eventsType, NAMESPACE, null, null);
    assert.ok(
      events.some((e) => e['reason'] === 'MySQLFailover'),
      'the step Event was recorded',
    );
  });

  it('hands the state recorded in status back to the next round unchanged', async () => {
    createPlatform(server, 'p1', platformSpec());
    control.next = failedOver;
    await reconciler.reconcile(NAMESPACE, 'p1');
    nextTick();
    await reconciler.reconcile(NAMESPACE, 'p1');
    assert.deepEqual(control.calls[1]?.recorded, failedOver.state);
  });

  it('runs no second round before the probe tick; a MySQL Pod event runs one at once that is not counted as a probe', async () => {
    createPlatform(server, 'p1', platformSpec({ mysql: { failover: { probeIntervalSeconds: 2 } } }));
    control.next = failedOver;
    await reconciler.reconcile(NAMESPACE, 'p1');
    time.now += 500;
    await reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(control.rounds.length, 1, 'a reconcile 0.5 s later (a watch event) probes nothing');
    reconciler.requestMysqlRound(NAMESPACE, 'p1');
    await reconciler.reconcile(NAMESPACE, 'p1');
    assert.deepEqual(control.rounds, [{ countsAsProbe: true }, { countsAsProbe: false }]);
    time.now += 1500;
    await reconciler.reconcile(NAMESPACE, 'p1');
    assert.deepEqual(control.rounds.at(-1), { countsAsProbe: true }, 'the probe clock kept its own schedule');
  });

  it('a failing step sets MySQLAvailable=False, keeps the recorded writer and still reconciles the rest', async () => {
    createPlatform(server, 'p1', platformSpec());
    control.next = failedOver;
    await reconciler.reconcile(NAMESPACE, 'p1');
    nextTick();
    control.next = new Error('Secret p1-mysql not found');
    server.store.delete(services, NAMESPACE, 'p1-mysql-writer');
    await reconciler.reconcile(NAMESPACE, 'p1');
    const p = readPlatform(server, 'p1');
    assert.deepEqual(conditionOf(p, 'MySQLAvailable'), {
      ...conditionOf(p, 'MySQLAvailable'),
      status: 'False',
      reason: 'MySQLStepFailed',
      message: 'Secret p1-mysql not found',
    });
    assert.equal(statusOf(p).mysql?.writer, 'p1-mysql-1');
    assert.equal(writerSelector(server), 'p1-mysql-1', 'the writer Service was recreated for the recorded writer');
    assert.equal(server.store.list(deployments, NAMESPACE, null, null).length, deployedServices().length);
    assert.ok(conditionOf(p, 'Ready') !== undefined);
  });

  it('a failing first step leaves no writer: the writer Service selects no pod', async () => {
    createPlatform(server, 'p1', platformSpec());
    control.next = new Error('connect ECONNREFUSED');
    await reconciler.reconcile(NAMESPACE, 'p1');
    const p = readPlatform(server, 'p1');
    assert.equal(conditionOf(p, 'MySQLAvailable')?.reason, 'MySQLStepFailed');
    assert.equal(statusOf(p).mysql, undefined);
    assert.equal(writerSelector(server), '');
    assert.equal(server.store.list(deployments, NAMESPACE, null, null).length, deployedServices().length);
  });

  it('requeues at the MySQL probe interval when it is shorter than the scrape interval', async () => {
    createPlatform(server, 'p1', platformSpec({ mysql: { failover: { probeIntervalSeconds: 2 } } }));
    const result = await reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(result.requeueAfterMs, 2000);
  });

  it('runs no MySQL step for mode external, nor when paused', async () => {
    const external = { mode: 'external', externalUrlSecret: { name: 'db', key: 'url' } };
    createPlatform(server, 'p1', platformSpec({ mysql: external }));
    createPlatform(server, 'p2', platformSpec(), { 'mpstack.io/paused': 'true' });
    await reconciler.reconcile(NAMESPACE, 'p1');
    await reconciler.reconcile(NAMESPACE, 'p2');
    assert.equal(control.calls.length, 0);
    for (const name of ['p1', 'p2']) {
      assert.equal(conditionOf(readPlatform(server, name), 'MySQLAvailable'), undefined);
    }
  });
});
