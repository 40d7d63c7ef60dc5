import assert from 'node:assert/strict';
import { ANNOTATIONS, type WeChatPlatform } from '../../src/api/v1alpha1.js';
import { validateSpec } from '../../src/api/validation.js';
import { silentLogger } from '../../src/kube/logger.js';
import { createObjectClient } from '../../src/kube/objects.js';
import { type MysqlState, mysql2Connector } from '../../src/mysql/index.js';
import { createMysqlControl } from '../../src/reconcile/mysql-control.js';
import type { MysqlPod, MysqlStepResult } from '../../src/reconcile/mysql-port.js';
import { createAppSchema, orderIds, sqlOn, startInsertLoad } from '../mysql/load.js';
import { type MariadbPair, startMariadbPair, stopPair } from '../mysql/mariadb-harness.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import type { StoredObject } from '../support/fake-apiserver/store.js';
import { NAMESPACE, platformSpec } from '../support/operator-harness.js';

const readyPod = (name: string): MysqlPod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NAMESPACE },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * The planned switchover as a user asks for it — the `mpstack.io/mysql-writer` annotation on
 * the platform — through the operator's MySQL step (`createMysqlControl`: Secret, annotation,
 * decision, actions) against two real MariaDB processes. The servers answer on loopback
 * ports instead of the pods' DNS names (the control's `endpoints` option).
 */
describe('MySQL switchover through the operator step, on two real MariaDB processes', function () {
  this.timeout(60_000);
  let pair: MariadbPair | undefined;
  let server: FakeApiServer;
  let state: MysqlState | undefined;
  let pods: readonly MysqlPod[];

  before(async () => {
    pair = await startMariadbPair();
    server = await startFakeApiServer();
    server.store.create(findType('', 'v1', 'secrets')!, NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'p1-mysql' },
      data: { 'root-password': b64(''), 'replication-password': b64('repl-secret') },
    } as StoredObject);
    pods = pair.servers.map((s) => readyPod(s.pod));
  });
  after(async () => {
    await server?.close();
    if (pair !== undefined) await stopPair(pair);
  });

  function platform(annotations: Record<string, string> = {}): WeChatPlatform {
    const validation = validateSpec(
      platformSpec({ mysql: { image: 'mariadb:10.11', failover: { probeIntervalSeconds: 1 } } }),
    );
    assert.ok(validation.ok);
    return {
      apiVersion: 'mpstack.io/v1alpha1',
      kind: 'WeChatPlatform',
      metadata: { name: 'p1', namespace: NAMESPACE, uid: 'u1', annotations },
      spec: validation.spec,
    };
  }

  function control() {
    const servers = pair?.servers ?? [];
    const admin = mysql2Connector({ user: 'root', password: '', connectTimeoutMs: 1000 });
    return createMysqlControl({
      objects: createObjectClient(server.kubeConfig(NAMESPACE), 'mpstack-operator'),
      clock: Date.now,
      logger: silentLogger,
      endpoints: () => servers.map((s) => ({ pod: s.pod, host: '127.0.0.1', port: s.port })),
      connect: (endpoint) => admin(endpoint),
    });
  }

  /** Steps (as the reconciler would, carrying the recorded state) until `done`; bounded. */
  async function stepUntil(
    target: WeChatPlatform,
    done: (r: MysqlStepResult) => boolean,
    timeoutMs = 20_000,
  ): Promise<MysqlStepResult[]> {
    const results: MysqlStepResult[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await control().step(target, pods, state, { countsAsProbe: true });
      state = result.state;
      results.push(result);
      if (done(result)) return results;
      if (Date.now() > deadline) throw new Error(`not reached; last ${JSON.stringify(result.conditions)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const replicationHealthy = (r: MysqlStepResult) =>
    r.conditions.some((c) => c.type === 'MySQLReplicationHealthy' && c.status === 'True');
  const readOnlyOf = async (port: number) =>
    ((await sqlOn(port, 'SELECT @@GLOBAL.read_only AS ro')) as { ro: number }[])[0]?.ro;

  it('moves the writer to the pod the annotation names, after it caught up, losing no write', async () => {
    const [s0, s1] = pair?.servers ?? [];
    assert.ok(s0 !== undefined && s1 !== undefined);
    const bootstrapped = await stepUntil(platform(), replicationHealthy);
    assert.equal(bootstrapped.at(-1)?.writer, s0.pod);
    await createAppSchema(s0.port);
    const load = startInsertLoad(s0.port, 'pod0');
    await new Promise((r) => setTimeout(r, 300));
    load.stop();
    assert.equal(await load.done, null);
    assert.ok(load.acked.length > 0);

    const asked = platform({ [ANNOTATIONS.mysqlWriter]: s1.pod });
    const rounds = await stepUntil(asked, (r) => r.writer === s1.pod);
    const switched = rounds.at(-1);
    assert.ok(switched?.events.some((e) => e.reason === 'MySQLSwitchover' && e.message === `${s0.pod} → ${s1.pod}`));
    assert.equal(state?.writer, s1.pod);
    assert.deepEqual([await readOnlyOf(s0.port), await readOnlyOf(s1.port)], [1, 0]);
    const present = await orderIds(s1.port);
    assert.deepEqual(
      load.acked.filter((id) => !present.has(id)),
      [],
      'every acknowledged write is on the new writer',
    );

    // The annotation left in place is satisfied: more rounds change nothing.
    const steady = await stepUntil(asked, replicationHealthy);
    assert.equal(steady.at(-1)?.writer, s1.pod);
    assert.ok(steady.every((r) => !r.events.some((e) => e.reason === 'MySQLSwitchover')));
  });
});
