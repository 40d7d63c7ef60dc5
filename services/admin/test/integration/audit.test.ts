import assert from 'node:assert/strict';
import { recordAudit } from '../../src/audit/audit.repository.js';
import { createConsoleUser } from '../../src/users/create-user.js';
import { AdminHarness, type SignedIn } from '../support/admin-harness.js';

describe('admin API: the audit trail (MariaDB, Redis)', function () {
  this.timeout(120_000);
  const harness = new AdminHarness();
  let root: SignedIn;

  before(async () => {
    await harness.start({ root: 'super-admin', vera: 'viewer', spied: 'operator' });
    root = await harness.signIn('root', undefined, '203.0.113.7');
  });
  after(() => harness.stop());

  const audit = async (query: string) => {
    const answer = await harness.as(root, 'GET', `/audit${query}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body as { items: Array<Record<string, unknown>>; nextCursor?: string };
  };

  it('records inside the caller transaction: rolled back with it, committed with it, secrets masked', async () => {
    const entry = { actor: 'root', ip: '198.51.100.1', action: 'test.write', target: 'thing:tx' } as const;
    await assert.rejects(
      harness.db.transaction().execute(async (trx) => {
        await recordAudit(trx, entry);
        throw new Error('the write failed');
      }),
      /the write failed/,
    );
    assert.equal((await audit('?action=test.write')).items.length, 0, 'nothing recorded for a rolled-back write');
    await harness.db.transaction().execute(async (trx) => {
      await recordAudit(trx, {
        ...entry,
        before: { name: 'old', token: 'plain-token', encodingAesKey: 'a'.repeat(43) },
        after: { name: 'new', appSecret: 'the-secret', hasAppSecret: true },
      });
    });
    const [row] = (await audit('?action=test.write')).items;
    assert.deepEqual(
      { ...row, id: undefined, at: undefined },
      {
        ...entry,
        id: undefined,
        at: undefined,
        outcome: 'ok',
        before: { name: 'old', token: '***', encodingAesKey: '***' },
        after: { name: 'new', appSecret: '***', hasAppSecret: true },
      },
    );
    const stored = await harness.db.selectFrom('audit_log').select(['before_json', 'after_json']).execute();
    assert.ok(!JSON.stringify(stored).includes('plain-token') && !JSON.stringify(stored).includes('the-secret'));
  });

  it('records sign-ins, failures with the lock they start, sign-outs and sign-out everywhere, with the client address', async () => {
    for (let i = 0; i < 5; i++) {
      const failed = await harness.call('POST', '/session', {
        body: { username: 'spied', password: 'wrong password!' },
        forwardedFor: '192.0.2.44',
      });
      assert.equal(failed.status, 401);
    }
    const failures = (await audit('?actor=spied&action=session.sign-in')).items;
    assert.equal(failures.length, 5);
    assert.deepEqual(failures[0], {
      ...failures[0],
      ip: '192.0.2.44',
      outcome: 'denied',
      target: 'user:spied',
      after: { reason: 'wrong password' },
    });
    const [lock] = (await audit('?action=session.lockout&target=user:spied')).items;
    assert.deepEqual(lock?.['after'], { lockedSeconds: 1 });

    const vera = await harness.signIn('vera', undefined, '192.0.2.50');
    assert.equal((await harness.as(vera, 'POST', '/session/revoke-all')).status, 204);
    const actions = (await audit('?actor=vera')).items.map((row) => [row['action'], row['outcome'], row['ip']]);
    assert.deepEqual(actions, [
      ['session.revoke-all', 'ok', '127.0.0.1'],
      ['session.sign-in', 'ok', '192.0.2.50'],
    ]);
  });

  it('records users created or reset from the command line, without the password', async () => {
    await createConsoleUser(harness.db, { username: 'cli-made', role: 'viewer', password: 'a long password 1' });
    await createConsoleUser(harness.db, {
      username: 'cli-made',
      role: 'operator',
      password: 'another password 2',
      reset: true,
    });
    const rows = (await audit('?target=cli-made')).items;
    assert.deepEqual(
      rows.map((row) => [row['action'], row['actor']]),
      [
        ['users.reset-password', '(cli)'],
        ['users.create', '(cli)'],
      ],
    );
    assert.ok(!JSON.stringify(rows).includes('password 1') && !JSON.stringify(rows).includes('password 2'));
  });

  it('pages newest first without gaps or repeats, also among entries of the same millisecond', async () => {
    const at = new Date(Date.UTC(2026, 0, 1, 8));
    for (let i = 0; i < 7; i++) {
      await recordAudit(harness.db, { actor: 'pager', ip: '-', action: 'test.page', target: `n:${i}`, at });
    }
    await recordAudit(harness.db, {
      actor: 'pager',
      ip: '-',
      action: 'test.page',
      target: 'n:late',
      at: new Date(at.getTime() + 1),
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit(`?actor=pager&limit=3${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((row) => String(row['target'])));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    assert.deepEqual(seen, ['n:late', 'n:6', 'n:5', 'n:4', 'n:3', 'n:2', 'n:1', 'n:0']);
    const window = await audit(`?actor=pager&from=${at.getTime() + 1}&to=${at.getTime() + 2}`);
    assert.deepEqual(
      window.items.map((row) => row['target']),
      ['n:late'],
    );
  });

  it('treats filter text as text: LIKE wildcards and SQL are matched literally', async () => {
    await recordAudit(harness.db, { actor: 'lit', ip: '-', action: 'test.like', target: '100%_done' });
    await recordAudit(harness.db, { actor: 'lit', ip: '-', action: 'test.like', target: '100 and done' });
    assert.deepEqual(
      (await audit(`?target=${encodeURIComponent('0%_d')}`)).items.map((row) => row['target']),
      ['100%_done'],
    );
    const injection = `' OR '1'='1`;
    assert.equal((await audit(`?actor=${encodeURIComponent(injection)}`)).items.length, 0);
    assert.equal((await audit(`?action=${encodeURIComponent('%')}`)).items.length, 0, '% is not a wildcard');
  });

  it('is for super-admins only, and refuses a bad cursor or parameter with the problem named', async () => {
    const vera = await harness.signIn('vera');
    const refused = await harness.as(vera, 'GET', '/audit');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'forbidden');
    assert.equal((await harness.call('GET', '/audit')).status, 401);
    const badCursor = await harness.as(root, 'GET', '/audit?cursor=bm90LWEtY3Vyc29y');
    assert.equal(badCursor.status, 400);
    assert.deepEqual(badCursor.body.error.problems, ['cursor: not a cursor this API returned']);
    const badLimit = await harness.as(root, 'GET', '/audit?limit=5000&from=yesterday');
    assert.equal(badLimit.status, 400);
    assert.equal(badLimit.body.error.problems.length, 2);
  });
});
