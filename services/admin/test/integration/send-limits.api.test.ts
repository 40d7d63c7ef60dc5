import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { invalidationChannels } from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import type { RunningService } from '@mpstack/common/shell';
import { deleteKeys, REDIS_URL, uniqueName, until } from '@mpstack/testkit';
import { createAccountsRepository } from '../../src/accounts/accounts.repository.js';
import { queryAudit } from '../../src/audit/audit.repository.js';
import { loadAdminConfig } from '../../src/config.js';
import { startAdmin } from '../../src/main.js';
import { hashPassword } from '../../src/users/password.js';
import { createUsersRepository } from '../../src/users/users.repository.js';
import { dialects, openTestDb, type TestDb } from '../support/databases.js';

type Json = {
  error?: { code: string; message: string; problems?: string[] };
  csrfToken?: string;
  items?: Record<string, unknown>[];
} & Record<string, unknown>;

const aesKey = () => randomBytes(32).toString('base64').slice(0, 43);
const appId = () => `wx${randomBytes(8).toString('hex')}`;
const password = 'correct horse battery';

/**
 * `PUT /admin/api/accounts/:id/send-limits`: an account's own send rates and daily quotas —
 * super-admin only, every bad value a 400 saying what is wrong, each change audited with its
 * before and after and announced on the accounts channel. Both adapters: SQLite with
 * in-process coordination, and the real MariaDB with the real Redis.
 */
for (const dialect of dialects) {
  describe(`admin API /accounts/:id/send-limits on ${dialect}`, function () {
    this.timeout(60_000);
    let test: TestDb;
    let infrastructure: Infrastructure;
    let admin: RunningService;
    let keyPrefix: string;
    const announced: string[] = [];
    const sessions: Record<string, { cookie: string; csrf: string }> = {};

    before(async () => {
      test = await openTestDb(dialect);
      keyPrefix = `${uniqueName('admin-limits')}:`;
      const config = loadAdminConfig({
        MPSTACK_DATA_DIR: test.dataDir,
        MPSTACK_ADMIN_PORT: '0',
        MPSTACK_LOG_LEVEL: 'silent',
        MPSTACK_KEY_PREFIX: keyPrefix,
        ...(test.url === undefined ? {} : { MPSTACK_DATABASE_URL: test.url, MPSTACK_REDIS_URL: REDIS_URL }),
      });
      infrastructure = await openInfrastructure(
        { service: 'admin-test', ...config, migrate: true },
        createLogger({ service: 't', level: 'silent' }),
      );
      await infrastructure.coordination.subscribe(invalidationChannels.accounts, (id) => announced.push(id));
      const users = createUsersRepository(infrastructure.db);
      for (const [username, role] of [
        ['root', 'super-admin'],
        ['vera', 'viewer'],
        ['otto', 'operator'],
      ] as const) {
        await users.create({ username, displayName: username, role, passwordHash: await hashPassword(password) });
      }
      admin = await startAdmin({ config, infrastructure });
      for (const username of ['root', 'vera', 'otto']) {
        const response = await fetch(`${admin.url}/admin/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: admin.url },
          body: JSON.stringify({ username, password }),
        });
        assert.equal(response.status, 200);
        const body = (await response.json()) as Json;
        sessions[username] = {
          cookie: response.headers.get('set-cookie')?.split(';')[0] ?? '',
          csrf: body.csrfToken ?? '',
        };
      }
    });

    after(async () => {
      await admin?.close();
      await infrastructure?.close();
      await test?.cleanup();
      if (dialect === 'MariaDB') await deleteKeys(keyPrefix);
    });

    /** A request as `who` (a signed-in user, with its CSRF token), or anonymous. */
    const call = async (method: string, path: string, who?: string, body?: unknown) => {
      const session = who === undefined ? undefined : sessions[who];
      const response = await fetch(`${admin.url}/admin/api${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          origin: admin.url,
          ...(session === undefined ? {} : { cookie: session.cookie, 'x-csrf-token': session.csrf }),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      // The bytes as sent (a CSV's BOM kept: fetch's text() would drop it).
      const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
      const type = response.headers.get('content-type') ?? '';
      const json = text !== '' && !type.startsWith('text/csv');
      return { status: response.status, text, type, body: (json ? JSON.parse(text) : {}) as Json };
    };
    const stored = (id: string) => createAccountsRepository(infrastructure.db).find(id);
    const newAccount = (extra: Record<string, unknown> = {}) => ({
      id: uniqueName('shop').replace(/[^a-z0-9-]/g, ''),
      name: '演示号 🧧',
      appId: appId(),
      appSecret: 'A1b2C3d4E5f6A1b2C3d4E5f6A1b2C3d4',
      token: `tok${randomBytes(6).toString('hex')}`,
      encodingAesKey: aesKey(),
      mode: 'safe',
      ...extra,
    });
    const create = async (extra: Record<string, unknown> = {}) => {
      const input = newAccount(extra);
      const created = await call('POST', '/accounts', 'root', input);
      assert.equal(created.status, 201, created.text);
      return input;
    };

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
      const denied = await queryAudit(infrastructure.db, {
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
      const rows = [...(await queryAudit(infrastructure.db, { target: `account:${input.id}`, limit: 10 })).items]
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
