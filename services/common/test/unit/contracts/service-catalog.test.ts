import assert from 'node:assert/strict';
import { deployableServices, portVariableOf, serviceCatalog, serviceEntry } from '../../../src/contracts/index.js';

describe('contracts/service catalog', () => {
  it('names each service once, with its own port and port variable', () => {
    const names = serviceCatalog.map((entry) => entry.name);
    assert.equal(new Set(names).size, names.length);
    const ports = serviceCatalog.map((entry) => entry.port.default);
    assert.equal(new Set(ports).size, ports.length, 'mpstack dev can run every service side by side');
    for (const entry of serviceCatalog) assert.equal(entry.port.variable, portVariableOf(entry.name));
    assert.equal(portVariableOf('business-worker'), 'MPSTACK_BUSINESS_WORKER_PORT');
  });

  it('routes each public path to one service', () => {
    const paths = serviceCatalog.flatMap((entry) => entry.publicPaths);
    assert.equal(new Set(paths).size, paths.length);
    assert.deepEqual(serviceEntry('ingress')?.publicPaths, ['/wx']);
  });

  it('deploys per platform only the platform services this build can run', () => {
    const deployable = deployableServices().map((entry) => entry.name);
    assert.ok(deployable.includes('ingress'));
    for (const entry of serviceCatalog) {
      assert.equal(deployable.includes(entry.name), entry.placement === 'platform' && entry.runnable, entry.name);
    }
    assert.equal(serviceEntry('nope'), undefined);
  });
});
