import assert from 'node:assert/strict';
import type { V1ConfigMap, V1StatefulSet } from '@kubernetes/client-node';
import { desiredResources } from '../../src/resources/desired.js';
import { mysqlReadinessCommand } from '../../src/resources/mysql.js';
import { bufferPoolMiB, mysqlFlavor, mysqlServerConfig, quantityValue } from '../../src/resources/mysql-config.js';
import { platformFrom } from './fixture.js';

function settings(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of file.split('\n')) {
    const match = /^([a-z_]+) = (.+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) out.set(match[1], [...(out.get(match[1]) ?? []), match[2]]);
  }
  return out;
}

function one(map: Map<string, string[]>, key: string): string | undefined {
  const values = map.get(key);
  assert.ok(values === undefined || values.length === 1, `${key} set once`);
  return values?.[0];
}

describe('MySQL dual-master objects', () => {
  it('gives each ordinal its own server_id, auto_increment_offset and (MariaDB) GTID domain, all read_only at boot', () => {
    for (const ordinal of [0, 1]) {
      const s = settings(mysqlServerConfig({ ordinal, flavor: 'mariadb', semiSync: false }));
      assert.equal(one(s, 'server_id'), String(ordinal + 1));
      assert.equal(one(s, 'auto_increment_increment'), '2');
      assert.equal(one(s, 'auto_increment_offset'), String(ordinal + 1));
      assert.equal(one(s, 'gtid_domain_id'), String(ordinal + 1));
      assert.equal(one(s, 'gtid_strict_mode'), 'ON');
      assert.equal(one(s, 'log_bin'), 'mysql-bin');
      assert.equal(one(s, 'read_only'), 'ON');
      assert.equal(s.has('rpl_semi_sync_master_enabled'), false);
    }
  });

  it('uses MySQL 8 GTID settings and the semisync plugins for a mysql image, without super_read_only at boot', () => {
    const s = settings(mysqlServerConfig({ ordinal: 1, flavor: 'mysql', semiSync: true }));
    assert.equal(one(s, 'gtid_mode'), 'ON');
    assert.equal(one(s, 'enforce_gtid_consistency'), 'ON');
    assert.equal(one(s, 'read_only'), 'ON');
    // The entrypoint's first-boot statements run as root on a server started with this file:
    // super_read_only would refuse them (1290) and leave a half-initialised datadir.
    assert.equal(s.has('super_read_only'), false);
    assert.equal(s.has('gtid_domain_id'), false);
    assert.deepEqual(s.get('plugin_load_add'), ['semisync_source.so', 'semisync_replica.so']);
    assert.equal(one(s, 'rpl_semi_sync_replica_enabled'), 'ON');
    assert.equal(one(s, 'rpl_semi_sync_source_wait_no_replica'), 'ON');
    assert.equal(one(s, 'rpl_semi_sync_source_timeout'), '60000');
  });

  it('never switches the semi-sync source side on at boot: the first-boot statements would wait out the timeout', () => {
    for (const flavor of ['mariadb', 'mysql'] as const) {
      const s = settings(mysqlServerConfig({ ordinal: 0, flavor, semiSync: true }));
      assert.equal(s.has('rpl_semi_sync_master_enabled') || s.has('rpl_semi_sync_source_enabled'), false, flavor);
    }
  });

  it('sizes the InnoDB buffer pool on the container memory: its limit, else its request (3/4 from 1 GiB, 1/2 below)', () => {
    const poolOf = (resources: object | undefined) => {
      const platform = platformFrom({ mysql: resources === undefined ? {} : { resources } });
      const config = desiredResources(platform).find(
        (o) => o.kind === 'ConfigMap' && o.metadata?.name === 'wx-mysql',
      ) as V1ConfigMap;
      const pools = ['server-0.cnf', 'server-1.cnf'].map((key) =>
        one(settings(config.data?.[key] ?? ''), 'innodb_buffer_pool_size'),
      );
      assert.equal(pools[0], pools[1], 'both pods alike');
      return pools[0];
    };
    assert.equal(poolOf(undefined), '256M', 'the default request of 512Mi');
    assert.equal(poolOf({ requests: { memory: '2Gi' } }), '1536M');
    assert.equal(poolOf({ requests: { memory: '1Gi' }, limits: { memory: '8Gi' } }), '6144M', 'the limit wins');
    assert.equal(poolOf({ limits: { memory: '4G' } }), '2861M', 'decimal units');
    assert.equal(poolOf({ requests: { cpu: '1' } }), undefined, 'no memory named: the server default');
    assert.equal(poolOf({ requests: { memory: '200Mi' } }), undefined, 'under the 128 MiB default: left to it');
    assert.equal(bufferPoolMiB(undefined), undefined);
    assert.equal(bufferPoolMiB(1024 ** 3), 768);
    assert.equal(bufferPoolMiB(1024 ** 3 - 1), 511);
    for (const [quantity, value] of [
      ['512Mi', 512 * 1024 ** 2],
      ['1.5Gi', 1.5 * 1024 ** 3],
      ['2G', 2e9],
      ['129M', 129e6],
      ['1e9', 1e9],
      ['1E+3', 1000],
      ['100', 100],
      ['.5Ki', 512],
      ['250m', 0.25],
    ] as const) {
      assert.equal(quantityValue(quantity), value, quantity);
    }
    for (const bad of ['', 'Mi', '1 Gi', '1GB', '1Qi', 'e9']) assert.equal(quantityValue(bad), undefined, bad);
  });

  it('tells MariaDB from MySQL by the image repository, registry and digest included', () => {
    assert.equal(mysqlFlavor('mariadb:10.11'), 'mariadb');
    assert.equal(mysqlFlavor('registry.local:5000/library/mariadb:11.4@sha256:abc'), 'mariadb');
    assert.equal(mysqlFlavor('mysql:8.4'), 'mysql');
    assert.equal(mysqlFlavor('percona/percona-server:8.0'), 'mysql');
    assert.equal(mysqlFlavor('example/not-mariadb-tools:1'), 'mysql');
  });

  it('runs a two-pod StatefulSet with a per-ordinal ConfigMap copied by an init container, and claims storage', () => {
    const platform = platformFrom({ mysql: { storage: { size: '50Gi', storageClassName: 'ssd' } } });
    const objects = desiredResources(platform);
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === 'wx-mysql') as V1StatefulSet;
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'wx-mysql') as V1ConfigMap;
    assert.equal(sts.spec?.replicas, 2);
    assert.equal(sts.spec?.serviceName, 'wx-mysql');
    assert.equal(sts.spec?.updateStrategy?.type, 'OnDelete');
    assert.deepEqual(Object.keys(config.data ?? {}).sort(), ['server-0.cnf', 'server-1.cnf']);
    assert.match(config.data?.['server-1.cnf'] ?? '', /^server_id = 2$/m);
    const init = sts.spec?.template.spec?.initContainers?.[0];
    assert.match(init?.command?.join(' ') ?? '', /server-\$\{ordinal\}\.cnf/);
    const claim = sts.spec?.volumeClaimTemplates?.[0];
    assert.equal(claim?.spec?.resources?.requests?.['storage'], '50Gi');
    assert.equal(claim?.spec?.storageClassName, 'ssd');
    const server = sts.spec?.template.spec?.containers[0];
    assert.deepEqual(server?.readinessProbe?.exec?.command, mysqlReadinessCommand('mariadb'));
    assert.equal(server?.readinessProbe?.tcpSocket, undefined);
    assert.deepEqual(server?.livenessProbe?.tcpSocket, { port: 'mysql' }, 'liveness stays TCP');
    assert.match(mysqlReadinessCommand('mysql').join(' '), /exec mysql .*SELECT 1/);
  });
});

