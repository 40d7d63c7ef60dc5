import assert from 'node:assert/strict';
import type { WeChatPlatform } from '../../src/api/v1alpha1.js';
import { validateSpec } from '../../src/api/validation.js';
import { silentLogger } from '../../src/kube/logger.js';
import { createObjectClient } from '../../src/kube/objects.js';
import type { PodEndpoint, SqlSession } from '../../src/mysql/index.js';
import { createMysqlControl, type MysqlCredentials, reseedWithJob } from '../../src/reconcile/mysql-control.js';
import type { MysqlPod } from '../../src/reconcile/mysql-port.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import type { StoredObject } from '../support/fake-apiserver/store.js';
import { NAMESPACE, platformSpec } from '../support/operator-harness.js';

interface Statement {
  readonly host: string;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * Two fresh MariaDB servers as SQL sessions: empty GTID sets, read-only, no replication
 * configured. Every statement is recorded with the host it was sent to.
 */
function fakeServers() {
  const statements: Statement[] = [];
  const logins: { host: string; credentials: MysqlCredentials }[] = [];
  const connect = async (endpoint: PodEndpoint, credentials: MysqlCredentials): Promise<SqlSession> => {
    logins.push({ host: endpoint.host, credentials });
    return {
      async query(sql, params) {
        statements.push({ host: endpoint.host, sql, params: params ?? [] });
        if (sql.includes('gtid_binlog_pos')) return [{ binlog_pos: '', slave_pos: '' }];
        if (sql.includes('gtid_domain_id')) return [{ domain: endpoint.host.startsWith('p1-mysql-0') ? '0' : '1' }];
        if (sql.includes('@@GLOBAL.read_only')) return [{ read_only: 1 }];
        return [];
      },
      async close() {},
    };
  };
  return { statements, logins, connect };
}

const readyPod = (name: string): MysqlPod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NAMESPACE },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

