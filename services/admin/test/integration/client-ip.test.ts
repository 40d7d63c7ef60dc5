import assert from 'node:assert/strict';
import { AdminHarness } from '../support/admin-harness.js';

describe('admin API: the client address comes from trusted proxies only (MariaDB, Redis)', function () {
  this.timeout(120_000);

  describe('a peer that is not a trusted proxy', () => {
    const harness = new AdminHarness();
    // The tests connect from 127.0.0.1, which this list does not trust.
    before(() => harness.start({ root: 'super-admin' }, { MPSTACK_TRUSTED_PROXIES: '10.99.0.0/16' }));
    after(() => harness.stop());

    it('cannot escape the per-address lock by sending a different X-Forwarded-For each time', async () => {
      for (let i = 0; i < 20; i++) {
        const failed = await harness.call('POST', '/session', {
          body: { username: `sprayed${i}`, password: 'Spring2026!!' },
          forwardedFor: `198.51.100.${i}`,
        });
        assert.equal(failed.status, 401);
      }
      const locked = await harness.call('POST', '/session', {
        body: { username: 'root', password: 'whatever it is' },
        forwardedFor: '203.0.113.200',
      });
      assert.equal(locked.status, 423, 'the spray is counted against the real peer');
      assert.equal(locked.body.error.code, 'locked');
    });

    it('is recorded in the audit trail under its own address, not the one it claims', async () => {
      const rows = await harness.db
        .selectFrom('audit_log')
        .select(['ip', 'target'])
        .where('action', '=', 'session.sign-in')
        .execute();
      assert.equal(rows.length, 20);
      assert.deepEqual([...new Set(rows.map((row) => row.ip))], ['127.0.0.1']);
      const lock = await harness.db
        .selectFrom('audit_log')
        .select('target')
        .where('action', '=', 'session.lockout')
        .execute();
      assert.deepEqual(lock, [{ target: 'ip:127.0.0.1' }]);
    });
  });

  describe('a trusted proxy', () => {
    const harness = new AdminHarness();
    before(() => harness.start({ root: 'super-admin' }, { MPSTACK_TRUSTED_PROXIES: '127.0.0.1/32' }));
    after(() => harness.stop());

    it('names the client: its X-Forwarded-For is what the lock counts and the audit records', async () => {
      for (let i = 0; i < 20; i++) {
        await harness.call('POST', '/session', {
          body: { username: `sprayed${i}`, password: 'Spring2026!!' },
          forwardedFor: '198.51.100.1',
        });
      }
      const elsewhere = await harness.call('POST', '/session', {
        body: { username: 'root', password: 'correct horse battery' },
        forwardedFor: '198.51.100.2',
      });
      assert.equal(elsewhere.status, 200, 'another client behind the same proxy is not locked');
      const sprayer = await harness.call('POST', '/session', {
        body: { username: 'root', password: 'correct horse battery' },
        forwardedFor: '198.51.100.1',
      });
      assert.equal(sprayer.status, 423);
      const [entry] = await harness.db
        .selectFrom('audit_log')
        .select('ip')
        .where('action', '=', 'session.sign-in')
        .where('outcome', '=', 'ok')
        .execute();
      assert.equal(entry?.ip, '198.51.100.2');
    });
  });
});
