import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Db } from '@mpstack/common/db';
import { REDIS_URL, until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { apiRoutesOf } from '../../src/app.js';
import { AdminHarness, type SignedIn } from '../support/admin-harness.js';

/** Every table but the audit trail (which records the refusals) and the migrations' own, with its checksum. */
async function snapshot(db: Db): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'
      AND table_name <> 'audit_log' AND table_name NOT LIKE 'kysely_migration%'
    ORDER BY table_name`.execute(db);
  const sums: Record<string, string> = {};
  for (const { name } of tables.rows) {
    // The name comes from information_schema, never from input.
    const result = await sql<{ Checksum: string | number | null }>`CHECKSUM TABLE ${sql.table(name)}`.execute(db);
    sums[name] = String(result.rows[0]?.Checksum);
  }
  return sums;
}

const sqlInjection = `'; DROP TABLE admin_users; --`;
const xss = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

/** Routes every signed-in user may call, whatever the role: their own session. */
const ownSessionRoutes = new Set(['POST /session', 'DELETE /session', 'POST /session/revoke-all']);

describe('admin API security: roles, CSRF, sessions, brute force, bodies and injected text (MariaDB, Redis)', function () {
  this.timeout(180_000);
  const harness = new AdminHarness();
  let root: SignedIn;
  let viewer: SignedIn;
  let rootId: string;

  before(async () => {
    await harness.start(
      { root: 'super-admin', vera: 'viewer', otto: 'operator' },
      { MPSTACK_ADMIN_MAX_BODY_BYTES: '4096' },
    );
    root = await harness.signIn('root');
    viewer = await harness.signIn('vera');
    const users = await harness.as(root, 'GET', '/users');
    rootId = users.body.items.find((u: { username: string }) => u.username === 'root').id;
  });
  after(() => harness.stop());

  const writeRoutes = () => {
    if (harness.app === undefined) throw new Error('no app');
    return apiRoutesOf(harness.app).filter(
      (r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && !ownSessionRoutes.has(`${r.method} ${r.path}`),
    );
  };

  it('refuses every write route to a viewer with 403, writes nothing, and records each refusal', async () => {
    const routes = writeRoutes();
    const names = routes.map((r) => `${r.method} ${r.path}`);
    assert.ok(
      names.includes('POST /users') && names.includes('PATCH /users/:id'),
      `routes read from express: ${names}`,
    );
    const before = await snapshot(harness.db);
    for (const route of routes) {
      const path = route.path.replace(/:\w+/g, rootId);
      const answer = await harness.as(viewer, route.method, path, {
        body: { username: 'mallory', role: 'super-admin', password: 'a long password 1', disabled: true, name: 'x' },
      });
      assert.equal(answer.status, 403, `${route.method} ${route.path}: ${answer.text}`);
      assert.equal(answer.body.error.code, 'forbidden');
    }
    assert.deepEqual(await snapshot(harness.db), before, 'no table changed');
    const denied = await harness.as(root, 'GET', `/audit?actor=vera&action=api.denied&limit=200`);
    assert.equal(denied.body.items.length, routes.length, 'each refusal is in the audit trail');
    assert.ok(
      denied.body.items.every((row: { outcome: string; ip: string }) => row.outcome === 'denied' && row.ip !== ''),
    );
  });

  it('refuses a write without the CSRF token, with another Origin or without one — nothing written', async () => {
    const before = await snapshot(harness.db);
    const body = { username: 'csrf-made', role: 'viewer', password: 'a long password 1' };
    const cases = [
      { cookie: root.cookie },
      { cookie: root.cookie, csrf: 'not-the-token' },
      { cookie: root.cookie, csrf: root.csrf, origin: 'https://evil.example' },
      { cookie: root.cookie, csrf: root.csrf, origin: null },
      { cookie: root.cookie, csrf: root.csrf, origin: `${harness.url}.evil.example` },
    ];
    for (const init of cases) {
      const answer = await harness.call('POST', '/users', { ...init, body });
      assert.equal(answer.status, 403, JSON.stringify(init));
      assert.equal(answer.body.error.code, 'csrf_failed');
    }
    assert.deepEqual(await snapshot(harness.db), before);
  });

  it('answers 413 too_large for an oversized JSON body and 400 invalid_request for malformed JSON — nothing written', async () => {
    const before = await snapshot(harness.db);
    const big = await harness.as(root, 'POST', '/users', {
      rawBody: JSON.stringify({
        username: 'big',
        role: 'viewer',
        password: 'a long password 1',
        displayName: 'x'.repeat(5000),
      }),
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'too_large');
    for (const rawBody of ['{"username": "half"', '{username: bare}', '[1,2', '\u0000']) {
      const bad = await harness.as(root, 'POST', '/users', { rawBody });
      assert.equal(bad.status, 400, rawBody);
      assert.equal(bad.body.error.code, 'invalid_request');
      assert.deepEqual(bad.body.error.problems, ['(body): not valid JSON']);
    }
    assert.deepEqual(await snapshot(harness.db), before);
  });

  it('stores SQL and markup in text fields verbatim, answers them JSON-escaped, and treats them as text in queries', async () => {
    const created = await harness.as(root, 'POST', '/users', {
      body: {
        username: 'text-user',
        displayName: `${sqlInjection} ${xss}`,
        role: 'viewer',
        password: 'a long password 1',
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.user.displayName, `${sqlInjection} ${xss}`);
    assert.ok(created.text.includes('\\u003cscript\\u003e') && !created.text.includes('<script>'), 'JSON-escaped');
    const patched = await harness.as(root, 'PATCH', `/users/${created.body.user.id}`, { body: { displayName: xss } });
    assert.equal(patched.body.user.displayName, xss);
    const stored = await harness.db
      .selectFrom('admin_users')
      .select('display_name')
      .where('username', '=', 'text-user')
      .executeTakeFirst();
    assert.equal(stored?.display_name, xss, 'stored as sent');
    assert.equal((await harness.as(root, 'GET', '/users')).status, 200, 'admin_users still there');
    // A name is an identifier: markup or SQL in it is refused, with the rule named.
    for (const username of [sqlInjection, xss]) {
      const refused = await harness.as(root, 'POST', '/users', {
        body: { username, role: 'viewer', password: 'a long password 1' },
      });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.error.problems, ['username: 1 to 64 letters, digits, _ . @ -']);
    }
    const signIn = await harness.call('POST', '/session', { body: { username: sqlInjection, password: sqlInjection } });
    assert.equal(signIn.status, 401, 'a sign-in with SQL in both fields is a wrong password');
    for (const parameter of ['actor', 'action', 'target']) {
      for (const text of [sqlInjection, xss, '%', '_']) {
        const answer = await harness.as(root, 'GET', `/audit?${parameter}=${encodeURIComponent(text)}`);
        assert.equal(answer.status, 200, `${parameter}=${text}`);
        for (const row of answer.body.items)
          assert.ok(String(row[parameter]).includes(text), `${parameter}=${text} matched literally`);
      }
    }
    const cursor = await harness.as(root, 'GET', `/audit?cursor=${encodeURIComponent(sqlInjection)}`);
    assert.equal(cursor.status, 400);
    const from = await harness.as(root, 'GET', `/audit?from=${encodeURIComponent(sqlInjection)}`);
    assert.equal(from.status, 400);
    const [entry] = (await harness.as(root, 'GET', '/audit?action=session.sign-in&target=DROP')).body.items;
    assert.equal(entry.actor, sqlInjection, 'the failed sign-in is recorded with the name as typed');
  });

  it('locks one user after 5 failures with a doubling wait (423, retryAfterSeconds, Retry-After), the right password included', async () => {
    const attempt = (password: string) =>
      harness.call('POST', '/session', { body: { username: 'otto', password }, forwardedFor: '192.0.2.9' });
    for (let i = 0; i < 5; i++) assert.equal((await attempt('wrong password!')).status, 401);
    const locked = await attempt('correct horse battery');
    assert.equal(locked.status, 423);
    assert.equal(locked.body.error.code, 'locked');
    assert.equal(locked.body.error.retryAfterSeconds, 1);
    assert.equal(locked.headers.get('retry-after'), '1');
    // Once the lock lapses, one more failure locks for twice as long.
    await until(async () => (await attempt('wrong password!')).status === 401, 10_000, 'the first lock lapsed', 200);
    const again = await attempt('correct horse battery');
    assert.equal(again.status, 423);
    assert.equal(again.body.error.retryAfterSeconds, 2);
  });

  it('locks a password spray across many users from one address, not the other addresses', async () => {
    const names = ['root', 'vera', ...Array.from({ length: 18 }, (_, i) => `guess${i}`)];
    for (const username of names) {
      const answer = await harness.call('POST', '/session', {
        body: { username, password: 'Summer2026!!' },
        forwardedFor: '198.51.100.77',
      });
      assert.equal(answer.status, 401);
    }
    const sprayer = await harness.call('POST', '/session', {
      body: { username: 'vera', password: 'correct horse battery' },
      forwardedFor: '198.51.100.77',
    });
    assert.equal(sprayer.status, 423);
    await harness.signIn('vera', undefined, '198.51.100.78');
  });
});

describe('admin API security: session expiry (Redis clock)', function () {
  this.timeout(60_000);
  const harness = new AdminHarness();
  before(() =>
    harness.start({ root: 'super-admin' }, {}, { config: { sessionIdleMs: 1_000, sessionAbsoluteMs: 3_000 } }),
  );
  after(() => harness.stop());

  const sessionKey = (cookie: string) =>
    `${harness.keyPrefix}admin:session:${createHash('sha256')
      .update(cookie.split('=')[1] ?? '')
      .digest('base64url')}`;

  it('ends a session left unused for its idle time', async () => {
    const user = await harness.signIn('root');
    const redis = new Redis(REDIS_URL);
    try {
      assert.equal(await redis.exists(sessionKey(user.cookie)), 1);
      // Watched in Redis, not through the API: a request would restart the idle time.
      await until(async () => (await redis.exists(sessionKey(user.cookie))) === 0, 10_000, 'idle expiry', 100);
    } finally {
      redis.disconnect();
    }
    const answer = await harness.as(user, 'GET', '/session');
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, 'unauthenticated');
    assert.equal(
      (await harness.as(user, 'POST', '/users', { body: {} })).status,
      401,
      'a write with it is refused too',
    );
  });

  it('ends a session at its absolute time however busy it is', async () => {
    const user = await harness.signIn('root');
    const statuses: number[] = [];
    await until(
      async () => {
        const status = (await harness.as(user, 'GET', '/session')).status;
        statuses.push(status);
        return status === 401;
      },
      15_000,
      'absolute expiry',
      200,
    );
    assert.ok(statuses.filter((s) => s === 200).length >= 5, `used throughout (${statuses.length} requests)`);
  });
});
