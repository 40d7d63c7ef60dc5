import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { createAccountsRepository } from '../../src/accounts/accounts.repository.js';
import type { AccountRecord } from '../../src/accounts/accounts.types.js';
import { queryAudit } from '../../src/audit/audit.repository.js';
import { AccountsApi, aesKey } from '../support/accounts-api.js';
import { dialects } from '../support/databases.js';

/**
 * `/admin/api/accounts` (docs/issue-10-seams.md) on both adapters: SQLite with in-process
 * coordination, and the real MariaDB with the real Redis.
 */
for (const dialect of dialects) {
  describe(`admin API /accounts on ${dialect}`, function () {
    this.timeout(60_000);
    const api = new AccountsApi(dialect, 'admin-accounts');
    const { announced, announcedRules, call, stored, newAccount, create } = api;
    before(() => api.start());
    after(() => api.close());
    const allStored = () => createAccountsRepository(api.infrastructure.db).list();

    it('creates an account and lists it without a secret; every role with accounts:read sees it', async () => {
      const input = await create();
      const answer = await call('GET', '/accounts', 'vera');
      assert.equal(answer.status, 200);
      const view = answer.body.items?.find((item) => item['id'] === input.id);
      assert.deepEqual(
        { ...view, updatedAt: typeof view?.['updatedAt'] },
        {
          id: input.id,
          appId: input.appId,
          name: input.name,
          mode: 'safe',
          disabled: false,
          hasAppSecret: true,
          hasPreviousAesKey: false,
          sendLimits: null,
          updatedAt: 'string',
        },
      );
      for (const secret of [input.token, input.encodingAesKey, input.appSecret]) {
        assert.ok(!answer.text.includes(secret), 'a secret in GET /accounts');
      }
      assert.equal((await call('GET', '/accounts', 'otto')).status, 200);
      assert.equal((await call('GET', '/accounts')).status, 401);
      const row = await stored(input.id);
      assert.deepEqual(
        [row?.token, row?.encodingAesKey, row?.appSecret],
        [input.token, input.encodingAesKey, input.appSecret],
      );
      await until(() => announced.includes(input.id), 5_000, 'the create announced to the replicas');
    });

    for (const [what, extra, field] of [
      ['an AppID without wx', { appId: 'ab0123456789abcdef' }, 'appId'],
      ['an AppID of 15 hex digits', { appId: 'wx0123456789abcde' }, 'appId'],
      ['an AppID with a non-hex digit', { appId: 'wx0123456789abcdeg' }, 'appId'],
      ['a Token of 2 characters', { token: 'ab' }, 'token'],
      ['a Token of 33 characters', { token: 'a'.repeat(33) }, 'token'],
      ['a Token with a symbol', { token: 'tok-123' }, 'token'],
      ['an EncodingAESKey of 42 characters', { encodingAesKey: 'a'.repeat(42) }, 'encodingAesKey'],
      ['an EncodingAESKey of 44 characters', { encodingAesKey: 'a'.repeat(44) }, 'encodingAesKey'],
      ['an EncodingAESKey with a character outside base64', { encodingAesKey: `${'a'.repeat(42)}!` }, 'encodingAesKey'],
      ['a safe account without an EncodingAESKey', { encodingAesKey: undefined }, 'encodingAesKey'],
      ['an unknown mode', { mode: 'aes' }, 'mode'],
      ['an id with upper case', { id: 'Shop' }, 'id'],
      ['an id with a slash', { id: 'a/b' }, 'id'],
      ['an empty name', { name: '' }, 'name'],
      ['a name of spaces', { name: '   ' }, 'name'],
      ['a name of 129 characters', { name: 'n'.repeat(129) }, 'name'],
      ['a name with a control character', { name: 'a\u0007b' }, 'name'],
      ['an unknown field', { secret: 'x' }, '(body)'],
    ] as const) {
      it(`refuses ${what} (400 invalid_request naming ${field}) and writes nothing`, async () => {
        const before = (await allStored()).length;
        const input = newAccount(extra);
        const answer = await call('POST', '/accounts', 'root', input);
        assert.equal(answer.status, 400, answer.text);
        assert.equal(answer.body.error?.code, 'invalid_request');
        assert.ok(
          answer.body.error?.problems?.some((problem) => problem.startsWith(field === '(body)' ? '' : `${field}:`)),
          answer.text,
        );
        assert.equal((await allStored()).length, before);
        assert.equal(await stored(input.id), undefined);
      });
    }

    it('refuses a duplicate id and a duplicate AppID with 409 conflict, keeping the stored account', async () => {
      const first = await create();
      const sameId = await call('POST', '/accounts', 'root', newAccount({ id: first.id, name: 'Other' }));
      assert.deepEqual([sameId.status, sameId.body.error?.code], [409, 'conflict']);
      const sameAppId = await call('POST', '/accounts', 'root', newAccount({ appId: first.appId }));
      assert.deepEqual([sameAppId.status, sameAppId.body.error?.code], [409, 'conflict']);
      assert.equal((await stored(first.id))?.name, first.name);
      const other = await create();
      const patched = await call('PATCH', `/accounts/${other.id}`, 'root', { appId: first.appId });
      assert.equal(patched.status, 409);
    });

    it('refuses every write to a viewer and an operator (403) and writes nothing, even for a bad body', async () => {
      const target = await create();
      const before = await stored(target.id);
      for (const who of ['vera', 'otto']) {
        for (const [method, path, body] of [
          ['POST', '/accounts', newAccount()],
          ['POST', '/accounts', { id: 'x' }],
          ['PATCH', `/accounts/${target.id}`, { name: 'hijacked' }],
          ['POST', `/accounts/${target.id}/disable`, undefined],
          ['POST', `/accounts/${target.id}/enable`, undefined],
          ['POST', `/accounts/${target.id}/rotate-aes-key`, { encodingAesKey: aesKey() }],
        ] as const) {
          const answer = await call(method, path, who, body);
          assert.deepEqual([answer.status, answer.body.error?.code], [403, 'forbidden'], `${who} ${method} ${path}`);
        }
      }
      assert.deepEqual(await stored(target.id), before);
      assert.equal((await call('POST', '/accounts', undefined, newAccount())).status, 401);
    });

    it('stores SQL injection and markup in a name verbatim and answers it JSON-escaped', async () => {
      const names = [
        "x'); DROP TABLE accounts; --",
        '" OR 1=1 -- ',
        '<script>alert(1)</script><img src=x onerror=alert(2)>',
        '&lt;b&gt; & </textarea>',
      ];
      for (const name of names) {
        const input = await create({ name });
        assert.equal((await stored(input.id))?.name, name, 'stored verbatim');
        const listed = await call('GET', '/accounts', 'vera');
        assert.equal(listed.body.items?.find((item) => item['id'] === input.id)?.['name'], name);
        assert.ok(!/[<>]/.test(listed.text), 'markup characters are escaped in the JSON text');
        assert.match(listed.type, /^application\/json/);
      }
      assert.ok((await allStored()).length >= names.length, 'the accounts table is still there');
    });

    it('refuses an oversized body (413 too_large) and a malformed one (400), writing nothing', async () => {
      const before = (await allStored()).length;
      const big = await call('POST', '/accounts', 'root', newAccount({ name: 'n'.repeat(70 * 1024) }));
      assert.deepEqual([big.status, big.body.error?.code], [413, 'too_large']);
      const malformed = await call('POST', '/accounts', 'root', '{"id": "half');
      assert.deepEqual([malformed.status, malformed.body.error?.code], [400, 'invalid_request']);
      assert.equal((await allStored()).length, before);
    });

    it('edits fields, keeps the secrets not sent, and refuses a key change, an id change or nothing to change', async () => {
      const input = await create();
      const edited = await call('PATCH', `/accounts/${input.id}`, 'root', {
        id: input.id,
        name: 'Renamed',
        token: 'NewToken123',
        mode: 'compatible',
      });
      assert.equal(edited.status, 200, edited.text);
      assert.deepEqual(
        [edited.body['name'], edited.body['mode'], edited.body['hasAppSecret']],
        ['Renamed', 'compatible', true],
      );
      const row = (await stored(input.id)) as AccountRecord;
      assert.deepEqual(
        [row.token, row.appSecret, row.encodingAesKey],
        ['NewToken123', input.appSecret, input.encodingAesKey],
      );
      for (const [body, code] of [
        [{ encodingAesKey: aesKey() }, 'invalid_request'],
        [{ id: 'another' }, 'invalid_request'],
        [{}, 'invalid_request'],
        [{ token: 'x' }, 'invalid_request'],
      ] as const) {
        const answer = await call('PATCH', `/accounts/${input.id}`, 'root', body);
        assert.equal(answer.body.error?.code, code, JSON.stringify(body));
      }
      assert.match(
        (await call('PATCH', `/accounts/${input.id}`, 'root', { encodingAesKey: aesKey() })).text,
        /rotate-aes-key/,
      );
      assert.equal((await call('PATCH', '/accounts/nobody-here', 'root', { name: 'x' })).status, 404);
      assert.equal((await stored(input.id))?.encodingAesKey, input.encodingAesKey);
    });

    it('a plain account without a key cannot become safe until a key is rotated in', async () => {
      const input = await create({ mode: 'plain', encodingAesKey: undefined, appSecret: undefined });
      const listed = await call('GET', '/accounts', 'root');
      assert.equal(listed.body.items?.find((item) => item['id'] === input.id)?.['hasAppSecret'], false);
      const safe = await call('PATCH', `/accounts/${input.id}`, 'root', { mode: 'safe' });
      assert.equal(safe.status, 400);
      assert.match(safe.text, /rotate-aes-key/);
      const key = aesKey();
      const rotated = await call('POST', `/accounts/${input.id}/rotate-aes-key`, 'root', { encodingAesKey: key });
      assert.equal(rotated.body['hasPreviousAesKey'], false, 'no key before: nothing to fall back to');
      assert.equal((await call('PATCH', `/accounts/${input.id}`, 'root', { mode: 'safe' })).status, 200);
      assert.equal((await stored(input.id))?.encodingAesKey, key);
    });

    it('rotates the AES key: the current one becomes the previous, a repeat or bad key is refused, null ends it', async () => {
      const input = await create();
      const next = aesKey();
      const rotated = await call('POST', `/accounts/${input.id}/rotate-aes-key`, 'root', { encodingAesKey: next });
      assert.equal(rotated.status, 200, rotated.text);
      assert.equal(rotated.body['hasPreviousAesKey'], true);
      assert.ok(!rotated.text.includes(next) && !rotated.text.includes(input.encodingAesKey));
      let row = await stored(input.id);
      assert.deepEqual([row?.encodingAesKey, row?.previousEncodingAesKey], [next, input.encodingAesKey]);
      const again = await call('POST', `/accounts/${input.id}/rotate-aes-key`, 'root', { encodingAesKey: next });
      assert.equal(again.status, 400);
      for (const bad of [{ encodingAesKey: 'short' }, {}, { encodingAesKey: next, extra: 1 }]) {
        assert.equal((await call('POST', `/accounts/${input.id}/rotate-aes-key`, 'root', bad)).status, 400);
      }
      assert.equal(
        (await call('POST', '/accounts/nobody-here/rotate-aes-key', 'root', { encodingAesKey: next })).status,
        404,
      );
      const ended = await call('PATCH', `/accounts/${input.id}`, 'root', { previousEncodingAesKey: null });
      assert.equal(ended.body['hasPreviousAesKey'], false);
      row = await stored(input.id);
      assert.deepEqual([row?.encodingAesKey, row?.previousEncodingAesKey], [next, undefined]);
    });

    it('records each write in the audit log (who, from where, before/after, secrets masked) and each refused one as denied', async () => {
      const input = await create();
      const audited = async () =>
        [...(await queryAudit(api.infrastructure.db, { target: `account:${input.id}`, limit: 50 })).items].reverse();
      await call('PATCH', `/accounts/${input.id}`, 'root', { token: 'ChangedToken9', name: '改名' });
      const newKey = aesKey();
      await call('POST', `/accounts/${input.id}/rotate-aes-key`, 'root', { encodingAesKey: newKey });
      await call('POST', `/accounts/${input.id}/disable`, 'root');
      assert.equal((await call('POST', '/accounts', 'root', newAccount({ id: input.id }))).status, 409);
      assert.equal((await call('PATCH', `/accounts/${input.id}`, 'vera', { name: 'x' })).status, 403);
      const rows = await audited();
      assert.deepEqual(
        rows.map((row) => [row.action, row.actor, row.outcome]),
        [
          ['accounts.create', 'root', 'ok'],
          ['accounts.update', 'root', 'ok'],
          ['accounts.rotate-aes-key', 'root', 'ok'],
          ['accounts.disable', 'root', 'ok'],
        ],
        'the refused duplicate (409) rolled back with its audit entry',
      );
      const denied = await queryAudit(api.infrastructure.db, { target: `PATCH /accounts/${input.id}`, limit: 5 });
      assert.deepEqual(
        denied.items.map((row) => [row.action, row.actor, row.outcome]),
        [['api.denied', 'vera', 'denied']],
      );
      assert.ok(
        rows.every((row) => /^(::ffff:)?127\.0\.0\.1$|^::1$/.test(row.ip)),
        JSON.stringify(rows.map((r) => r.ip)),
      );
      const [created, updated, rotated] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
      assert.equal(created.before, undefined);
      assert.deepEqual(created.after, {
        id: input.id,
        name: input.name,
        appId: input.appId,
        encryptMode: 'safe',
        disabled: false,
        sendLimits: null,
        appSecret: '***',
        token: '***',
        encodingAesKey: '***',
        previousEncodingAesKey: null,
        changed: ['created'],
      });
      assert.deepEqual((updated.after as { changed: string[] }).changed, ['name', 'token']);
      assert.equal((updated.before as { name: string }).name, input.name);
      assert.deepEqual((rotated.after as { changed: string[] }).changed, ['encodingAesKey', 'previousEncodingAesKey']);
      const text = JSON.stringify(rows);
      for (const secret of [input.token, 'ChangedToken9', input.encodingAesKey, newKey, input.appSecret]) {
        assert.ok(!text.includes(secret), 'a secret in the audit log');
      }
    });

    it('reply rules: an operator adds, replaces and deletes them (audited), a viewer only reads, bad rules are 400', async () => {
      const input = await create();
      const rulesAnnounced = () => announcedRules.filter((id) => id === input.id).length;
      const added = await call('POST', `/accounts/${input.id}/rules`, 'otto', {
        kind: 'keyword',
        matchType: 'regex',
        keyword: '^话费\\d*$',
        reply: { type: 'text', content: '<b>查询</b> 🧧' },
      });
      assert.equal(added.status, 201, added.text);
      const ruleId = added.body['id'] as number;
      const replaced = await call('PUT', `/rules/${ruleId}`, 'otto', {
        kind: 'keyword',
        keyword: '余额',
        reply: { type: 'text', content: '余额' },
        priority: 5,
      });
      assert.deepEqual(
        [replaced.body['keyword'], replaced.body['matchType'], replaced.body['priority']],
        ['余额', 'exact', 5],
      );
      const listed = await call('GET', `/accounts/${input.id}/rules`, 'vera');
      assert.deepEqual(
        listed.body.items?.map((rule) => [rule['id'], rule['keyword']]),
        [[ruleId, '余额']],
      );
      for (const [method, path, body] of [
        ['POST', `/accounts/${input.id}/rules`, { kind: 'default', reply: { type: 'text', content: 'x' } }],
        ['PUT', `/rules/${ruleId}`, { kind: 'default', reply: { type: 'text', content: 'x' } }],
        ['DELETE', `/rules/${ruleId}`, undefined],
      ] as const) {
        assert.equal((await call(method, path, 'vera', body)).status, 403, `${method} ${path}`);
      }
      for (const bad of [
        { kind: 'keyword', matchType: 'regex', keyword: '([', reply: { type: 'text', content: 'x' } },
        { kind: 'keyword', reply: { type: 'text', content: 'x' } },
        { kind: 'default', reply: { type: 'text' } },
        { kind: 'weird', reply: { type: 'text', content: 'x' } },
      ]) {
        const answer = await call('POST', `/accounts/${input.id}/rules`, 'otto', bad);
        assert.deepEqual([answer.status, answer.body.error?.code], [400, 'invalid_request'], JSON.stringify(bad));
      }
      const ghost = await call('POST', '/accounts/nobody-here/rules', 'otto', {
        kind: 'default',
        reply: { type: 'text', content: 'x' },
      });
      assert.equal(ghost.status, 404);
      assert.equal((await call('DELETE', `/rules/${ruleId}`, 'otto')).status, 204);
      assert.equal((await call('DELETE', `/rules/${ruleId}`, 'otto')).status, 404);
      assert.deepEqual((await call('GET', `/accounts/${input.id}/rules`, 'vera')).body.items, []);
      const audited = await queryAudit(api.infrastructure.db, { target: `rule:${input.id}/`, limit: 10 });
      assert.deepEqual(
        [...audited.items].reverse().map((row) => [row.action, row.actor]),
        [
          ['rules.create', 'otto'],
          ['rules.update', 'otto'],
          ['rules.delete', 'otto'],
        ],
      );
      await until(() => rulesAnnounced() === 3, 5_000, 'each rule write announced on the rules channel');
    });

    it('reply rules as CSV: BOM, the header in the chosen language, every rule, formulas neutralised; no session, no file', async () => {
      const input = await create();
      for (const rule of [
        {
          kind: 'keyword',
          matchType: 'contains',
          keyword: '=1+2',
          reply: { type: 'text', content: '＝HYPERLINK("x")' },
        },
        { kind: 'subscribe', reply: { type: 'news', articles: [{ title: '欢迎, "新朋友"' }, { title: '@活动' }] } },
        { kind: 'default', reply: { type: 'image', mediaId: 'MEDIA_1' }, enabled: false, priority: -3 },
      ]) {
        assert.equal((await call('POST', `/accounts/${input.id}/rules`, 'otto', rule)).status, 201);
      }
      const zh = await call('GET', `/accounts/${input.id}/rules.csv`, 'vera');
      assert.equal(zh.status, 200, zh.text);
      assert.match(zh.type, /^text\/csv; charset=utf-8/);
      assert.equal(zh.text.charCodeAt(0), 0xfeff, 'starts with the BOM');
      const lines = zh.text.slice(1).split('\r\n');
      assert.match(lines[0] ?? '', /^规则 ID,类型,匹配方式,关键词,回复类型,回复内容,优先级,状态/);
      assert.equal(lines.filter((line) => line !== '').length, 4, zh.text);
      assert.match(zh.text, /,contains,'=1\+2,text,"'＝HYPERLINK\(""x""\)",0,启用,/);
      assert.match(zh.text, /,subscribe,,,news,"欢迎, ""新朋友"" \| @活动",0,启用,/);
      assert.match(zh.text, /,default,,,image,MEDIA_1,-3,停用,/);
      const en = await call('GET', `/accounts/${input.id}/rules.csv?lang=en`, 'otto');
      assert.match(en.text.slice(1), /^Rule ID,Kind,Match,Keyword,Reply type,Reply,Priority,Status/);
      assert.equal((await call('GET', `/accounts/${input.id}/rules.csv`)).status, 401);
    });

    it('disables and enables an account (stored with its time), announcing each change', async () => {
      const input = await create();
      const count = () => announced.filter((id) => id === input.id).length;
      await until(() => count() === 1, 5_000, 'the create announced');
      const disabled = await call('POST', `/accounts/${input.id}/disable`, 'root');
      assert.equal(disabled.body['disabled'], true);
      const row = await stored(input.id);
      assert.equal(row?.disabled, true);
      assert.ok(row?.disabledAt instanceof Date);
      await until(() => count() === 2, 5_000, 'the disable announced');
      assert.equal((await call('POST', `/accounts/${input.id}/disable`, 'root')).body['disabled'], true);
      const enabled = await call('POST', `/accounts/${input.id}/enable`, 'root');
      assert.equal(enabled.body['disabled'], false);
      assert.deepEqual([(await stored(input.id))?.disabled, (await stored(input.id))?.disabledAt], [false, undefined]);
      await until(() => count() === 3, 5_000, 'the enable announced');
      assert.equal(count(), 3, 'disabling an account already disabled wrote and announced nothing');
      assert.equal((await call('POST', '/accounts/nobody-here/disable', 'root')).status, 404);
    });
  });
}
