import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { queryAudit } from '../../src/audit/audit.repository.js';
import { AccountsApi } from '../support/accounts-api.js';
import { dialects } from '../support/databases.js';

/**
 * `PUT /admin/api/accounts/:id/send-limits`: an account's own send rates and daily quotas —
 * super-admin only, every bad value a 400 saying what is wrong, each change audited with its
 * before and after and announced on the accounts channel. Both adapters: SQLite with
 * in-process coordination, and the real MariaDB with the real Redis.
 */
for (const dialect of dialects) {
  describe(`admin API /accounts/:id/send-limits on ${dialect}`, function () {
    this.timeout(60_000);
    const api = new AccountsApi(dialect, 'admin-limits');
    const { announced, call, stored, create } = api;
    before(() => api.start());
    after(() => api.close());

    const limits = (id: string) => `/accounts/${id}/send-limits`;

    it('a super-admin sets an account’s rates and quotas; the account shows them, `{}` returns it to the deployment’s', async () => {
      const input = await create();
      const set = await call('PUT', limits(input.id), 'root', {
        rates: { template: { perSecond: 20, burst: 40 }, kefu: 'off', mass: null },
        dailyQuotas: { sendTemplateMessage: 500_000 },
      });
      assert.equal(set.status, 200, set.text);
      const expected = {
        rates: { template: { perSecond: 20, burst: 40 }, kefu: 'off' },
        dailyQuotas: { sendTemplateMessage: 500_000 },
      };
      assert.deepEqual(set.body['sendLimits'], expected);
      assert.deepEqual((await stored(input.id))?.sendLimits, expected);
      const listed = (await call('GET', '/accounts', 'vera')).body.items?.find((a) => a['id'] === input.id);
      assert.deepEqual(listed?.['sendLimits'], expected, 'every reader sees the limits');
      // A rate without a burst: one second of sends at once.
      const noBurst = await call('PUT', limits(input.id), 'root', { rates: { mass: { perSecond: 0.5 } } });
      assert.deepEqual(noBurst.body['sendLimits'], { rates: { mass: { perSecond: 0.5, burst: 1 } } });
      const cleared = await call('PUT', limits(input.id), 'root', {});
      assert.equal(cleared.body['sendLimits'], null);
      assert.equal((await stored(input.id))?.sendLimits, undefined);
      assert.equal((await call('PUT', limits('nobody-here'), 'root', {})).status, 404);
    });

    const bad: [string, unknown, RegExp][] = [
      ['a negative rate', { rates: { template: { perSecond: -5 } } }, /rates\.template: perSecond must be more than 0/],
      ['a zero rate', { rates: { kefu: { perSecond: 0, burst: 3 } } }, /rates\.kefu: perSecond must be more than 0/],
      ['a rate as text', { rates: { template: { perSecond: '50' } } }, /rates\.template: perSecond must be a number/],
      ['a rate that is a word', { rates: { template: 'fast' } }, /rates\.template: "off", null/],
      ['a burst without a rate', { rates: { mass: { burst: 10 } } }, /rates\.mass: a burst needs a rate/],
      [
        'an absurd rate',
        { rates: { template: { perSecond: 1e9 } } },
        /rates\.template: perSecond must be at most 10000/,
      ],
      ['an absurd burst', { rates: { template: { perSecond: 5, burst: 1e7 } } }, /burst must be at most 100000/],
      ['a fractional burst', { rates: { template: { perSecond: 5, burst: 2.5 } } }, /burst must be a whole number/],
      ['a zero burst', { rates: { template: { perSecond: 5, burst: 0 } } }, /burst must be at least 1/],
      ['an unknown family', { rates: { sms: 'off' } }, /rates/],
      [
        'a quota as text',
        { dailyQuotas: { sendTemplateMessage: 'many' } },
        /dailyQuotas\.sendTemplateMessage: a daily quota is a number/,
      ],
      ['a zero quota', { dailyQuotas: { sendTemplateMessage: 0 } }, /a daily quota is at least 1/],
      ['an absurd quota', { dailyQuotas: { sendTemplateMessage: 1e12 } }, /a daily quota is at most 100000000/],
      ['a quota of no API', { dailyQuotas: { sendFax: 10 } }, /dailyQuotas: no WeChat API is named sendFax/],
      ['an unknown field', { rate: 5 }, /\(body\)|rate/],
    ];
    for (const [what, body, message] of bad) {
      it(`refuses ${what} (400 invalid_request saying why) and writes nothing`, async () => {
        const input = await create();
        await call('PUT', limits(input.id), 'root', { rates: { template: { perSecond: 7, burst: 7 } } });
        const refused = await call('PUT', limits(input.id), 'root', body);
        assert.equal(refused.status, 400, refused.text);
        assert.equal(refused.body.error?.code, 'invalid_request');
        assert.match((refused.body.error?.problems ?? []).join('; '), message);
        assert.deepEqual((await stored(input.id))?.sendLimits, { rates: { template: { perSecond: 7, burst: 7 } } });
      });
    }

    it('refuses a viewer and an operator (403) before looking at the body, writing and announcing nothing', async () => {
      const input = await create();
      const count = () => announced.filter((id) => id === input.id).length;
      await until(() => count() === 1, 5_000, 'the create announced');
      for (const who of ['vera', 'otto']) {
        for (const body of [{ rates: { template: 'off' } }, { rates: { template: { perSecond: -1 } } }]) {
          const refused = await call('PUT', limits(input.id), who, body);
          assert.equal(refused.status, 403, `${who}: ${refused.text}`);
        }
      }
      assert.equal((await call('PUT', limits(input.id), undefined, {})).status, 401);
      assert.equal((await stored(input.id))?.sendLimits, undefined);
      const denied = await queryAudit(api.infrastructure.db, {
        target: `PUT /accounts/${input.id}/send-limits`,
        limit: 10,
      });
      assert.equal(denied.items.length, 4, 'each refusal audited as denied');
      assert.ok(denied.items.every((row) => row.outcome === 'denied'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(count(), 1, 'nothing announced');
    });

    it('audits each change with the limits before and after, announces it, and a repeat of the same limits writes nothing', async () => {
      const input = await create();
      const count = () => announced.filter((id) => id === input.id).length;
      await until(() => count() === 1, 5_000, 'the create announced');
      const first = { rates: { template: { perSecond: 50, burst: 100 } } };
      assert.equal((await call('PUT', limits(input.id), 'root', first)).status, 200);
      await until(() => count() === 2, 5_000, 'the change announced');
      const second = {
        rates: { template: 'off', mass: { perSecond: 1, burst: 60 } },
        dailyQuotas: { massPreview: 50 },
      };
      assert.equal((await call('PUT', limits(input.id), 'root', second)).status, 200);
      await until(() => count() === 3, 5_000, 'the second change announced');
      assert.equal((await call('PUT', limits(input.id), 'root', second)).status, 200);
      const rows = [...(await queryAudit(api.infrastructure.db, { target: `account:${input.id}`, limit: 10 })).items]
        .reverse()
        .filter((row) => row.action === 'accounts.send-limits');
      assert.equal(rows.length, 2, 'the repeat wrote no audit entry');
      const [one, two] = rows as [(typeof rows)[number], (typeof rows)[number]];
      assert.equal(one.actor, 'root');
      assert.equal((one.before as Record<string, unknown>)['sendLimits'], null);
      assert.deepEqual((one.after as Record<string, unknown>)['sendLimits'], first);
      assert.deepEqual((one.after as Record<string, unknown>)['changed'], ['sendLimits']);
      assert.deepEqual((two.before as Record<string, unknown>)['sendLimits'], first);
      assert.deepEqual((two.after as Record<string, unknown>)['sendLimits'], second);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(count(), 3, 'the repeat announced nothing');
    });
  });
}