describe('RabbitMQ objects', () => {
  const platform = platformFrom({ rabbitmq: { replicas: 5 } });
  const objects = desiredResources(platform);
  const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === 'wx-rabbitmq') as V1StatefulSet;
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'wx-rabbitmq') as V1ConfigMap;

  it('runs the spec replica count, ready when AMQP accepts connections', () => {
    assert.equal(sts.spec?.replicas, 5);
    assert.equal(sts.spec?.serviceName, 'wx-rabbitmq-nodes');
    const broker = sts.spec?.template.spec?.containers[0];
    assert.deepEqual(broker?.readinessProbe?.tcpSocket, { port: 'amqp' });
    assert.equal(broker?.ports?.find((p) => p.name === 'amqp')?.containerPort, 5672);
  });

  it('lists every node in classic-config peer discovery, by the headless Service DNS name', () => {
    const conf = config.data?.['rabbitmq.conf'] ?? '';
    for (let i = 0; i < 5; i++) {
      assert.match(
        conf,
        new RegExp(
          `^cluster_formation\\.classic_config\\.nodes\\.${i + 1} = rabbit@wx-rabbitmq-${i}\\.wx-rabbitmq-nodes\\.prod\\.svc\\.cluster\\.local$`,
          'm',
        ),
      );
    }
    assert.doesNotMatch(conf, /nodes\.6 =/);
  });

  it('defines a policy that matches mpstack queues only', () => {
    const definitions = JSON.parse(config.data?.['definitions.json'] ?? '{}') as {
      policies: { pattern: string; 'apply-to': string; definition: Record<string, unknown> }[];
    };
    const policy = definitions.policies[0];
    assert.ok(policy);
    const pattern = new RegExp(policy.pattern);
    assert.ok(pattern.test('mpstack.inbound.p0'));
    assert.ok(!pattern.test('other.mpstack.inbound'));
    assert.ok(!pattern.test('mpstackXinbound'));
    assert.equal(policy['apply-to'], 'queues');
    assert.equal(typeof policy.definition['delivery-limit'], 'number');
  });
});
