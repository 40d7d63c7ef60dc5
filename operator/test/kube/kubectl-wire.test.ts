import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deployableServices } from '@mpstack/common/contracts';
import { kubectlPath } from '../support/k8s-tools.js';
import { createPlatform, type Harness, NAMESPACE, platformSpec, startHarness } from '../support/operator-harness.js';

const run = promisify(execFile);

describe('kubectl against the fake API server (wire check)', () => {
  let h: Harness;
  let dir: string;
  let kubeconfig: string;
  // The pinned kubectl (scripts/ensure-k8s-tools.sh): fail, never skip, when it cannot be had.
  let KUBECTL: string;
  before(() => {
    KUBECTL = kubectlPath();
  });
  beforeEach(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'kubectl-wire-'));
    kubeconfig = join(dir, 'kubeconfig');
    h.server.writeKubeconfig(kubeconfig, NAMESPACE);
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = async (...args: string[]) =>
    (await run(KUBECTL, ['--kubeconfig', kubeconfig, '--insecure-skip-tls-verify', ...args], { timeout: 30_000 }))
      .stdout;

  it('kubectl discovers the CRD and lists WeChatPlatforms and the Deployments the reconciler created', async () => {
    createPlatform(h.server, 'wire', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'wire');
    const platforms = JSON.parse(await kubectl('get', 'wechatplatforms', '-o', 'json')) as {
      items: { metadata: { name: string; finalizers: string[] }; status: { observedGeneration: number } }[];
    };
    assert.deepEqual(
      platforms.items.map((p) => p.metadata.name),
      ['wire'],
    );
    assert.equal(platforms.items[0]?.status.observedGeneration, 1);
    const table = await kubectl('get', 'deployments');
    assert.match(table, /^NAME\s+AGE/);
    // One Deployment per runnable platform service of the catalog, none for the others.
    const listed = [...table.matchAll(/^wire-(\S+)/gm)].map((m) => m[1]).sort();
    assert.deepEqual(
      listed,
      deployableServices()
        .map((s) => s.name)
        .sort(),
    );
    assert.ok(listed.includes('ingress'));
    assert.ok(
      h.server.faults.requests.some((r) => r.path === '/apis/mpstack.io/v1alpha1'),
      'kubectl used discovery',
    );
  });
});
