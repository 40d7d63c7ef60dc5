import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@mpstack/testkit';
import { repoRoot } from '../manifests/repo.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import { type SimulatedController, startSimulatedController } from '../support/fake-apiserver/simulated-controller.js';
import { selfSignedCertificate } from '../support/fake-apiserver/tls.js';
import { kubectlPath } from '../support/k8s-tools.js';

const run = promisify(execFile);
const platforms = findType('mpstack.io', 'v1alpha1', 'wechatplatforms')!;

/** The shell lines of the README's "Kubernetes" walkthrough, exactly as written there. */
function walkthroughLines(): string[] {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('The examples, step by step');
  assert.ok(start >= 0, 'the README has the walkthrough');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  assert.ok(block?.[1] !== undefined, 'the walkthrough is a sh block');
  return block[1].split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

const isReady = (o: Record<string, unknown>) =>
  ((o['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

describe('the README Kubernetes walkthrough, word for word, against the API-server double', function () {
  this.timeout(120_000);
  let server: FakeApiServer;
  let controller: SimulatedController;
  let dir: string;
  let operator: ChildProcess | undefined;
  let operatorLog = '';

  before(async () => {
    server = await startFakeApiServer();
    controller = startSimulatedController(server.store, 20);
    dir = mkdtempSync(join(tmpdir(), 'readme-walkthrough-'));
    server.writeKubeconfig(join(dir, 'kubeconfig'), 'default');
    // What the walkthrough assumes the reader has: the repository and the certificate files.
    symlinkSync(join(repoRoot(), 'k8s'), join(dir, 'k8s'));
    const { cert, key } = selfSignedCertificate();
    writeFileSync(join(dir, 'tls.crt'), cert);
    writeFileSync(join(dir, 'tls.key'), key);
  });
  after(async () => {
    if (operator?.pid !== undefined && operator.exitCode === null) {
      const exited = new Promise((resolve) => operator?.once('exit', resolve));
      operator.kill('SIGTERM');
      await exited;
    }
    controller.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every line runs with the real kubectl, and `mpstack run operator` reconciles both examples to Ready', async () => {
    const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') };
    const kubectl = kubectlPath();
    let lastOutput = '';
    for (const line of walkthroughLines()) {
      const [command, ...args] = line.split(/\s+/);
      assert.equal(command, 'kubectl', `the walkthrough runs kubectl only: ${line}`);
      const result = await run(kubectl, args, { cwd: dir, env, timeout: 60_000 }).catch((error: Error) => {
        throw new Error(`${line}\n${error.message}`);
      });
      lastOutput = result.stdout;
      if (line === 'kubectl apply -k k8s/') {
        // The operator that manifest installs, run here by the real CLI against the same API server.
        operator = spawn(process.execPath, [join(repoRoot(), 'services/cli/bin/mpstack.js'), 'run', 'operator'], {
          env: { ...env, MPSTACK_OPERATOR_PORT: '0', MPSTACK_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        operator.stdout?.on('data', (chunk: Buffer) => {
          operatorLog += chunk.toString();
        });
        operator.stderr?.on('data', (chunk: Buffer) => {
          operatorLog += chunk.toString();
        });
      }
    }
    const both = () => ['default/mpstack', 'wechat/festival'];
    await until(
      () =>
        both().every((key) => {
          const [ns = '', name = ''] = key.split('/');
          try {
            return isReady(server.store.get(platforms, ns, name));
          } catch {
            return false;
          }
        }),
      60_000,
      `both examples Ready (operator log: ${operatorLog.slice(-2000)})`,
    );
    const table = (await run(kubectl, ['get', 'wxp', '-A'], { cwd: dir, env })).stdout;
    assert.match(lastOutput, /NAMESPACE\s+NAME/, 'the last line listed the platforms');
    assert.match(table, /default\s+mpstack\s+True/);
    assert.match(table, /wechat\s+festival\s+True/);
    // The operator read the examples' Secrets by name only: never a list of Secrets.
    assert.ok(
      !server.faults.requests.some(
        (r) => r.path.endsWith('/secrets') && r.method === 'GET' && !r.query.includes('fieldSelector'),
      ),
    );
  });
});