function platform(): WeChatPlatform {
  const validation = validateSpec(platformSpec({ mysql: { image: 'mariadb:10.11' } }));
  assert.ok(validation.ok);
  return {
    apiVersion: 'mpstack.io/v1alpha1',
    kind: 'WeChatPlatform',
    metadata: { name: 'p1', namespace: NAMESPACE, uid: 'u1' },
    spec: validation.spec,
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('createMysqlControl (fake SQL sessions, fake API server)', () => {
  let server: FakeApiServer;
  beforeEach(async () => {
    server = await startFakeApiServer();
  });
  afterEach(async () => {
    await server.close();
  });

  function control(connect: ReturnType<typeof fakeServers>['connect']) {
    const objects = createObjectClient(server.kubeConfig(NAMESPACE), 'mpstack-operator');
    return createMysqlControl({ objects, clock: () => 1000, logger: silentLogger, connect });
  }

  it('bootstraps two Ready pods: replication both ways over the pod DNS names, pod-0 writable and recorded', async () => {
    server.store.create(findType('', 'v1', 'secrets')!, NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'p1-mysql' },
      data: { 'root-password': b64('root-secret'), 'replication-password': b64('repl-secret') },
    } as StoredObject);
    const sql = fakeServers();
    const result = await control(sql.connect).step(
      platform(),
      [readyPod('p1-mysql-0'), readyPod('p1-mysql-1')],
      undefined,
      { countsAsProbe: true },
    );

    const pod0 = 'p1-mysql-0.p1-mysql.default.svc';
    const pod1 = 'p1-mysql-1.p1-mysql.default.svc';
    assert.equal(result.writer, 'p1-mysql-0');
    assert.equal(result.state.writer, 'p1-mysql-0');
    assert.deepEqual(
      result.conditions.find((c) => c.type === 'MySQLAvailable'),
      { type: 'MySQLAvailable', status: 'True', reason: 'Bootstrapped', message: 'p1-mysql-0 is the writer' },
    );
    assert.ok(sql.logins.every((l) => l.credentials.rootPassword === 'root-secret'));
    const changeMaster = sql.statements.filter((s) => s.sql.startsWith('CHANGE MASTER'));
    assert.deepEqual(
      changeMaster.map((s) => [s.host, ...s.params]),
      [
        [pod1, pod0, 3306, 'repl', 'repl-secret'],
        [pod0, pod1, 3306, 'repl', 'repl-secret'],
      ],
    );
    const writable = sql.statements.filter((s) => s.sql === 'SET GLOBAL read_only = OFF').map((s) => s.host);
    assert.deepEqual(writable, [pod0]);
    assert.ok(result.events.some((e) => e.reason === 'MySQLBootstrapped'));
  });

  it('fails the round (no SQL at all) when the credentials Secret is missing', async () => {
    const sql = fakeServers();
    await assert.rejects(
      control(sql.connect).step(platform(), [readyPod('p1-mysql-0'), readyPod('p1-mysql-1')], undefined, {
        countsAsProbe: true,
      }),
      /Secret p1-mysql not found/,
    );
    assert.equal(sql.statements.length, 0);
  });

  it('re-seeds with a Job: created once with the image, the pods\u2019 DNS names and the Secret password; done and deleted once it succeeded', async () => {
    const objects = createObjectClient(server.kubeConfig(NAMESPACE), 'mpstack-operator');
    const jobs = findType('batch', 'v1', 'jobs')!;
    const p = platform();
    assert.equal(await reseedWithJob(objects, p, 'p1-mysql-0', 'p1-mysql-1'), 'running');
    assert.equal(await reseedWithJob(objects, p, 'p1-mysql-0', 'p1-mysql-1'), 'running', 'not created twice');
    const job = server.store.get(jobs, NAMESPACE, 'p1-mysql-0-reseed') as unknown as {
      spec: {
        template: { spec: { containers: { image: string; env: Record<string, unknown>[]; command: string[] }[] } };
      };
    };
    const container = job.spec.template.spec.containers[0]!;
    assert.equal(container.image, 'mariadb:10.11');
    assert.match(container.command.join(' '), /mariadb-dump/);
    assert.deepEqual(
      container.env.map((e) => [e['name'], e['value'] ?? e['valueFrom']]),
      [
        ['SOURCE_HOST', 'p1-mysql-1.p1-mysql.default.svc'],
        ['SOURCE_PORT', '3306'],
        ['TARGET_HOST', 'p1-mysql-0.p1-mysql.default.svc'],
        ['TARGET_PORT', '3306'],
        ['MYSQL_PWD', { secretKeyRef: { name: 'p1-mysql', key: 'root-password' } }],
      ],
    );
    const stored = server.store.get(jobs, NAMESPACE, 'p1-mysql-0-reseed');
    server.store.update(jobs, NAMESPACE, 'p1-mysql-0-reseed', { ...stored, status: { failed: 1 } }, 'status');
    await assert.rejects(reseedWithJob(objects, p, 'p1-mysql-0', 'p1-mysql-1'), /re-seed Job p1-mysql-0-reseed failed/);
    const failed = server.store.get(jobs, NAMESPACE, 'p1-mysql-0-reseed');
    server.store.update(jobs, NAMESPACE, 'p1-mysql-0-reseed', { ...failed, status: { succeeded: 1 } }, 'status');
    assert.equal(await reseedWithJob(objects, p, 'p1-mysql-0', 'p1-mysql-1'), 'done');
    assert.equal(server.store.list(jobs, NAMESPACE, null, null).length, 0);
  });

  it('a round between probe ticks (a Pod event) does not count a failed probe; a probe round does', async () => {
    server.store.create(findType('', 'v1', 'secrets')!, NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'p1-mysql' },
      data: { 'root-password': b64('root-secret'), 'replication-password': b64('repl-secret') },
    } as StoredObject);
    const sql = fakeServers();
    const connect: typeof sql.connect = async (endpoint, credentials) => {
      if (endpoint.host.startsWith('p1-mysql-1')) throw new Error('connect ECONNREFUSED');
      return sql.connect(endpoint, credentials);
    };
    const recorded = { writer: 'p1-mysql-0', lastFailoverAt: null, failures: { 'p1-mysql-1': 1 }, fenced: [] };
    const pods = [readyPod('p1-mysql-0'), readyPod('p1-mysql-1')];
    const event = await control(connect).step(platform(), pods, recorded, { countsAsProbe: false });
    assert.equal(event.state.failures['p1-mysql-1'], 1);
    const probe = await control(connect).step(platform(), pods, recorded, { countsAsProbe: true });
    assert.equal(probe.state.failures['p1-mysql-1'], 2);
  });
});
