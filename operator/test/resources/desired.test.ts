import assert from 'node:assert/strict';
import type { V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';
import { deployableServices } from '@mpstack/common/contracts';
import { SERVICE_NAMES } from '../../src/api/v1alpha1.js';
import { type DesiredObject, desiredResources } from '../../src/resources/desired.js';
import { DATA_DIR } from '../../src/resources/service-env.js';
import { kubernetesProblems, wireForm } from '../manifests/kube-validate.js';
import { deepFreeze, platformFrom } from './fixture.js';

/** Every platform service, runnable in this build or not: the builders are tested for all. */
const ALL = { services: SERVICE_NAMES } as const;

function find<T>(objects: readonly DesiredObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  assert.ok(found, `${kind} ${name} is desired`);
  return found as T;
}

describe('desiredResources', () => {
  const platform = deepFreeze(platformFrom({}));

  it('is pure: the same frozen input gives deep-equal output twice, sharing no objects between calls', () => {
    const options = { mysqlWriter: 'wx-mysql-0', replicas: { ingress: 5 } };
    const first = desiredResources(platform, { ...ALL, ...options });
    const expected = structuredClone(first);
    const ingress = find<V1Deployment>(first, 'Deployment', 'wx-ingress');
    ingress.spec?.template.spec?.containers[0]?.env?.push({ name: 'MUTATED', value: '1' });
    const labels = ingress.metadata?.labels;
    if (labels !== undefined) labels['x'] = 'y';
    assert.deepEqual(desiredResources(platform, { ...ALL, ...options }), expected);
  });

  it('holds no undefined fields, so what is applied is exactly what is compared', () => {
    const objects = desiredResources(platform, ALL);
    assert.deepEqual(JSON.parse(JSON.stringify(objects)), objects);
  });

  it('labels every object and makes the platform its controlling owner', () => {
    for (const object of desiredResources(platform, ALL)) {
      const id = `${object.kind} ${object.metadata?.name}`;
      assert.equal(object.metadata?.namespace, 'prod', id);
      assert.deepEqual(
        Object.keys(object.metadata?.labels ?? {}).sort(),
        [
          'app.kubernetes.io/component',
          'app.kubernetes.io/instance',
          'app.kubernetes.io/managed-by',
          'app.kubernetes.io/name',
        ],
        id,
      );
      assert.equal(object.metadata?.labels?.['app.kubernetes.io/managed-by'], 'mpstack-operator', id);
      assert.equal(object.metadata?.labels?.['app.kubernetes.io/instance'], 'wx', id);
      assert.deepEqual(
        object.metadata?.ownerReferences,
        [
          {
            apiVersion: 'mpstack.io/v1alpha1',
            kind: 'WeChatPlatform',
            name: 'wx',
            uid: platform.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        id,
      );
    }
  });

  it('produces objects the Kubernetes schemas accept, with no unknown fields and no duplicate names', () => {
    const objects = desiredResources(platform, { ...ALL, mysqlWriter: 'wx-mysql-1' });
    for (const object of objects) assert.deepEqual(kubernetesProblems(wireForm(object)), []);
    const keys = objects.map((o) => `${o.kind}/${o.metadata?.name}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  it('gives each service a Deployment whose replica count is the parameter, defaulting to replicas.min', () => {
    const objects = desiredResources(platform, { ...ALL, replicas: { ingress: 7 } });
    assert.equal(find<V1Deployment>(objects, 'Deployment', 'wx-ingress').spec?.replicas, 7);
    assert.equal(find<V1Deployment>(objects, 'Deployment', 'wx-admin').spec?.replicas, 1);
    for (const service of SERVICE_NAMES) {
      const deployment = find<V1Deployment>(objects, 'Deployment', `wx-${service}`);
      const container = deployment.spec?.template.spec?.containers[0];
      assert.deepEqual(container?.args, ['run', service]);
      assert.equal(container?.image, 'mpstack/mpstack:test');
      assert.equal(container?.readinessProbe?.httpGet?.path, '/readyz');
      assert.equal(container?.livenessProbe?.httpGet?.path, '/healthz');
      assert.equal(deployment.spec?.template.metadata?.annotations?.['prometheus.io/scrape'], 'true');
      const selector = deployment.spec?.selector.matchLabels ?? {};
      for (const [k, v] of Object.entries(selector)) assert.equal(deployment.spec?.template.metadata?.labels?.[k], v);
      const service_ = find<V1Service>(objects, 'Service', `wx-${service}`);
      assert.deepEqual(service_.spec?.selector, selector);
    }
  });

  it('takes backend URLs from Secrets and mounts the ingress spool at MPSTACK_DATA_DIR', () => {
    const deployment = find<V1Deployment>(desiredResources(platform, ALL), 'Deployment', 'wx-ingress');
    const pod = deployment.spec?.template.spec;
    const env = new Map((pod?.containers[0]?.env ?? []).map((e) => [e.name, e]));
    assert.deepEqual(env.get('MPSTACK_DATABASE_URL')?.valueFrom?.secretKeyRef, { name: 'wx-mysql', key: 'url' });
    assert.deepEqual(env.get('MPSTACK_AMQP_URL')?.valueFrom?.secretKeyRef, { name: 'wx-rabbitmq', key: 'url' });
    assert.deepEqual(env.get('MPSTACK_REDIS_URL')?.valueFrom?.secretKeyRef, { name: 'redis', key: 'url' });
    assert.equal(env.get('MPSTACK_INGRESS_PORT')?.value, '8080');
    assert.equal(env.get('MPSTACK_DATA_DIR')?.value, DATA_DIR);
    const mount = pod?.containers[0]?.volumeMounts?.find((m) => m.mountPath === DATA_DIR);
    assert.ok(mount);
    assert.deepEqual(pod?.volumes?.find((v) => v.name === mount.name)?.emptyDir, {});
  });

  it('gives the ingress a grace period that covers the preStop pause, in-flight webhooks and the spool drain it is told', () => {
    const objects = desiredResources(platform, ALL);
    const pod = find<V1Deployment>(objects, 'Deployment', 'wx-ingress').spec?.template.spec;
    const container = pod?.containers[0];
    const drain = Number(container?.env?.find((e) => e.name === 'MPSTACK_SHUTDOWN_DRAIN_SECONDS')?.value);
    const preStop = Number(container?.lifecycle?.preStop?.exec?.command?.at(-1));
    assert.ok(drain > 0 && preStop > 0, `drain ${drain} s, preStop ${preStop} s`);
    // WeChat's 5 s for the calls in flight, and at least 10 s left for the hand-over to the database.
    assert.ok((pod?.terminationGracePeriodSeconds ?? 0) >= preStop + 5 + drain + 10);
    const admin = find<V1Deployment>(objects, 'Deployment', 'wx-admin').spec?.template.spec;
    assert.equal(
      admin?.containers[0]?.env?.find((e) => e.name === 'MPSTACK_SHUTDOWN_DRAIN_SECONDS'),
      undefined,
    );
  });

  it('tells the console where the log and business services are and to believe X-Forwarded-For from the pod network only', () => {
    const env = (platformSpec: Parameters<typeof platformFrom>[0]) =>
      new Map(
        (
          find<V1Deployment>(desiredResources(platformFrom(platformSpec), ALL), 'Deployment', 'wx-admin').spec?.template
            .spec?.containers[0]?.env ?? []
        ).map((e) => [e.name, e.value]),
      );
    const builtIn = env({});
    assert.equal(builtIn.get('MPSTACK_LOG_URL'), 'http://wx-log');
    assert.equal(builtIn.get('MPSTACK_BUSINESS_URL'), 'http://wx-business');
    assert.equal(builtIn.get('MPSTACK_TRUSTED_PROXIES'), 'uniquelocal');
    const narrowed = env({
      services: { admin: { env: [{ name: 'MPSTACK_TRUSTED_PROXIES', value: '10.42.0.0/16' }] } },
    });
    assert.equal(narrowed.get('MPSTACK_TRUSTED_PROXIES'), '10.42.0.0/16');
  });

  it("gives the log service its summary e-mail (SMTP URL from the Secret), retention and files' claim from spec.logs, and nothing without it", () => {
    const logDeployment = (spec: Parameters<typeof platformFrom>[0]) =>
      find<V1Deployment>(desiredResources(platformFrom(spec), ALL), 'Deployment', 'wx-log');
    const logs = {
      summary: {
        smtpUrlSecret: { name: 'wx-smtp', key: 'url' },
        to: 'ops@example.com,oncall@example.com',
        from: 'mpstack <noreply@example.com>',
        at: '07:30',
        timeZone: 'Asia/Shanghai',
      },
      retentionMonths: 12,
      filesClaimName: 'wx-log-files',
    };
    const deployment = logDeployment({ logs });
    assert.deepEqual(kubernetesProblems(wireForm(deployment)), []);
    const pod = deployment.spec?.template.spec;
    const env = pod?.containers[0]?.env ?? [];
    const byName = new Map(env.map((e) => [e.name, e]));
    assert.deepEqual(byName.get('MPSTACK_SMTP_URL'), {
      name: 'MPSTACK_SMTP_URL',
      valueFrom: { secretKeyRef: { name: 'wx-smtp', key: 'url' } },
    });
    assert.ok(!env.some((e) => e.value?.includes('smtp://')), 'the SMTP URL is never inlined');
    assert.deepEqual(
      ['MPSTACK_SUMMARY_TO', 'MPSTACK_SUMMARY_FROM', 'MPSTACK_SUMMARY_AT', 'MPSTACK_SUMMARY_TIMEZONE'].map(
        (name) => byName.get(name)?.value,
      ),
      [logs.summary.to, logs.summary.from, '07:30', 'Asia/Shanghai'],
    );
    assert.equal(byName.get('MPSTACK_LOG_RETENTION_MONTHS')?.value, '12');
    const filesDir = byName.get('MPSTACK_LOG_FILES_DIR')?.value;
    assert.ok(filesDir !== undefined && filesDir !== DATA_DIR);
    assert.deepEqual(
      pod?.volumes?.find((v) => v.name === 'log-files'),
      { name: 'log-files', persistentVolumeClaim: { claimName: 'wx-log-files' } },
    );
    assert.deepEqual(
      pod?.containers[0]?.volumeMounts?.find((m) => m.name === 'log-files'),
      { name: 'log-files', mountPath: filesDir },
    );
    // Only the log service gets them; without spec.logs the log service has none of them.
    const admin = find<V1Deployment>(desiredResources(platformFrom({ logs }), ALL), 'Deployment', 'wx-admin');
    assert.ok(!admin.spec?.template.spec?.containers[0]?.env?.some((e) => e.name.startsWith('MPSTACK_SUMMARY')));
    const plain = logDeployment({}).spec?.template.spec;
    assert.ok(!plain?.containers[0]?.env?.some((e) => /SMTP|SUMMARY|RETENTION|FILES_DIR/.test(e.name)));
    assert.deepEqual(
      plain?.volumes?.map((v) => v.name),
      ['data', 'tmp'],
    );
  });

  it('gives the business service the console URL and, from spec.outbound.mail, the push e-mail (SMTP URL from the Secret)', () => {
    const businessDeployment = (spec: Parameters<typeof platformFrom>[0]) =>
      find<V1Deployment>(desiredResources(platformFrom(spec), ALL), 'Deployment', 'wx-business');
    const mail = {
      smtpUrlSecret: { name: 'wx-smtp', key: 'url' },
      to: 'ops@example.com',
      from: 'mpstack <push@example.com>',
    };
    const deployment = businessDeployment({ outbound: { mail } });
    assert.deepEqual(kubernetesProblems(wireForm(deployment)), []);
    const env = deployment.spec?.template.spec?.containers[0]?.env ?? [];
    const byName = new Map(env.map((e) => [e.name, e]));
    assert.deepEqual(byName.get('MPSTACK_SMTP_URL'), {
      name: 'MPSTACK_SMTP_URL',
      valueFrom: { secretKeyRef: { name: 'wx-smtp', key: 'url' } },
    });
    assert.ok(!env.some((e) => e.value?.includes('smtp://')), 'the SMTP URL is never inlined');
    assert.equal(byName.get('MPSTACK_OPERATOR_EMAIL')?.value, 'ops@example.com');
    assert.equal(byName.get('MPSTACK_MAIL_FROM')?.value, 'mpstack <push@example.com>');
    const host = platformFrom({}).spec.ingress.host;
    assert.equal(byName.get('MPSTACK_CONSOLE_URL')?.value, `http://${host}/admin/`);
    // With TLS on the Ingress the link is https; without spec.outbound.mail there is no e-mail setting.
    const plain = businessDeployment({ ingress: { host, tls: { secretName: 'wx-tls' } } }).spec?.template.spec
      ?.containers[0]?.env;
    assert.equal(plain?.find((e) => e.name === 'MPSTACK_CONSOLE_URL')?.value, `https://${host}/admin/`);
    assert.ok(!plain?.some((e) => /SMTP|OPERATOR_EMAIL|MAIL_FROM/.test(e.name)));
    // Only the business service gets them.
    const log = find<V1Deployment>(desiredResources(platformFrom({ outbound: { mail } }), ALL), 'Deployment', 'wx-log');
    assert.ok(
      !log.spec?.template.spec?.containers[0]?.env?.some((e) => /SMTP|OPERATOR_EMAIL|CONSOLE_URL/.test(e.name)),
    );
  });

  it('lets spec env replace a built-in variable in place instead of duplicating it', () => {
    const custom = platformFrom({
      services: {
        ingress: {
          env: [
            { name: 'MPSTACK_DATA_DIR', value: '/spool' },
            { name: 'EXTRA', value: '1' },
          ],
        },
      },
    });
    const deployment = find<V1Deployment>(desiredResources(custom, ALL), 'Deployment', 'wx-ingress');
    const env = deployment.spec?.template.spec?.containers[0]?.env ?? [];
    assert.equal(env.filter((e) => e.name === 'MPSTACK_DATA_DIR').length, 1);
    assert.equal(env.find((e) => e.name === 'MPSTACK_DATA_DIR')?.value, '/spool');
    assert.equal(env.at(-1)?.name, 'EXTRA');
  });

  it('points the MySQL writer Service at exactly the writer pod, and at no pod before one is chosen', () => {
    const selectorFor = (writer: string | undefined) =>
      find<V1Service>(desiredResources(platform, { ...ALL, mysqlWriter: writer }), 'Service', 'wx-mysql-writer').spec
        ?.selector;
    assert.equal(selectorFor('wx-mysql-1')?.['statefulset.kubernetes.io/pod-name'], 'wx-mysql-1');
    assert.equal(selectorFor('wx-mysql-0')?.['statefulset.kubernetes.io/pod-name'], 'wx-mysql-0');
    assert.equal(selectorFor(undefined)?.['statefulset.kubernetes.io/pod-name'], '');
    assert.equal(selectorFor('wx-mysql-1')?.['app.kubernetes.io/component'], 'mysql');
  });

  it('routes the Ingress by path to the services, with the class and TLS of the spec', () => {
    const tls = platformFrom({
      ingress: { host: 'wx.example.com', className: 'nginx', tls: { secretName: 'wx-tls' } },
    });
    const ingress = desiredResources(tls, ALL).find(
      (o) => o.kind === 'Ingress',
    ) as import('@kubernetes/client-node').V1Ingress;
    assert.equal(ingress.spec?.ingressClassName, 'nginx');
    assert.deepEqual(ingress.spec?.tls, [{ hosts: ['wx.example.com'], secretName: 'wx-tls' }]);
    const routes = ingress.spec?.rules?.[0]?.http?.paths.map((p) => [p.path, p.backend.service?.name]);
    assert.deepEqual(routes, [
      ['/wx', 'wx-ingress'],
      ['/oauth', 'wx-oauth'],
      ['/activity', 'wx-activity'],
      ['/admin', 'wx-admin'],
      ['/', 'wx-admin'],
    ]);
    const plain = desiredResources(platform, ALL).find(
      (o) => o.kind === 'Ingress',
    ) as import('@kubernetes/client-node').V1Ingress;
    assert.equal(plain.spec?.tls, undefined);
    assert.equal(plain.spec?.ingressClassName, undefined);
  });

  it('creates no MySQL or RabbitMQ objects in external mode and reads their URLs from the named Secrets', () => {
    const external = platformFrom({
      mysql: { mode: 'external', externalUrlSecret: { name: 'db', key: 'dsn' } },
      rabbitmq: { mode: 'external', externalUrlSecret: { name: 'mq', key: 'amqp' } },
    });
    const objects = desiredResources(external, ALL);
    assert.equal(objects.filter((o) => o.kind === 'StatefulSet').length, 0);
    assert.equal(objects.filter((o) => o.kind === 'ConfigMap').length, 0);
    const env = find<V1Deployment>(objects, 'Deployment', 'wx-business').spec?.template.spec?.containers[0]?.env ?? [];
    assert.deepEqual(env.find((e) => e.name === 'MPSTACK_DATABASE_URL')?.valueFrom?.secretKeyRef, {
      name: 'db',
      key: 'dsn',
    });
    assert.deepEqual(env.find((e) => e.name === 'MPSTACK_AMQP_URL')?.valueFrom?.secretKeyRef, {
      name: 'mq',
      key: 'amqp',
    });
  });
});

describe('desiredResources: only what this build can run', () => {
  it('gives workloads, budgets and Ingress paths only to the runnable platform services of the catalog', () => {
    const runnable = deployableServices().map((entry) => entry.name);
    const objects = desiredResources(platformFrom({}));
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata?.name);
    assert.deepEqual(
      deployments,
      runnable.map((name) => `wx-${name}`),
    );
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata?.name ?? '');
    assert.ok(budgets.every((name) => !/-(oauth|activity|business-worker)$/.test(name)));
    // The business service (outbound pipeline) is runnable: it has its budget.
    assert.ok(budgets.some((name) => name.endsWith('-business')));
    const ingress = objects.find((o) => o.kind === 'Ingress') as V1Ingress;
    const backends = ingress.spec?.rules?.[0]?.http?.paths.map((p) => p.backend.service?.name);
    assert.ok(backends?.every((name) => runnable.some((service) => name === `wx-${service}`)));
    // The console is runnable: its Deployment exists and the Ingress routes /admin (UI and API) to it.
    assert.ok(runnable.includes('admin'));
    const adminPath = ingress.spec?.rules?.[0]?.http?.paths.find((p) => p.path === '/admin');
    assert.equal(adminPath?.backend.service?.name, 'wx-admin');
  });
});
