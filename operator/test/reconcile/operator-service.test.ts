import assert from 'node:assert/strict';
import { createLogger } from '@mpstack/common/logging';
import { type RunningService, startService } from '@mpstack/common/shell';
import { until } from '@mpstack/testkit';
import { loadOperatorConfig, operatorService } from '../../src/service.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import { FakeRates, NAMESPACE } from '../support/operator-harness.js';

describe('operator service definition (the shell around runOperator)', () => {
  let server: FakeApiServer;
  let running: RunningService;
  beforeEach(async () => {
    server = await startFakeApiServer();
    const config = loadOperatorConfig({ MPSTACK_OPERATOR_PORT: '0', MPSTACK_HOST: '127.0.0.1' });
    running = await startService(
      operatorService({ overrides: { kubeConfig: server.kubeConfig(NAMESPACE), rates: new FakeRates() } }),
      config,
      { logger: createLogger({ service: 'operator', level: 'silent' }) },
    );
  });
  afterEach(async () => {
    await running.close();
    await server.close();
  });

  const readyz = async () => {
    const response = await fetch(`${running.url}/readyz`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, boolean> } };
  };

  it('is ready only while every informer is in sync with the API server', async () => {
    await until(async () => (await readyz()).status === 200, 10_000, 'ready once the informers listed');
    const { body } = await readyz();
    assert.ok(
      Object.keys(body.checks).some((path) => path.endsWith('/wechatplatforms')),
      JSON.stringify(body),
    );
    // The API server stops answering lists and the watches break: the caches no longer follow it.
    server.faults.failNext({ path: /.*/, method: 'GET', isWatch: false, status: 500, times: 1_000 });
    server.dropWatches();
    await until(async () => (await readyz()).status === 503, 10_000, 'not ready while the API fails');
  });

  it('defaults to listening on every interface (the kubelet probes the pod address)', () => {
    assert.equal(loadOperatorConfig({}).host, '0.0.0.0');
    assert.equal(loadOperatorConfig({}).port, 8081);
  });
});
