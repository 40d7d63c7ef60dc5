import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildCrd } from '../../src/api/crd.js';
import { validatePlatformName, validateSpec } from '../../src/api/validation.js';
import { ajvProblems, crdValidator } from '../api/crd-ajv.js';
import { kubectlPath } from '../support/k8s-tools.js';
import { kubernetesProblems } from './kube-validate.js';
import { parseYamlDocuments, repoRoot } from './repo.js';

interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

function kustomize(dir: string): Record<string, unknown>[] {
  const output = execFileSync(kubectlPath(), ['kustomize', join(repoRoot(), dir)], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return parseYamlDocuments(output);
}

// The pinned kubectl (scripts/ensure-k8s-tools.sh) renders kustomize; without it these tests fail, never skip.
describe('kustomize base k8s/', () => {
  it('renders the CRD and the operator install, every object valid against the Kubernetes schemas', () => {
    const objects = kustomize('k8s');
    assert.deepEqual(objects.map((o) => o['kind']).sort(), [
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'Namespace',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    for (const object of objects) assert.deepEqual(kubernetesProblems(object), []);
    assert.deepEqual(
      objects.find((o) => o['kind'] === 'CustomResourceDefinition'),
      JSON.parse(JSON.stringify(buildCrd())),
    );
  });

  it('grants least privilege: no wildcards, Secrets only by name and never cluster-wide, no pods/exec, pods deletable only for fencing', () => {
    const objects = kustomize('k8s');
    const rules = objects
      .filter((o) => o['kind'] === 'ClusterRole' || o['kind'] === 'Role')
      .flatMap((o) => o['rules'] as Rule[]);
    for (const rule of rules) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs])
        assert.ok(!field.includes('*'), JSON.stringify(rule));
    }
    const verbsOf = (resource: string) => rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs);
    assert.deepEqual(verbsOf('secrets'), ['get'], 'read by name only: no list, no watch');
    const secretRole = objects.find(
      (o) => o['kind'] === 'ClusterRole' && (o['rules'] as Rule[]).some((r) => r.resources.includes('secrets')),
    ) as { metadata: { name: string } };
    // Besides Secret get, only the MySQL re-seed Job (its pod reads the platform's root password
    // Secret, so creating it is worth as much as reading Secrets: granted in the same places).
    assert.deepEqual(
      (secretRole['rules' as never] as Rule[]).map((r) => [r.resources, r.verbs]),
      [
        [['secrets'], ['get']],
        [['jobs'], ['get', 'create', 'delete']],
      ],
      'the Secret role grants nothing else',
    );
    const bindings = objects.filter((o) => o['kind'] === 'ClusterRoleBinding') as { roleRef: { name: string } }[];
    assert.ok(!bindings.some((b) => b.roleRef.name === secretRole.metadata.name), 'never bound cluster-wide');
    assert.ok(objects.some((o) => o['kind'] === 'Deployment'));
    const env = (
      objects.find((o) => o['kind'] === 'Deployment') as {
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
      }
    ).spec.template.spec.containers[0]?.env;
    assert.equal(env?.find((e) => e.name === 'MPSTACK_OPERATOR_WATCH_NAMESPACES')?.value, '', 'every namespace');
    assert.deepEqual(verbsOf('pods').sort(), ['delete', 'get', 'list', 'watch']);
    assert.deepEqual(verbsOf('pods/exec'), []);
    assert.deepEqual(verbsOf('wechatplatforms/finalizers'), ['update']);
    assert.ok(verbsOf('wechatplatforms/status').includes('patch'));
    assert.ok(verbsOf('deployments/scale').includes('patch'));
    assert.deepEqual(verbsOf('leases').includes('create'), true);
    const leaseRole = objects.find((o) => o['kind'] === 'Role') as { metadata: { namespace: string } };
    assert.equal(leaseRole.metadata.namespace, 'mpstack-system');
  });

  it('runs the operator non-root with a read-only root filesystem and args run operator', () => {
    const deployment = kustomize('k8s').find((o) => o['kind'] === 'Deployment') as {
      spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] } } };
    };
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext['runAsNonRoot'], true);
    const container = pod.containers[0] as { args: string[]; securityContext: Record<string, unknown> };
    assert.deepEqual(container.args, ['run', 'operator']);
    assert.equal(container.securityContext['readOnlyRootFilesystem'], true);
    assert.equal(container.securityContext['allowPrivilegeEscalation'], false);
  });
});

describe('example WeChatPlatforms k8s/examples/', () => {
  it('are accepted by the CRD schema (unknown fields rejected), the re-check, and the name rule', () => {
    const examples = kustomize('k8s/examples').filter((o) => o['kind'] === 'WeChatPlatform');
    assert.equal(examples.length, 2);
    const validate = crdValidator({ closed: true, useDefaults: false });
    for (const example of examples) {
      const name = (example['metadata'] as { name: string }).name;
      assert.ok(validate(structuredClone(example)), `${name}: ${ajvProblems(validate).join('\n')}`);
      const result = validateSpec(example['spec']);
      assert.ok(result.ok, `${name}: ${result.ok ? '' : result.problems.join('\n')}`);
      assert.deepEqual(validatePlatformName(name), []);
    }
  });

  it('come with their namespace and a Secret-read RoleBinding in every namespace that holds one', () => {
    const objects = kustomize('k8s/examples');
    for (const o of objects.filter((x) => x['kind'] !== 'WeChatPlatform')) assert.deepEqual(kubernetesProblems(o), []);
    const namespaces = objects
      .filter((o) => o['kind'] === 'WeChatPlatform')
      .map((o) => (o['metadata'] as { namespace: string }).namespace);
    assert.deepEqual(namespaces.sort(), ['default', 'wechat']);
    assert.ok(objects.some((o) => o['kind'] === 'Namespace' && (o['metadata'] as { name: string }).name === 'wechat'));
    for (const ns of namespaces) {
      const binding = objects.find(
        (o) => o['kind'] === 'RoleBinding' && (o['metadata'] as { namespace: string }).namespace === ns,
      ) as { roleRef: { kind: string; name: string } } | undefined;
      assert.deepEqual(binding?.roleRef, {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'mpstack-operator-secrets',
      });
    }
  });

  it('announce a scheduled push in the documented JSON shape', () => {
    const full = kustomize('k8s/examples').find((o) => (o['metadata'] as { name: string }).name === 'festival');
    assert.ok(full);
    const { annotations } = full['metadata'] as { annotations: Record<string, string> };
    const annotation = annotations['mpstack.io/scheduled-push'];
    const push = JSON.parse(annotation ?? '{}') as { start: string; expectedMessages: number; durationSeconds: number };
    assert.ok(Number.isFinite(Date.parse(push.start)));
    assert.ok(push.expectedMessages > 0 && push.durationSeconds > 0);
  });
});
