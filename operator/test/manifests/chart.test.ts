import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import {
  crdYaml,
  generatedCrdPaths,
  generatedValuesSchemaPath,
  valuesSchemaJson,
} from '../../src/api/generated-files.js';
import { validateSpec } from '../../src/api/validation.js';
import { ajvProblems, crdValidator } from '../api/crd-ajv.js';
import { CHART, helmLint, helmTemplate } from './helm.js';
import { kubernetesProblems } from './kube-validate.js';
import { parseYamlDocuments, readRepoFile } from './repo.js';

const chart = CHART;

/** The chart's objects as the real `helm template` renders them, without the CRD (checked apart). */
function renderChart(values: unknown): Record<string, unknown>[] {
  return helmTemplate(values).filter((o) => o['kind'] !== 'CustomResourceDefinition');
}

function defaultValues(): Record<string, unknown> {
  return parse(readRepoFile(`${chart}/values.yaml`)) as Record<string, unknown>;
}

/** The value sets the chart is linted and rendered with. */
function valueSets(): Record<string, Record<string, unknown>> {
  const withPlatform = defaultValues();
  (withPlatform['platform'] as Record<string, unknown>)['enabled'] = true;
  return { defaults: defaultValues(), platform: withPlatform, everything: everythingOn() };
}

/** Every optional part of the chart switched on, and a platform using the spec's extras. */
function everythingOn(): Record<string, unknown> {
  const values = defaultValues();
  values['imagePullSecrets'] = [{ name: 'registry' }];
  Object.assign(values['operator'] as Record<string, unknown>, {
    replicas: 2,
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mpstack', effect: 'NoSchedule' }],
  });
  values['networkPolicy'] = {
    enabled: true,
    metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
  };
  values['serviceMonitor'] = { enabled: true, interval: '15s', labels: { release: 'kube-prometheus-stack' } };
  const platform = values['platform'] as { enabled: boolean; spec: Record<string, unknown> };
  platform.enabled = true;
  Object.assign(platform.spec, {
    imagePullSecrets: [{ name: 'registry' }],
    networkPolicies: { enabled: true },
    metrics: { source: 'prometheus', prometheusUrl: 'http://prometheus.monitoring:9090' },
    mysql: { resources: { requests: { cpu: '1', memory: '2Gi' } } },
    logs: {
      summary: { smtpUrlSecret: { name: 'mpstack-smtp', key: 'url' }, to: 'ops@example.com', at: '07:30' },
      retentionMonths: 12,
      filesClaimName: 'mpstack-log-files',
    },
    outbound: { mail: { smtpUrlSecret: { name: 'mpstack-smtp', key: 'url' }, to: 'ops@example.com' } },
  });
  return values;
}

const kindsOf = (objects: readonly Record<string, unknown>[]) => objects.map((o) => String(o['kind'])).sort();

function rulesOf(objects: readonly Record<string, unknown>[], kind: string): unknown {
  const found = objects.filter((o) => o['kind'] === kind);
  assert.ok(found.length > 0, kind);
  return found.map((o) => o['rules']);
}

describe('generated files', () => {
  it('k8s/crd and the chart crds/ hold exactly the CRD that buildCrd generates', () => {
    for (const path of generatedCrdPaths) {
      assert.equal(readRepoFile(path), crdYaml(), `${path} is stale: run generate-manifests`);
    }
  });

  it('the chart values.schema.json is the one generated from the CRD', () => {
    assert.equal(readRepoFile(generatedValuesSchemaPath), valuesSchemaJson());
  });
});

