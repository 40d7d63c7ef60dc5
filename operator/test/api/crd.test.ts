import assert from 'node:assert/strict';
import { buildCrd } from '../../src/api/crd.js';
import { openApiToJsonSchema } from '../../src/api/json-schema.js';
import type { Schema } from '../../src/api/openapi.js';
import { validateSpec } from '../../src/api/validation.js';
import { kubernetesProblems } from '../manifests/kube-validate.js';
import { ajvProblems, crdOpenApiSchema, crdValidator, newAjv } from './crd-ajv.js';

type Node = Record<string, unknown>;

/** Every schema node with its path, depth first. */
function nodes(schema: Node, path = ''): [string, Node][] {
  const out: [string, Node][] = [[path || '(root)', schema]];
  for (const [name, child] of Object.entries((schema['properties'] ?? {}) as Record<string, Node>)) {
    out.push(...nodes(child, `${path}.${name}`));
  }
  if (schema['items'] !== undefined) out.push(...nodes(schema['items'] as Node, `${path}[]`));
  if (typeof schema['additionalProperties'] === 'object') {
    out.push(...nodes(schema['additionalProperties'] as Node, `${path}{}`));
  }
  return out;
}

const minimal = {
  image: 'mpstack/mpstack:1',
  ingress: { host: 'wx.example.com' },
  redis: { urlSecret: { name: 'redis', key: 'url' } },
};

describe('buildCrd', () => {
  it('is a CustomResourceDefinition the Kubernetes schemas accept', () => {
    assert.deepEqual(kubernetesProblems(buildCrd()), []);
  });

  it('names mpstack.io/v1alpha1 WeChatPlatform, namespaced, short name wxp, with status but no scale subresource', () => {
    const crd = buildCrd() as {
      metadata: { name: string };
      spec: { group: string; scope: string; names: Node; versions: Node[] };
    };
    assert.equal(crd.metadata.name, 'wechatplatforms.mpstack.io');
    assert.equal(crd.spec.group, 'mpstack.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names['shortNames'], ['wxp']);
    assert.equal(crd.spec.names['kind'], 'WeChatPlatform');
    const version = crd.spec.versions[0] as Node;
    assert.equal(version['name'], 'v1alpha1');
    assert.deepEqual(version['subresources'], { status: {} });
    const columns = (version['additionalPrinterColumns'] as { name: string }[]).map((c) => c.name);
    assert.deepEqual(columns, ['Ready', 'Writer', 'Ingress', 'Age']);
  });

  it('is structural: every node typed, properties never mixed with additionalProperties, required fields declared', () => {
    for (const [path, node] of nodes(crdOpenApiSchema())) {
      assert.equal(typeof node['type'], 'string', `${path} has a type`);
      assert.ok(!(node['properties'] !== undefined && node['additionalProperties'] !== undefined), path);
      for (const name of (node['required'] ?? []) as string[]) {
        assert.ok(name in ((node['properties'] ?? {}) as Node), `${path} requires ${name}, which it declares`);
      }
    }
  });

  it('has defaults that are valid against their own schema node', () => {
    const ajv = newAjv(false);
    let defaults = 0;
    for (const [path, node] of nodes(crdOpenApiSchema())) {
      if (!('default' in node)) continue;
      defaults++;
      const validate = ajv.compile(openApiToJsonSchema(node as Schema, true));
      assert.ok(validate(structuredClone(node['default'])), `${path}: ${ajvProblems(validate).join(', ')}`);
    }
    assert.ok(defaults > 20, 'defaults were found and checked');
  });

  it('defaults a minimal spec exactly as the operator re-check does (CRD defaulting = zod defaulting)', () => {
    const validate = crdValidator({ closed: true, useDefaults: true });
    const object = {
      apiVersion: 'mpstack.io/v1alpha1',
      kind: 'WeChatPlatform',
      metadata: {},
      spec: structuredClone(minimal),
    };
    assert.ok(validate(object), ajvProblems(validate).join('\n'));
    const zod = validateSpec(minimal);
    assert.ok(zod.ok);
    assert.deepEqual(object.spec, zod.spec);
  });

  it('defaults a scaling block to the HPA behaviour in both the CRD and the re-check', () => {
    const spec = { ...minimal, services: { ingress: { scaling: { targetRequestsPerSecondPerReplica: 100 } } } };
    const validate = crdValidator({ closed: true, useDefaults: true });
    const object = {
      apiVersion: 'mpstack.io/v1alpha1',
      kind: 'WeChatPlatform',
      metadata: {},
      spec: structuredClone(spec),
    };
    assert.ok(validate(object), ajvProblems(validate).join('\n'));
    const zod = validateSpec(spec);
    assert.ok(zod.ok);
    assert.deepEqual(object.spec, zod.spec);
    assert.equal(zod.spec.services.ingress.scaling?.scaleDown.stabilizationWindowSeconds, 300);
  });

  const singleFieldMistakes: [string, Node][] = [
    ['an upper-case host', { ingress: { host: 'WX.example.com' } }],
    ['a zero target', { services: { ingress: { scaling: { targetRequestsPerSecondPerReplica: 0 } } } }],
    [
      'a tolerance of 1',
      { services: { ingress: { scaling: { targetRequestsPerSecondPerReplica: 1, tolerance: 1 } } } },
    ],
    ['zero minimum replicas', { services: { log: { replicas: { min: 0, max: 1 } } } }],
    ['an unknown MySQL mode', { mysql: { mode: 'galera' } }],
    ['a bad storage size', { mysql: { storage: { size: 'ten gigs' } } }],
    [
      'an unknown policy type',
      {
        services: {
          oauth: {
            scaling: {
              targetRequestsPerSecondPerReplica: 1,
              scaleUp: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 15 }] },
            },
          },
        },
      },
    ],
    ['a missing image', { image: undefined }],
  ];
  for (const [name, patch] of singleFieldMistakes) {
    it(`rejects ${name} in the CRD schema and in the re-check alike`, () => {
      const spec = { ...minimal, ...patch };
      const validate = crdValidator({ closed: true, useDefaults: false });
      assert.equal(validate({ apiVersion: 'mpstack.io/v1alpha1', kind: 'WeChatPlatform', metadata: {}, spec }), false);
      assert.equal(validateSpec(spec).ok, false);
    });
  }

  it('states the cross-field rules as CEL, each with a message', () => {
    const rules = nodes(crdOpenApiSchema()).flatMap(([, node]) =>
      ((node['x-kubernetes-validations'] ?? []) as { rule: string; message: string }[]).map((r) => r.rule),
    );
    for (const expected of [
      'self.min <= self.max',
      'self.replicas % 2 == 1',
      'self.replicas >= oldSelf.replicas',
      "self.mode != 'external' || has(self.externalUrlSecret)",
      "self.source != 'prometheus' || has(self.prometheusUrl)",
      'size(self.metadata.name) <= 40',
    ]) {
      assert.ok(rules.includes(expected), expected);
    }
  });
});
