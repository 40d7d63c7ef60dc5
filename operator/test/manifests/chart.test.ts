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
  return { defaults: defaultValues(), platform: withPlatform };
}

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
    assert.deepEqual(objects.map((o) => o['kind']).sort(), [
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Role',
      'RoleBinding',
      'RoleBinding',
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

  it('grants the chart exactly the RBAC rules of k8s/operator/rbac.yaml', () => {
    const chartObjects = renderChart(defaultValues());
    const plain = parseYamlDocuments(readRepoFile('k8s/operator/rbac.yaml'));
    assert.deepEqual(rulesOf(chartObjects, 'ClusterRole'), rulesOf(plain, 'ClusterRole'));
    assert.deepEqual(rulesOf(chartObjects, 'Role'), rulesOf(plain, 'Role'));
  });
});