describe('Helm chart charts/mpstack', () => {
  const schema = JSON.parse(readRepoFile(`${chart}/values.schema.json`)) as object;
  const validateValues = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('ships values.yaml that its values.schema.json accepts, with a platform spec the re-check accepts', () => {
    const values = defaultValues();
    assert.ok(validateValues(values), ajvProblems(validateValues).join('\n'));
    const spec = (values['platform'] as { spec: unknown }).spec;
    const result = validateSpec(spec);
    assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  });

  it('rejects values with a misspelt platform field or an unknown pull policy', () => {
    const misspelt = defaultValues();
    (misspelt['platform'] as { spec: Record<string, unknown> }).spec['ingres'] = { host: 'x.example.com' };
    assert.equal(validateValues(misspelt), false);
    const badPolicy = defaultValues();
    (badPolicy['image'] as Record<string, unknown>)['pullPolicy'] = 'Sometimes';
    assert.equal(validateValues(badPolicy), false);
  });

  it('renders (real helm template) only objects the Kubernetes schemas accept; no WeChatPlatform unless enabled', () => {
    const objects = renderChart(defaultValues());
    assert.deepEqual(kindsOf(objects), [
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    for (const object of objects) assert.deepEqual(kubernetesProblems(object), []);
  });

  it('renders the operator Deployment non-root with args run operator and the values image', () => {
    const deployment = renderChart(defaultValues()).find((o) => o['kind'] === 'Deployment') as {
      spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] } } };
    };
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext['runAsNonRoot'], true);
    assert.deepEqual(pod.containers[0]?.['args'], ['run', 'operator']);
    assert.equal(pod.containers[0]?.['image'], 'mpstack/mpstack:0.1.0');
    assert.deepEqual(
      pod.containers[0]?.['resources'],
      (defaultValues()['operator'] as Record<string, unknown>)['resources'],
    );
  });

  it('renders platform.spec into a WeChatPlatform the CRD schema and the re-check accept when enabled', () => {
    const values = defaultValues();
    (values['platform'] as Record<string, unknown>)['enabled'] = true;
    const platform = renderChart(values).find((o) => o['kind'] === 'WeChatPlatform');
    assert.ok(platform);
    assert.equal(platform['apiVersion'], 'mpstack.io/v1alpha1');
    const validate = crdValidator({ closed: true, useDefaults: false });
    assert.ok(validate(structuredClone(platform)), ajvProblems(validate).join('\n'));
    assert.ok(validateSpec(platform['spec']).ok);
  });

  it('passes `helm lint --strict` with the default values, a platform, and every optional part on', () => {
    for (const [name, values] of Object.entries(valueSets())) {
      const result = helmLint(values);
      assert.ok(result.ok, `${name}:\n${result.output}`);
      assert.match(result.output, /1 chart\(s\) linted, 0 chart\(s\) failed/, name);
    }
  });

  it('renders every value set into objects the Kubernetes schemas accept (helm template)', () => {
    for (const [name, values] of Object.entries(valueSets())) {
      for (const object of renderChart(values)) {
        if (object['kind'] === 'WeChatPlatform') continue; // checked against the CRD below
        assert.deepEqual(kubernetesProblems(object), [], `${name}: ${String(object['kind'])}`);
      }
    }
  });

  it('is refused by helm itself when a value breaks values.schema.json, naming the field', () => {
    const misspelt = defaultValues();
    (misspelt['platform'] as { spec: Record<string, unknown> }).spec['ingres'] = { host: 'x.example.com' };
    const lint = helmLint(misspelt);
    assert.equal(lint.ok, false, lint.output);
    assert.match(lint.output, /ingres/);
    assert.throws(() => helmTemplate(misspelt), /values don't meet the specifications of the schema|ingres/);
  });

  it('installs the generated CRD from crds/ (helm template --include-crds)', () => {
    const crd = helmTemplate(defaultValues()).find((o) => o['kind'] === 'CustomResourceDefinition');
    assert.ok(crd);
    assert.deepEqual(kubernetesProblems(crd), []);
    assert.deepEqual(crd, parseYamlDocuments(crdYaml())[0]);
  });

  it('switches on pull secrets, replicas, scheduling, a NetworkPolicy, ServiceMonitors and the log service settings from values', () => {
    const objects = renderChart(everythingOn());
    assert.deepEqual(
      kindsOf(objects).filter((k) => ['NetworkPolicy', 'ServiceMonitor', 'WeChatPlatform'].includes(k)),
      ['NetworkPolicy', 'ServiceMonitor', 'ServiceMonitor', 'WeChatPlatform'],
    );
    const deployment = objects.find((o) => o['kind'] === 'Deployment') as {
      spec: { replicas: number; template: { spec: Record<string, unknown> } };
    };
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.template.spec['imagePullSecrets'], [{ name: 'registry' }]);
    assert.deepEqual(deployment.spec.template.spec['nodeSelector'], { 'kubernetes.io/os': 'linux' });
    const policy = objects.find((o) => o['kind'] === 'NetworkPolicy') as {
      spec: { policyTypes: string[]; ingress: { ports: { port: number }[]; from: unknown[] }[] };
    };
    assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
    assert.deepEqual(
      policy.spec.ingress.map((r) => r.ports.map((p) => p.port)),
      [[8081]],
    );
    assert.equal(policy.spec.ingress[0]?.from.length, 1);
    const monitors = objects.filter((o) => o['kind'] === 'ServiceMonitor') as {
      metadata: { labels: Record<string, string> };
      spec: { namespaceSelector?: { any: boolean }; endpoints: { port: string; interval: string }[] };
    }[];
    for (const m of monitors) {
      assert.equal(m.metadata.labels['release'], 'kube-prometheus-stack');
      assert.deepEqual(m.spec.endpoints, [{ port: 'http', path: '/metrics', interval: '15s' }]);
    }
    assert.equal(monitors[1]?.spec.namespaceSelector?.any, true);
    const platform = objects.find((o) => o['kind'] === 'WeChatPlatform');
    const validate = crdValidator({ closed: true, useDefaults: false });
    assert.ok(validate(structuredClone(platform)), ajvProblems(validate).join('\n'));
    // The log service's summary e-mail, retention and files' claim reach the platform's spec.
    const spec = (platform as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(spec['logs'], (everythingOn()['platform'] as { spec: Record<string, unknown> }).spec['logs']);
    assert.deepEqual(
      spec['outbound'],
      (everythingOn()['platform'] as { spec: Record<string, unknown> }).spec['outbound'],
    );
    assert.ok(validateSpec(spec).ok);
  });

  it('the operator Service the ServiceMonitor scrapes selects the operator pods on its http port', () => {
    const objects = renderChart(defaultValues());
    const service = objects.find((o) => o['kind'] === 'Service') as {
      spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    const deployment = objects.find((o) => o['kind'] === 'Deployment') as {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    for (const [k, v] of Object.entries(service.spec.selector)) {
      assert.equal(deployment.spec.template.metadata.labels[k], v, k);
    }
    assert.equal(service.spec.ports[0]?.targetPort, 'http');
    assert.equal(service.spec.selector['app.kubernetes.io/component'], 'operator');
  });

  it('grants the chart exactly the RBAC rules of k8s/operator/rbac.yaml', () => {
    const chartObjects = renderChart(defaultValues());
    const plain = parseYamlDocuments(readRepoFile('k8s/operator/rbac.yaml'));
    assert.deepEqual(rulesOf(chartObjects, 'ClusterRole'), rulesOf(plain, 'ClusterRole'));
    assert.deepEqual(rulesOf(chartObjects, 'Role'), rulesOf(plain, 'Role'));
  });
});
