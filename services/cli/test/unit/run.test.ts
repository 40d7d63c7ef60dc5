import assert from 'node:assert/strict';
import { serviceCatalog } from '@mpstack/common/contracts';
import { AppError } from '@mpstack/common/errors';
import { runnableServices, runService, serviceRunners } from '../../src/commands/run.js';

describe('mpstack run: the service registry', () => {
  it('has a runner for exactly the services the catalog marks runnable', () => {
    assert.deepEqual(Object.keys(serviceRunners).sort(), runnableServices().sort());
    assert.ok(runnableServices().every((name) => serviceCatalog.some((entry) => entry.name === name)));
  });

  it('refuses an unknown name and a catalogued service not built yet, listing what runs', async () => {
    await assert.rejects(runService('nope', {}), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.match(
        error.message,
        /unknown service "nope"; available: ingress, business, admin, log, operator, simulators/,
      );
      return true;
    });
    await assert.rejects(runService('oauth', {}), /service "oauth" is not built yet; available: /);
  });
});
