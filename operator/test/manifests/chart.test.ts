import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
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
import { kubernetesProblems } from './kube-validate.js';
import { parseDefines, type RenderContext, renderTemplate } from './mini-helm.js';
import { parseYamlDocuments, readRepoFile, repoRoot } from './repo.js';

const chart = 'charts/mpstack';

function renderChart(values: unknown): Record<string, unknown>[] {
  const chartYaml = parse(readRepoFile(`${chart}/Chart.yaml`)) as { name: string; version: string };
  const context: RenderContext = {
    Values: values,
    Release: { Name: 'mpstack', Namespace: 'mpstack-system', Service: 'Helm' },
    Chart: { Name: chartYaml.name, Version: chartYaml.version },
  };
  const defines = parseDefines(readRepoFile(`${chart}/templates/_helpers.tpl`));
  const templates = readdirSync(join(repoRoot(), chart, 'templates')).filter((f) => f.endsWith('.yaml'));
  return templates.flatMap((file) =>
    parseYamlDocuments(renderTemplate(readRepoFile(`${chart}/templates/${file}`), context, defines)),
  );
}

function defaultValues(): Record<string, unknown> {
  return parse(readRepoFile(`${chart}/values.yaml`)) as Record<string, unknown>;
}

function rulesOf(objects: readonly Record<string, unknown>[], kind: string): unknown {
  const found = objects.find((o) => o['kind'] === kind);
  assert.ok(found, kind);
  return found['rules'];
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

  it('renders (mini renderer) only objects the Kubernetes schemas accept; no WeChatPlatform unless enabled', () => {
    const objects = renderChart(defaultValues());
    assert.deepEqual(objects.map((o) => o['kind']).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Role',
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

  it('grants the chart exactly the RBAC rules of k8s/operator/rbac.yaml', () => {
    const chartObjects = renderChart(defaultValues());
    const plain = parseYamlDocuments(readRepoFile('k8s/operator/rbac.yaml'));
    assert.deepEqual(rulesOf(chartObjects, 'ClusterRole'), rulesOf(plain, 'ClusterRole'));
    assert.deepEqual(rulesOf(chartObjects, 'Role'), rulesOf(plain, 'Role'));
  });
});
