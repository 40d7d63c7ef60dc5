import assert from 'node:assert/strict';
import { serviceCatalog } from '@mpstack/common/contracts';
import { SERVICE_NAMES } from '../../src/api/v1alpha1.js';
import { INGRESS_ROUTES } from '../../src/resources/ingress.js';

describe('api: the CRD services and the service catalog', () => {
  it('names in spec.services exactly the platform services of the catalog', () => {
    const platform = serviceCatalog.filter((entry) => entry.placement === 'platform').map((entry) => entry.name);
    assert.deepEqual([...SERVICE_NAMES].sort(), platform.sort());
  });

  it("routes the Ingress's paths to the services the catalog gives them", () => {
    for (const route of INGRESS_ROUTES) {
      const owner = serviceCatalog.find((entry) => entry.publicPaths.includes(route.path));
      assert.equal(owner?.name, route.service, route.path);
    }
  });
});
