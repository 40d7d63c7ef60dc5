import assert from 'node:assert/strict';
import { loadAdminConfig } from '../../src/config.js';

describe('admin config: trusted proxies', () => {
  it('trusts the same machine by default, a list of addresses, CIDRs and range names when told, no one for none', () => {
    assert.deepEqual(loadAdminConfig({}).trustedProxies, ['loopback']);
    assert.deepEqual(
      loadAdminConfig({ MPSTACK_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7 ,fd00::/8,uniquelocal' }).trustedProxies,
      ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'uniquelocal'],
    );
    assert.deepEqual(loadAdminConfig({ MPSTACK_TRUSTED_PROXIES: 'none' }).trustedProxies, []);
    assert.deepEqual(loadAdminConfig({ MPSTACK_TRUSTED_PROXIES: '' }).trustedProxies, []);
  });

  it('names every entry that is not an address, a CIDR or a range name', () => {
    assert.throws(
      () => loadAdminConfig({ MPSTACK_TRUSTED_PROXIES: '10.0.0.0/33,everyone,1.2.3.4/8/1,::1/129,10.0.0.1' }),
      (error: Error) => {
        for (const bad of ['10.0.0.0/33', 'everyone', '1.2.3.4/8/1', '::1/129']) {
          assert.ok(error.message.includes(`"${bad}" is not an address`), `${bad} named in ${error.message}`);
        }
        assert.ok(!error.message.includes('"10.0.0.1"'));
        return true;
      },
    );
  });
});
